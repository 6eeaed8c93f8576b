namespace Stm32Boot.Uart;

/// <summary>One Write Memory block: at most 256 bytes, address and length multiples of 8 (one flash double word).</summary>
public sealed record FlashBlock(uint Address, byte[] Data)
{
    public ulong End => Address + (ulong)Data.Length;
}
