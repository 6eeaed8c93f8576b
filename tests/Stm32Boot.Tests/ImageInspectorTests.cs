using Xunit;

namespace Stm32Boot.Tests;

public class ImageInspectorTests(TinyArmElfFixture fixture) : IClassFixture<TinyArmElfFixture>
{
    private static MemoryMap Map => TestSettings.Defaults.MemoryMap;
    private const uint Board = 0x04150001;

    private MemoryImage Stamped() => Stamper.Stamp(fixture.ElfPath, TestSettings.Defaults).Image;

    private static ImageHeader HeaderOf(MemoryImage image) => ImageHeader.Parse(image.Read(Map.Header.Base, 64, 0));

    /// <summary>Replaces the header, recomputing its CRC so that only the intended check fails.</summary>
    private static MemoryImage WithHeader(MemoryImage image, Func<ImageHeader, ImageHeader> change)
    {
        var header = change(HeaderOf(image));
        image.Write(Map.Header.Base, (header with { HeaderCrc32 = header.ComputeHeaderCrc() }).ToBytes());
        return image;
    }

    private static MemoryImage WithWord(MemoryImage image, uint address, uint value)
    {
        image.Write(address, BitConverter.GetBytes(value));
        return image;
    }

    private static string[] Failed(MemoryImage image, uint board = Board) =>
        ImageInspector.Inspect(image, Map, board).Checks.Where(c => !c.Passed).Select(c => c.Name).ToArray();

    [Fact]
    public void A_stamped_image_passes_every_check_in_the_bootloaders_order()
    {
        var inspection = ImageInspector.Inspect(Stamped(), Map, Board);

        Assert.True(inspection.Accepted);
        Assert.Equal(
            ["magic", "header_version", "header_size", "header_crc32", "image_addr", "image_size", "board_id",
             "initial MSP", "reset vector in image", "reset vector Thumb", "image_crc32"],
            inspection.Checks.Select(c => c.Name));
        Assert.Contains("0x20018000 in SRAM1, 8-byte aligned", inspection.Checks.Single(c => c.Name == "initial MSP").Detail);
    }

    [Fact]
    public void Vector_table_names_the_first_16_entries()
    {
        var inspection = ImageInspector.Inspect(Stamped(), Map, Board);
        ElfImage.Load(fixture.ElfPath).TryGetSymbol("Reset_Handler", out var reset);

        Assert.Equal(16, inspection.Vectors.Count);
        Assert.Equal(("Initial MSP", 0x20018000u), (inspection.Vectors[0].Name, inspection.Vectors[0].Value!.Value));
        Assert.Equal(("Reset", reset | 1), (inspection.Vectors[1].Name, inspection.Vectors[1].Value!.Value));
        Assert.Equal(["NMI", "HardFault", "MemManage", "BusFault", "UsageFault"], inspection.Vectors.Skip(2).Take(5).Select(v => v.Name));
        Assert.Equal(["SVCall", "DebugMonitor", "Reserved", "PendSV", "SysTick"], inspection.Vectors.Skip(11).Select(v => v.Name));
    }

    [Fact]
    public void Regions_count_the_bytes_in_each()
    {
        var image = Stamped();
        image.Write(0x08000000, new byte[0x2000]);
        var size = HeaderOf(image).ImageSize;

        var inspection = ImageInspector.Inspect(image, Map, Board);

        Assert.Equal([("bootloader", 0x2000L), ("header", 64L), ("image", (long)size)], inspection.Regions.Select(r => (r.Name, r.UsedBytes)));
        Assert.Equal(6.25, inspection.Regions[0].Percent);
        Assert.Equal(0, inspection.BytesOutsideFlashRegions);
    }

    [Fact]
    public void An_erased_header_fails_every_check_that_needs_it()
    {
        var image = Stamped();
        image.Write(Map.Header.Base, Enumerable.Repeat((byte)0xFF, 64).ToArray());

        var inspection = ImageInspector.Inspect(image, Map, Board);

        Assert.Null(inspection.Header);
        Assert.Equal(["magic", "header_version", "header_size", "header_crc32", "image_addr", "image_size", "board_id", "image_crc32"],
            inspection.Checks.Where(c => !c.Passed).Select(c => c.Name));
        Assert.All(inspection.Checks.Where(c => !c.Passed), c => Assert.Equal("no application header (erased: all 0xFF)", c.Detail));
    }

    [Fact]
    public void A_file_without_header_bytes_says_so()
    {
        var image = Stamped().Slice(Map.Image);

        var check = ImageInspector.Inspect(image, Map, Board).Checks[0];

        Assert.Equal(new AcceptanceCheck("magic", false, "no complete 64-byte header at 0x08020000 in this file"), check);
    }

