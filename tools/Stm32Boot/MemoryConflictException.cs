namespace Stm32Boot;

/// <summary>
/// Thrown by <see cref="MemoryImage.Write"/> under <see cref="OverlapRule.RejectDifferent"/>. Readers catch it
/// and rethrow with the file and line (or the two files) involved; on its own it still says what happened.
/// </summary>
public sealed class MemoryConflictException(uint address, byte existing, byte incoming)
    : Stm32BootException($"byte at {HexNumber.Format(address)} is already {HexNumber.Format(existing)}; refusing to overwrite it with {HexNumber.Format(incoming)}.")
{
    public uint Address { get; } = address;
    public byte Existing { get; } = existing;
    public byte Incoming { get; } = incoming;
}
