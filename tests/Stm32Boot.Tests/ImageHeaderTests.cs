using System.Buffers.Binary;
using Xunit;

namespace Stm32Boot.Tests;

public class ImageHeaderTests
{
    private static ImageHeader Sample() => ImageHeader.Parse(Bytes());

    // Every byte distinct, so a field read from the wrong offset cannot pass by accident.
    private static byte[] Bytes() => Enumerable.Range(0, ImageHeader.Size).Select(i => (byte)(i + 1)).ToArray();

    [Fact]
    public void Layout_is_design_section_4()
    {
        Assert.Equal(
            [("magic", 0x00, 4), ("header_version", 0x04, 2), ("header_size", 0x06, 2), ("fw_version", 0x08, 8),
             ("image_addr", 0x10, 4), ("image_size", 0x14, 4), ("image_crc32", 0x18, 4), ("board_id", 0x1C, 4),
             ("flags", 0x20, 4), ("reserved", 0x24, 24), ("header_crc32", 0x3C, 4)],
            ImageHeader.Layout);
        Assert.Equal(ImageHeader.Size, ImageHeader.Layout.Sum(f => f.Size));
    }

    [Fact]
    public void Parse_reads_each_field_little_endian_from_its_offset()
    {
        var header = Sample();

        Assert.Equal([1, 2, 3, 4], header.Magic);
        Assert.Equal(0x0605, header.HeaderVersion);
        Assert.Equal(0x0807, header.HeaderSize);
        Assert.Equal(new FirmwareVersion(0x0A09, 0x0C0B, 0x0E0D, 0x100F), header.FwVersion);
        Assert.Equal(0x14131211u, header.ImageAddr);
        Assert.Equal(0x18171615u, header.ImageSize);
        Assert.Equal(0x1C1B1A19u, header.ImageCrc32);
        Assert.Equal(0x201F1E1Du, header.BoardId);
        Assert.Equal(0x24232221u, header.Flags);
        Assert.Equal(Enumerable.Range(0x25, 24).Select(i => (byte)i), header.Reserved);
        Assert.Equal(0x403F3E3Du, header.HeaderCrc32);
    }

    [Fact]
    public void ToBytes_is_the_inverse_of_Parse() => Assert.Equal(Bytes(), Sample().ToBytes());

    [Fact]
    public void Magic_is_L4AP_in_memory_order() =>
        Assert.Equal(0x5041344Cu, BinaryPrimitives.ReadUInt32LittleEndian(ImageHeader.ExpectedMagic));

    [Fact]
    public void Header_crc_covers_bytes_0_to_3B_and_nothing_after()
    {
        var bytes = Bytes();
        var header = ImageHeader.Parse(bytes);

        Assert.Equal(ImageCrc.Compute(bytes.AsSpan(0, 0x3C)), header.ComputeHeaderCrc());
        // The stored CRC itself is not covered ...
        Assert.Equal(header.ComputeHeaderCrc(), (header with { HeaderCrc32 = 0 }).ComputeHeaderCrc());
        // ... but the last covered byte, in the reserved field, is.
        var reserved = header.Reserved.ToArray();
        reserved[^1] ^= 1;
        Assert.NotEqual(header.ComputeHeaderCrc(), (header with { Reserved = reserved }).ComputeHeaderCrc());
    }

    [Fact]
    public void Magic_text_shows_ascii_or_hex()
    {
        Assert.Equal("'L4AP'", (Sample() with { Magic = "L4AP"u8.ToArray() }).MagicText);
        Assert.Equal("FFFFFFFF", (Sample() with { Magic = [0xFF, 0xFF, 0xFF, 0xFF] }).MagicText);
        Assert.True((Sample() with { Magic = "L4AP"u8.ToArray() }).HasExpectedMagic);
        Assert.False(Sample().HasExpectedMagic);
    }
}
