using Xunit;

namespace Stm32Boot.Tests;

public class IntelHexReaderTests
{
    private const string File = "app.hex";

    private static IntelHexFile Parse(params string[] lines) => IntelHexReader.Parse(HexRecord.File(lines), File);

    private static void AssertError(int line, string problem, params string[] lines)
    {
        var error = Assert.Throws<IntelHexFormatException>(() => Parse(lines));
        Assert.Equal(File, error.FileName);
        Assert.Equal(line, error.Line);
        Assert.StartsWith($"{File}: line {line}: ", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Reads_linear_addressed_data_and_the_start_address()
    {
        var hex = Parse(HexRecord.Linear(0x0802), HexRecord.Data(0x0000, 1, 2, 3), HexRecord.Data(0x0010, 4),
            HexRecord.StartLinear(0x08020841), HexRecord.EndOfFile);

        ImageAssert.Equal(ImageAssert.From((0x08020000, [1, 2, 3]), (0x08020010, [4])), hex.Image);
        Assert.Equal(0x08020841u, hex.StartAddress);
    }

    [Fact]
    public void Data_without_an_address_record_starts_at_zero_and_linear_records_run_across_64K()
    {
        var hex = Parse(HexRecord.Data(0x0010, 7), HexRecord.Linear(0x0001), HexRecord.Data(0xFFFE, 1, 2, 3, 4), HexRecord.EndOfFile);

        ImageAssert.Equal(ImageAssert.From((0x10, [7]), (0x1FFFE, [1, 2, 3, 4])), hex.Image);
        Assert.Null(hex.StartAddress);
    }

    [Fact]
    public void Segment_records_address_base_times_16_and_wrap_inside_the_segment()
    {
        var hex = Parse(HexRecord.Segment(0x1000), HexRecord.Data(0x0010, 5), HexRecord.Data(0xFFFE, 1, 2, 3, 4), HexRecord.EndOfFile);

        ImageAssert.Equal(ImageAssert.From((0x10000, [3, 4]), (0x10010, [5]), (0x1FFFE, [1, 2])), hex.Image);
    }

    [Fact]
    public void Start_segment_address_becomes_cs_times_16_plus_ip()
    {
        var hex = Parse(HexRecord.StartSegment(0x1234, 0x5678), HexRecord.EndOfFile);

        Assert.Equal(0x12340u + 0x5678u, hex.StartAddress);
    }

    [Fact]
    public void Crlf_lines_blank_lines_lowercase_digits_and_a_repeated_equal_start_are_accepted()
    {
        var text = HexRecord.Data(0, 0xAB).ToLowerInvariant() + "\r\n\r\n" + HexRecord.StartLinear(8) + "\r\n" +
                   HexRecord.StartLinear(8) + "\r\n" + HexRecord.EndOfFile + "\r\n\r\n";

        var hex = IntelHexReader.Parse(text, File);

        ImageAssert.Equal(ImageAssert.From((0, [0xAB])), hex.Image);
        Assert.Equal(8u, hex.StartAddress);
    }

    [Fact]
    public void Records_that_overlap_with_equal_data_are_accepted()
    {
        var hex = Parse(HexRecord.Data(0, 1, 2, 3), HexRecord.Data(1, 2, 3, 4), HexRecord.EndOfFile);

        ImageAssert.Equal(ImageAssert.From((0, [1, 2, 3, 4])), hex.Image);
    }

    [Fact]
    public void Line_not_starting_with_a_colon() =>
        AssertError(2, "a record must start with ':', this line starts with 'X'", HexRecord.Data(0, 1), "X" + HexRecord.Data(1, 2)[1..], HexRecord.EndOfFile);

    [Fact]
    public void Non_hex_character() =>
        AssertError(1, "'G' at column 4 is not a hex digit", ":01G000000FF", HexRecord.EndOfFile);

    [Fact]
    public void Trailing_space_is_a_non_hex_character() =>
        AssertError(1, "' ' at column 14 is not a hex digit", HexRecord.Data(0, 1) + " ", HexRecord.EndOfFile);

    [Fact]
    public void Odd_number_of_hex_digits() =>
        AssertError(1, "odd number of hex digits (13)", HexRecord.Data(0, 1) + "0", HexRecord.EndOfFile);

    [Fact]
    public void Record_too_short() =>
        AssertError(1, "record too short: 8 hex digits", ":00000001", HexRecord.EndOfFile);

    [Fact]
    public void Byte_count_disagrees_with_the_line_length() =>
        // Count says 2 data bytes, the line holds 1 (checksum made right for the bytes present).
        AssertError(1, "byte count 0x02 announces 2 data bytes, but the line holds 1", ":0200000001FD", HexRecord.EndOfFile);

    [Fact]
    public void Wrong_checksum() =>
        AssertError(2, "checksum 0x00 is wrong, the record's bytes need 0xFE", HexRecord.Data(0, 1), ":0100000001" + "00", HexRecord.EndOfFile);

    [Fact]
    public void Unknown_record_type() =>
        AssertError(1, "unknown record type 0x06", HexRecord.Line(0, 0x06, 1), HexRecord.EndOfFile);

    [Theory]
    [InlineData(0x01, 1, "a type 0x01 (EndOfFile) record carries 0 data bytes, this one 1")]
    [InlineData(0x02, 3, "a type 0x02 (ExtendedSegmentAddress) record carries 2 data bytes, this one 3")]
    [InlineData(0x03, 2, "a type 0x03 (StartSegmentAddress) record carries 4 data bytes, this one 2")]
    [InlineData(0x04, 1, "a type 0x04 (ExtendedLinearAddress) record carries 2 data bytes, this one 1")]
    [InlineData(0x05, 5, "a type 0x05 (StartLinearAddress) record carries 4 data bytes, this one 5")]
    public void Address_start_and_end_records_with_the_wrong_length(byte type, int length, string problem) =>
        AssertError(1, problem, HexRecord.Line(0, type, new byte[length]), HexRecord.EndOfFile);

    [Fact]
    public void Missing_end_of_file_record_names_the_last_line() =>
        AssertError(2, "missing end-of-file record ':00000001FF'", HexRecord.Data(0, 1), HexRecord.Data(1, 2));

    [Fact]
    public void Empty_file_lacks_the_end_of_file_record()
    {
        var error = Assert.Throws<IntelHexFormatException>(() => IntelHexReader.Parse("", File));
        Assert.Equal($"{File}: line 1: missing end-of-file record ':00000001FF' at the end of the file; it may be truncated.", error.Message);
    }

    [Fact]
    public void Data_after_the_end_of_file_record() =>
        AssertError(3, "data after the end-of-file record on line 2", HexRecord.Data(0, 1), HexRecord.EndOfFile, HexRecord.Data(1, 2));

    [Fact]
    public void Overlapping_records_with_different_data_name_both_lines() =>
        AssertError(4, "byte at 0x08000011 is 0x09 here, but line 2 already set it to 0x02",
            HexRecord.Linear(0x0800), HexRecord.Data(0x10, 1, 2, 3), HexRecord.Data(0x20, 0), HexRecord.Data(0x11, 9), HexRecord.EndOfFile);

    [Fact]
    public void Two_different_start_addresses() =>
        AssertError(3, "start address 0x00000009 contradicts 0x00000008 given on line 1",
            HexRecord.StartLinear(8), HexRecord.Data(0, 1), HexRecord.StartLinear(9), HexRecord.EndOfFile);

    [Fact]
    public void Data_past_the_end_of_the_address_space() =>
        AssertError(2, "2 data bytes at 0xFFFFFFFF run past the end of the 32-bit address space",
            HexRecord.Linear(0xFFFF), HexRecord.Data(0xFFFF, 1, 2), HexRecord.EndOfFile);

    [Fact]
    public void Missing_file_is_named()
    {
        var error = Assert.Throws<MissingFileException>(() => IntelHexReader.ReadFile("nowhere/app.hex"));
        Assert.Equal("HEX file 'nowhere/app.hex' not found.", error.Message);
    }
}
