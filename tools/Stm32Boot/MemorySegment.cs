namespace Stm32Boot;

/// <summary>A contiguous run of bytes of a <see cref="MemoryImage"/>; a copy, so callers may keep it.</summary>
public sealed record MemorySegment(uint Address, byte[] Data)
{
    public ulong End => Address + (ulong)Data.Length;
}
