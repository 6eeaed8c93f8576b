using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Stm32Boot.Tests;

public class IntelHexWriterTests
{
    [Fact]
    public void Writes_an_address_record_first_and_whenever_the_upper_half_changes_then_start_and_eof()
    {
        var image = ImageAssert.From((0x0000FFF8, Enumerable.Range(0, 12).Select(i => (byte)i).ToArray()), (0x08020000, [0xAA]));

        var text = IntelHexWriter.Format(new IntelHexFile(image, 0x08020841), recordLength: 4);

        Assert.Equal(HexRecord.File(
            HexRecord.Linear(0x0000),
            HexRecord.Data(0xFFF8, 0, 1, 2, 3),
            HexRecord.Data(0xFFFC, 4, 5, 6, 7),
            HexRecord.Linear(0x0001),
            HexRecord.Data(0x0000, 8, 9, 10, 11),
            HexRecord.Linear(0x0802),
            HexRecord.Data(0x0000, 0xAA),
            HexRecord.StartLinear(0x08020841),
            HexRecord.EndOfFile), text);
    }

    [Fact]
    public void A_record_may_run_across_a_64K_boundary_as_linear_addresses_do_not_wrap()
    {
        var image = ImageAssert.From((0x0802FFFE, [1, 2, 3, 4, 5, 6]));

        var text = IntelHexWriter.Format(new IntelHexFile(image, null), recordLength: 4);

        Assert.Equal(HexRecord.File(
            HexRecord.Linear(0x0802),
            HexRecord.Data(0xFFFE, 1, 2, 3, 4),
            HexRecord.Linear(0x0803),
            HexRecord.Data(0x0002, 5, 6),
            HexRecord.EndOfFile), text);
        ImageAssert.Equal(image, IntelHexReader.Parse(text, "across.hex").Image);
    }

    [Fact]
    public void Default_record_length_is_16_and_an_empty_image_is_just_eof()
    {
        var text = IntelHexWriter.Format(new IntelHexFile(ImageAssert.From((0x100, new byte[20])), null));

        Assert.Equal([":020000040000FA", ":10010000" + new string('0', 32) + "EF", ":04011000" + "00000000" + "EB", HexRecord.EndOfFile],
            text.TrimEnd('\n').Split('\n'));
        Assert.Equal(HexRecord.File(HexRecord.EndOfFile), IntelHexWriter.Format(new IntelHexFile(new MemoryImage(), null)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(256)]
    public void Record_length_outside_1_to_255_is_refused(int length)
    {
        var error = Assert.Throws<Stm32BootException>(() => IntelHexWriter.Format(new IntelHexFile(new MemoryImage(), null), length));
        Assert.Equal($"record length {length} is out of range: an Intel HEX record holds 1 to 255 data bytes.", error.Message);
    }

    [Property(MaxTest = 200)]
    public Property Write_then_read_returns_the_same_image_and_start() =>
        Prop.ForAll(SparseImages.Image.ToArbitrary(), SparseImages.RecordLength.ToArbitrary(), (sparse, recordLength) =>
        {
            var text = IntelHexWriter.Format(new IntelHexFile(sparse.Image, sparse.Start), recordLength);
            var read = IntelHexReader.Parse(text, "roundtrip.hex");

            ImageAssert.Equal(sparse.Image, read.Image);
            Assert.Equal(sparse.Start, read.StartAddress);
            var dataRecords = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => line[7..9] == "00");
            Assert.All(dataRecords, line => Assert.InRange(line.Length, 13, 11 + 2 * recordLength));
        });
}
