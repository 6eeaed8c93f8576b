namespace Stm32Boot.Tests;

/// <summary>Builds Intel HEX record lines for tests, with a correct checksum unless told otherwise.</summary>
public static class HexRecord
{
    public static string Line(ushort offset, byte type, params byte[] data)
    {
        var body = new List<byte> { (byte)data.Length, (byte)(offset >> 8), (byte)offset, type };
        body.AddRange(data);
        body.Add((byte)-body.Sum(b => b));
        return ":" + Convert.ToHexString(body.ToArray());
    }

    public static string Data(ushort offset, params byte[] data) => Line(offset, 0x00, data);

    public static string Linear(ushort upper) => Line(0, 0x04, (byte)(upper >> 8), (byte)upper);

    public static string Segment(ushort segment) => Line(0, 0x02, (byte)(segment >> 8), (byte)segment);

    public static string StartLinear(uint address) => Line(0, 0x05, (byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address);

    public static string StartSegment(ushort cs, ushort ip) => Line(0, 0x03, (byte)(cs >> 8), (byte)cs, (byte)(ip >> 8), (byte)ip);

    public const string EndOfFile = ":00000001FF";

    public static string File(params string[] lines) => string.Join("\n", lines) + "\n";
}
