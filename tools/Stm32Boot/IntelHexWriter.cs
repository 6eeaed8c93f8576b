using System.Text;

namespace Stm32Boot;

/// <summary>
/// Writes Intel HEX with 32-bit linear addressing: data records of RecordLength bytes from the start of each
/// run (the last one shorter), an 04 record before the first data record and whenever the upper 16 bits of a
/// record's address change, the start address as an 05 record, then the 01 end-of-file record; lines end in LF.
/// A record may run across a 64 KB boundary: linear addresses do not wrap (Intel HEX spec: address =
/// (LBA + DRLO + DRI) mod 4G), srec_cat writes them the same way, and readers (ours, stm32flash) take them.
/// srec_cat writes the same bytes with the options documented (and checked) in HexMergerTests, so either
/// tool's output can be checked with the other.
/// </summary>
public static class IntelHexWriter
{
    public const int DefaultRecordLength = 16;
    public const int MaxRecordLength = 255;

    public static string Format(IntelHexFile hex, int recordLength = DefaultRecordLength)
    {
        if (recordLength is < 1 or > MaxRecordLength)
            throw new Stm32BootException($"record length {recordLength} is out of range: an Intel HEX record holds 1 to {MaxRecordLength} data bytes.");

        var text = new StringBuilder();
        uint? upper = null;
        foreach (var segment in hex.Image.Segments)
        {
            var position = (ulong)segment.Address;
            while (position < segment.End)
            {
                var end = Math.Min(position + (ulong)recordLength, segment.End);
                var address = (uint)position;
                if (upper != address >> 16)
                {
                    upper = address >> 16;
                    Record(text, 0, IntelHexRecordType.ExtendedLinearAddress, [(byte)(address >> 24), (byte)(address >> 16)]);
                }

                Record(text, (ushort)address, IntelHexRecordType.Data,
                    segment.Data.AsSpan((int)(position - segment.Address), (int)(end - position)));
                position = end;
            }
        }

        if (hex.StartAddress is { } start)
            Record(text, 0, IntelHexRecordType.StartLinearAddress, [(byte)(start >> 24), (byte)(start >> 16), (byte)(start >> 8), (byte)start]);
        Record(text, 0, IntelHexRecordType.EndOfFile, []);
        return text.ToString();
    }

    public static void WriteFile(string path, IntelHexFile hex, int recordLength = DefaultRecordLength) =>
        File.WriteAllText(path, Format(hex, recordLength));

    private static void Record(StringBuilder text, ushort offset, IntelHexRecordType type, ReadOnlySpan<byte> data)
    {
        var sum = data.Length + (offset >> 8) + (offset & 0xFF) + (int)type;
        foreach (var b in data)
            sum += b;
        text.Append($":{data.Length:X2}{offset:X4}{(byte)type:X2}").Append(Convert.ToHexString(data)).Append($"{(byte)-sum:X2}\n");
    }
}
