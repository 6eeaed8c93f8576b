using System.IO.Hashing;

namespace Stm32Boot;

/// <summary>
/// The header's CRC: CRC-32/ISO-HDLC, the zlib/PNG CRC-32 (reflected polynomial 0xEDB88320, initial and final
/// XOR 0xFFFFFFFF). System.IO.Hashing.Crc32 is exactly that; the bootloader configures its CRC unit to match.
/// </summary>
public static class ImageCrc
{
    public static uint Compute(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(data);
}
