namespace Stm32Boot.Uart;

/// <summary>
/// XMODEM-1K as the application's `receive` command takes it (application/src/xmodem.h): CRC-16 mode, 1024-byte
/// blocks, per Chuck Forsberg's "XMODEM/YMODEM PROTOCOL REFERENCE" (10-14-88). The bytes and the frame, shared by the
/// sender and the tests' receiver.
/// </summary>
public static class Xmodem
{
    public const byte Soh = 0x01;
    public const byte Stx = 0x02;
    public const byte Eot = 0x04;
    public const byte Ack = 0x06;
    public const byte Nak = 0x15;
    public const byte Can = 0x18;

    /// <summary>The receiver's request for CRC-16 mode, and its handshake.</summary>
    public const byte CrcRequest = (byte)'C';

    /// <summary>What fills a last block past the end of the data (CP/M's end of file, ^Z).</summary>
    public const byte Pad = 0x1A;

    public const int BlockSize = 1024;
    public const int ShortBlockSize = 128;

    /// <summary>STX or SOH, number, complement, data, CRC-16 high byte first.</summary>
    public const int FrameOverhead = 5;

    /// <summary>CRC-16/XMODEM: polynomial 0x1021, initial 0, not reflected, no final XOR (check value of
    /// "123456789": 0x31C3).</summary>
    public static ushort Crc16(ReadOnlySpan<byte> data)
    {
        var crc = 0;
        foreach (var b in data)
        {
            crc ^= b << 8;
            for (var bit = 0; bit < 8; bit++)
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
        }

        return (ushort)crc;
    }

    /// <summary>The frame of block <paramref name="number"/> (modulo 256): STX for 1024 data bytes, SOH for 128.</summary>
    public static byte[] Frame(int number, ReadOnlySpan<byte> data)
    {
        if (data.Length is not (BlockSize or ShortBlockSize))
            throw new ArgumentException($"An XMODEM block holds {BlockSize} or {ShortBlockSize} bytes, not {data.Length}.", nameof(data));
        var frame = new byte[data.Length + FrameOverhead];
        frame[0] = data.Length == BlockSize ? Stx : Soh;
        frame[1] = (byte)number;
        frame[2] = (byte)~number;
        data.CopyTo(frame.AsSpan(3));
        var crc = Crc16(data);
        frame[^2] = (byte)(crc >> 8);
        frame[^1] = (byte)crc;
        return frame;
    }
}
