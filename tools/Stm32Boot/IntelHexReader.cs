using System.Buffers.Binary;

namespace Stm32Boot;

/// <summary>
/// Reads Intel HEX (record types 00–05) into a <see cref="MemoryImage"/>. Strict: a wrong checksum, byte count,
/// character, a missing end-of-file record, data after it, or records that give one address two different
/// values are errors naming the file and line, because a silently "repaired" file is flashed as something else.
/// Blank lines are ignored and lines may end in LF or CRLF.
/// </summary>
public static class IntelHexReader
{
    public static IntelHexFile ReadFile(string path)
    {
        if (!File.Exists(path))
            throw new MissingFileException($"HEX file '{path}' not found.");
        return Parse(File.ReadAllText(path), path);
    }

    /// <param name="text">The file's content.</param>
    /// <param name="fileName">Names the file in error messages.</param>
    public static IntelHexFile Parse(string text, string fileName) => new Parser(fileName).Run(text);

    private sealed class Parser(string fileName)
    {
        private readonly MemoryImage image = new();

        // Data records by address range, so an overlap error can name the line that wrote the byte first.
        private readonly List<(uint Address, int Length, int Line)> dataRecords = [];

        private bool segmented;
        private uint addressBase;
        private uint? start;
        private int startLine;
        private int lineNumber;

        public IntelHexFile Run(string text)
        {
            int? endOfFileLine = null;
            var lastRecordLine = 1;
            foreach (var rawLine in text.Split('\n'))
            {
                lineNumber++;
                var line = rawLine.EndsWith('\r') ? rawLine[..^1] : rawLine;
                if (line.Length == 0)
                    continue;
                lastRecordLine = lineNumber;
                if (endOfFileLine is { } eof)
                    throw Error($"data after the end-of-file record on line {eof}; remove it, or check whether two files were joined.");
                if (Record(line) == IntelHexRecordType.EndOfFile)
                    endOfFileLine = lineNumber;
            }

            if (endOfFileLine is null)
                throw new IntelHexFormatException(fileName, lastRecordLine,
                    "missing end-of-file record ':00000001FF' at the end of the file; it may be truncated.");
            return new IntelHexFile(image, start);
        }

        private IntelHexRecordType Record(string line)
        {
            if (line[0] != ':')
                throw Error($"a record must start with ':', this line starts with '{line[0]}'.");
            for (var column = 1; column < line.Length; column++)
                if (!char.IsAsciiHexDigit(line[column]))
                    throw Error($"'{line[column]}' at column {column + 1} is not a hex digit.");
            if (line.Length % 2 == 0)
                throw Error($"odd number of hex digits ({line.Length - 1}); every byte takes two.");
            if (line.Length < 11)
                throw Error($"record too short: {line.Length - 1} hex digits, but count, address, type and checksum take 10.");

            var bytes = Convert.FromHexString(line.AsSpan(1));
            var count = bytes[0];
            if (bytes.Length != count + 5)
                throw Error($"byte count {HexNumber.Format(count)} announces {count} data bytes, but the line holds {bytes.Length - 5}.");
            var sum = 0;
            foreach (var b in bytes.AsSpan(0, bytes.Length - 1))
                sum += b;
            var expected = (byte)-sum;
            if (bytes[^1] != expected)
                throw Error($"checksum {HexNumber.Format(bytes[^1])} is wrong, the record's bytes need {HexNumber.Format(expected)}.");

            var offset = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(1));
            var type = (IntelHexRecordType)bytes[3];
            var data = bytes.AsSpan(4, count);
            switch (type)
            {
                case IntelHexRecordType.Data:
                    Data(offset, data);
                    break;
                case IntelHexRecordType.EndOfFile:
                    RequireLength(type, data, 0);
                    break;
                case IntelHexRecordType.ExtendedSegmentAddress:
                    RequireLength(type, data, 2);
                    segmented = true;
                    addressBase = (uint)BinaryPrimitives.ReadUInt16BigEndian(data) << 4;
                    break;
                case IntelHexRecordType.ExtendedLinearAddress:
                    RequireLength(type, data, 2);
                    segmented = false;
                    addressBase = (uint)BinaryPrimitives.ReadUInt16BigEndian(data) << 16;
                    break;
                case IntelHexRecordType.StartSegmentAddress:
                    RequireLength(type, data, 4);
                    Start(((uint)BinaryPrimitives.ReadUInt16BigEndian(data) << 4) + BinaryPrimitives.ReadUInt16BigEndian(data[2..]));
                    break;
                case IntelHexRecordType.StartLinearAddress:
                    RequireLength(type, data, 4);
                    Start(BinaryPrimitives.ReadUInt32BigEndian(data));
                    break;
                default:
                    throw Error($"unknown record type {HexNumber.Format((byte)type)}; Intel HEX has types 0x00 to 0x05.");
            }

            return type;
        }

        private void Data(ushort offset, ReadOnlySpan<byte> data)
        {
            if (segmented)
            {
                // Segment addressing wraps the 16-bit offset inside the segment (Intel spec: SBA + (DRLO + DRI) mod 64K).
                var firstPart = Math.Min(data.Length, 0x10000 - offset);
                Store(addressBase + offset, data[..firstPart]);
                Store(addressBase, data[firstPart..]);
                return;
            }

            var address = (ulong)addressBase + offset;
            if (address + (ulong)data.Length > 1UL << 32)
                throw Error($"{data.Length} data bytes at {HexNumber.Format((uint)address)} run past the end of the 32-bit address space.");
            Store((uint)address, data);
        }

        private void Store(uint address, ReadOnlySpan<byte> data)
        {
            if (data.IsEmpty)
                return;
            try
            {
                image.Write(address, data, OverlapRule.RejectDifferent);
            }
            catch (MemoryConflictException conflict)
            {
                var earlier = dataRecords.First(r => conflict.Address >= r.Address && conflict.Address - r.Address < (uint)r.Length);
                throw Error($"byte at {HexNumber.Format(conflict.Address)} is {HexNumber.Format(conflict.Incoming)} here, " +
                            $"but line {earlier.Line} already set it to {HexNumber.Format(conflict.Existing)} (overlapping records with different data).");
            }

            dataRecords.Add((address, data.Length, lineNumber));
        }

        private void Start(uint address)
        {
            if (start is { } earlier && earlier != address)
                throw Error($"start address {HexNumber.Format(address)} contradicts {HexNumber.Format(earlier)} given on line {startLine}.");
            start = address;
            startLine = lineNumber;
        }

        private void RequireLength(IntelHexRecordType type, ReadOnlySpan<byte> data, int length)
        {
            if (data.Length != length)
                throw Error($"a type {HexNumber.Format((byte)type)} ({type}) record carries {length} data bytes, this one {data.Length}.");
        }

        private IntelHexFormatException Error(string problem) => new(fileName, lineNumber, problem);
    }
}