    [Fact]
    public void Each_header_field_fault_fails_its_own_check()
    {
        Assert.Equal(["magic"], Failed(WithHeader(Stamped(), h => h with { Magic = "L4AQ"u8.ToArray() })));
        Assert.Equal(["header_version"], Failed(WithHeader(Stamped(), h => h with { HeaderVersion = 2 })));
        Assert.Equal(["header_size"], Failed(WithHeader(Stamped(), h => h with { HeaderSize = 60 })));
        Assert.Equal(["image_addr"], Failed(WithHeader(Stamped(), h => h with { ImageAddr = 0x08020000 })));
        Assert.Equal(["board_id"], Failed(Stamped(), board: 0x04150002));
        Assert.Equal(["image_crc32"], Failed(WithHeader(Stamped(), h => h with { ImageCrc32 = h.ImageCrc32 ^ 1 })));
        Assert.Equal(["image_size", "image_crc32"], Failed(WithHeader(Stamped(), h => h with { ImageSize = 0 })));
        Assert.Equal(["image_size", "image_crc32"], Failed(WithHeader(Stamped(), h => h with { ImageSize = ImageInspector.MinImageSize - 1 })));
        Assert.Equal(["image_size", "image_crc32"], Failed(WithHeader(Stamped(), h => h with { ImageSize = Map.Image.Size + 1 })));

        var badCrc = Stamped();
        badCrc.Write(Map.Header.Base + 0x3C, [0, 0, 0, 0]);
        var check = ImageInspector.Inspect(badCrc, Map, Board).Checks.Single(c => !c.Passed);
        Assert.Equal("header_crc32", check.Name);
        Assert.StartsWith("0x00000000: computed 0x", check.Detail);
    }

    [Theory]
    [InlineData(0x20020008u, "0x20020008 is outside SRAM1 0x20000000–0x20017FFF, SRAM2 0x10000000–0x10007FFF, SRAM2 alias 0x20018000–0x2001FFFF")]
    [InlineData(0x20018004u, "0x20018004 in SRAM2 alias but not 8-byte aligned")]
    [InlineData(0x20000000u, "0x20000000 is outside SRAM1")]
    [InlineData(0x2000FFFCu, "0x2000FFFC in SRAM1 but not 8-byte aligned")]
    public void Stack_pointer_must_be_in_ram_and_8_aligned(uint msp, string detail)
    {
        var check = ImageInspector.Inspect(Resigned(WithWord(Stamped(), Map.Image.Base, msp)), Map, Board).Checks.Single(c => !c.Passed);

        Assert.Equal("initial MSP", check.Name);
        Assert.StartsWith(detail, check.Detail);
    }

    [Fact]
    public void Stack_pointer_at_the_top_of_sram2_is_accepted()
    {
        Assert.Empty(Failed(Resigned(WithWord(Stamped(), Map.Image.Base, 0x10008000))));
    }

    /// SRAM1 and SRAM2's alias as one 128 KB block: the bootloader takes a stack at its top, and so does `info`.
    [Fact]
    public void Stack_pointer_at_the_top_of_the_sram2_alias_is_accepted()
    {
        var inspection = ImageInspector.Inspect(Resigned(WithWord(Stamped(), Map.Image.Base, 0x20020000)), Map, Board);

        Assert.True(inspection.Accepted);
        Assert.Equal("0x20020000 in SRAM2 alias, 8-byte aligned", inspection.Checks.Single(c => c.Name == "initial MSP").Detail);
    }

    [Fact]
    public void Reset_vector_must_be_odd_and_inside_the_image()
    {
        var reset = HeaderOf(Stamped());
        var end = Map.Image.Base + reset.ImageSize;

        Assert.Equal(["reset vector Thumb"], Failed(Resigned(WithWord(Stamped(), Map.Image.Base + 4, Map.Image.Base + 0x40))));
        Assert.Equal(["reset vector in image"], Failed(Resigned(WithWord(Stamped(), Map.Image.Base + 4, end | 1))));
        Assert.Equal(["reset vector in image"], Failed(Resigned(WithWord(Stamped(), Map.Image.Base + 4, 0x08000101))));
    }

    [Fact]
    public void Missing_image_bytes_count_as_erased_and_are_reported()
    {
        var image = Stamped();
        var size = HeaderOf(image).ImageSize;
        var truncated = image.Slice(Map.Header.Base, Map.Image.Base + size - 4);

        var check = ImageInspector.Inspect(truncated, Map, Board).Checks.Single(c => c.Name == "image_crc32");

        Assert.False(check.Passed);
        Assert.Contains("(4 of the bytes are not in the file and count as erased 0xFF)", check.Detail);
    }

    /// <summary>After changing image bytes: recompute image_crc32 (and the header CRC), as a re-stamp would.</summary>
    private static MemoryImage Resigned(MemoryImage image) =>
        WithHeader(image, h => h with { ImageCrc32 = ImageCrc.Compute(image.Read(Map.Image.Base, (int)h.ImageSize, 0xFF)) });
}
