using System.Buffers.Binary;
using Xunit;

namespace Stm32Boot.Tests;

public class StamperTests(TinyArmElfFixture fixture) : IClassFixture<TinyArmElfFixture>
{
    private static MemoryMap Map => TestSettings.Defaults.MemoryMap;

    [Fact]
    public void Stamp_fills_size_and_crcs_and_info_accepts_every_output()
    {
        using var scratch = new ScratchDirectory();
        var result = Stamper.Stamp(fixture.ElfPath, TestSettings.Defaults);
        var written = result.WriteTo(scratch.Path, "application");

        var elf = ElfImage.Load(fixture.ElfPath);
        var imageEnd = elf.Memory.EndAddress;
        var image = elf.Memory.Read(Map.Image.Base, (int)(imageEnd - Map.Image.Base), 0xFF);
        Assert.Equal((uint)image.Length, result.Header.ImageSize);
        Assert.Equal(ImageCrc.Compute(image), result.Header.ImageCrc32);
        Assert.Equal(ImageCrc.Compute(result.Header.ToBytes().AsSpan(0, 0x3C)), result.Header.HeaderCrc32);
        Assert.Equal(new FirmwareVersion(1, 0, 0, 1), result.Header.FwVersion); // from build_config.h

        Assert.Equal([scratch.File("application.hex"), scratch.File("application.bin"), scratch.File("application.elf")], written);
        foreach (var output in new[] { "application.hex", "application.elf", "application.bin@0x08020000" })
        {
            var inspection = ImageInspector.Inspect(FirmwareFile.Load(scratch.File(output)).Image, Map, 0x04150001);
            Assert.True(inspection.Accepted, $"{output}: " + string.Join("; ", inspection.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}")));
        }
    }

    [Fact]
    public void Bin_starts_at_the_header_base_with_the_header_page_padded_with_ff()
    {
        var result = Stamper.Stamp(fixture.ElfPath, TestSettings.Defaults);

        var bin = result.ToBinary();

        Assert.Equal(result.Header.ToBytes(), bin[..64]);
        Assert.All(bin[64..0x800], b => Assert.Equal(0xFF, b));
        Assert.Equal(0x800 + (int)result.Header.ImageSize, bin.Length);
        Assert.Equal(ElfImage.Load(fixture.ElfPath).Memory.Read(Map.Image.Base, (int)result.Header.ImageSize, 0xFF), bin[0x800..]);
    }

    [Fact]
    public async Task Stamped_elf_holds_the_stamped_header_so_objcopy_gives_the_stamped_hex()
    {
        using var scratch = new ScratchDirectory();
        Stamper.Stamp(fixture.ElfPath, TestSettings.Defaults).WriteTo(scratch.Path, "app");

        await ExternalTool.RunChecked("arm-none-eabi-objcopy", ["-O", "ihex", scratch.File("app.elf"), scratch.File("objcopy.hex")]);

        // objcopy ends lines with CRLF; the records themselves must be identical.
        Assert.Equal(File.ReadAllText(scratch.File("app.hex")), File.ReadAllText(scratch.File("objcopy.hex")).Replace("\r\n", "\n"));
    }

    [Fact]
    public void Version_override_goes_into_the_header_and_its_crc()
    {
        var plain = Stamper.Stamp(fixture.ElfPath, TestSettings.Defaults);
        var overridden = Stamper.Stamp(fixture.ElfPath, TestSettings.Defaults, new FirmwareVersion(2, 3, 4, 65535));

        Assert.Equal(new FirmwareVersion(2, 3, 4, 65535), overridden.Header.FwVersion);
        Assert.Equal(plain.Header.ImageCrc32, overridden.Header.ImageCrc32);
        Assert.NotEqual(plain.Header.HeaderCrc32, overridden.Header.HeaderCrc32);
        Assert.Equal(overridden.Header.ComputeHeaderCrc(), overridden.Header.HeaderCrc32);
    }

    [Fact]
    public void A_stamped_hex_can_be_stamped_again_with_the_same_result()
    {
        using var scratch = new ScratchDirectory();
        var first = Stamper.Stamp(fixture.ElfPath, TestSettings.Defaults);
        first.WriteTo(scratch.Path, "first");

        var second = Stamper.Stamp(scratch.File("first.hex"), TestSettings.Defaults);

        Assert.Equal(first.Header.ToBytes(), second.Header.ToBytes());
        Assert.Null(second.ElfHeaderFileOffset);
        Assert.Equal(first.StartAddress, second.StartAddress);
    }

    [Fact]
    public void Gaps_inside_the_image_are_filled_with_ff_and_covered_by_the_crc()
    {
        using var scratch = new ScratchDirectory();
        var header = Stamper.Stamp(fixture.ElfPath, TestSettings.Defaults).Header with { ImageSize = 0, ImageCrc32 = 0, HeaderCrc32 = 0 };
        var input = ImageAssert.From((Map.Header.Base, header.ToBytes()), (Map.Image.Base, [1, 2, 3, 4]), (Map.Image.Base + 0x10, [5]));
        var path = scratch.Write("gappy.hex", IntelHexWriter.Format(new IntelHexFile(input, null)));

        var result = Stamper.Stamp(path, TestSettings.Defaults);

        byte[] expected = [1, 2, 3, 4, .. Enumerable.Repeat((byte)0xFF, 12), 5];
        Assert.Equal(17u, result.Header.ImageSize);
        Assert.Equal(ImageCrc.Compute(expected), result.Header.ImageCrc32);
        ImageAssert.Equal(ImageAssert.From((Map.Header.Base, result.Header.ToBytes()), (Map.Image.Base, expected)), result.Image);
    }

    [Fact]
    public async Task Refuses_an_elf_without_the_header_section()
    {
        using var scratch = new ScratchDirectory();
        var elf = await new TinyArmElf { WithHeaderSection = false }.Build(scratch, TestSettings.Defaults);

        var error = Assert.Throws<Stm32BootException>(() => Stamper.Stamp(elf, TestSettings.Defaults));
        Assert.Equal($"'{elf}' has no .image_header section; the application must place its image_header_t in section .image_header " +
                     "at 0x08020000 (APP_HEADER in memory.ld), or be stamped with --add-header, which writes the whole header.", error.Message);
    }

    [Fact]
    public async Task Refuses_bad_magic_in_the_unstamped_header()
    {
        using var scratch = new ScratchDirectory();
        var elf = await new TinyArmElf { Magic = "L4AX" }.Build(scratch, TestSettings.Defaults);

        var error = Assert.Throws<Stm32BootException>(() => Stamper.Stamp(elf, TestSettings.Defaults));
        Assert.Equal($"'{elf}': header at 0x08020000 has magic 'L4AX', not 'L4AP'; is .image_header the application's image_header_t?", error.Message);
    }

    [Fact]
    public async Task Refuses_an_image_addr_that_differs_from_the_memory_map()
    {
        using var scratch = new ScratchDirectory();
        var elf = await new TinyArmElf { ImageAddr = "0x08040000u" }.Build(scratch, TestSettings.Defaults);

        var error = Assert.Throws<Stm32BootException>(() => Stamper.Stamp(elf, TestSettings.Defaults));
        Assert.Contains("has image_addr 0x08040000, but the memory map's image starts at 0x08020800", error.Message);
    }

    [Fact]
    public async Task Refuses_an_image_that_overflows_its_region()
    {
        using var scratch = new ScratchDirectory();
        // Linked for the full 1 MB flash, 128 KB of data, stamped for the 256 KB chip whose image region is 126 KB.
        var elf = await new TinyArmElf { PaddingBytes = 128 * 1024 }.Build(scratch, TestSettings.Defaults);
        var smallFlash = TestSettings.ParseWith("MemoryMap.FlashSize", "0x00040000");

        var error = Assert.Throws<Stm32BootException>(() => Stamper.Stamp(elf, smallFlash));
        Assert.Contains("the image overflows its region image 0x08020800–0x0803FFFF", error.Message);
        Assert.Contains("from 0x08040000 on; make the application smaller", error.Message);
    }

    [Fact]
    public async Task Refuses_bytes_outside_the_header_and_image()
    {
        using var scratch = new ScratchDirectory();
        var elf = await new TinyArmElf { WithStrayBootloaderBytes = true }.Build(scratch, TestSettings.Defaults);

        var error = Assert.Throws<Stm32BootException>(() => Stamper.Stamp(elf, TestSettings.Defaults));
        Assert.Equal($"'{elf}' has 4 bytes outside the application header and image (0x08020000–0x080FFFFF), the first at 0x08000000; " +
                     "an application links only into APP_HEADER and APP_IMAGE.", error.Message);
    }

    [Fact]
    public void Refuses_a_board_id_other_than_the_settings()
    {
        var otherBoard = TestSettings.ParseWith("BoardId", "0x04150002");

        var error = Assert.Throws<Stm32BootException>(() => Stamper.Stamp(fixture.ElfPath, otherBoard));
        Assert.Contains("has board_id 0x04150001, but test-settings.json says BoardId 0x04150002", error.Message);
    }

    [Fact]
    public void Refuses_bytes_in_the_header_page_after_the_header()
    {
        using var scratch = new ScratchDirectory();
        var image = ElfImage.Load(fixture.ElfPath).Memory;
        image.Write(Map.Header.Base + 0x100, [0]);
        var path = scratch.Write("extra.hex", IntelHexWriter.Format(new IntelHexFile(image, null)));

        var error = Assert.Throws<Stm32BootException>(() => Stamper.Stamp(path, TestSettings.Defaults));
        Assert.Contains("has 1 bytes in the header page after the 64-byte header, the first at 0x08020100", error.Message);
    }

    [Fact]
    public void Refuses_a_hex_without_the_header()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Write("noheader.hex", IntelHexWriter.Format(new IntelHexFile(ImageAssert.From((Map.Image.Base, [1, 2])), null)));

        var error = Assert.Throws<Stm32BootException>(() => Stamper.Stamp(path, TestSettings.Defaults));
        Assert.StartsWith($"'{path}' has no complete 64-byte header at 0x08020000", error.Message);
    }

    [Fact]
    public void Refuses_a_header_without_an_image()
    {
        using var scratch = new ScratchDirectory();
        var headerOnly = ElfImage.Load(fixture.ElfPath).Memory.Slice(Map.Header);
        var path = scratch.Write("headeronly.hex", IntelHexWriter.Format(new IntelHexFile(headerOnly, null)));

        var error = Assert.Throws<Stm32BootException>(() => Stamper.Stamp(path, TestSettings.Defaults));
        Assert.Contains("has no bytes in the image region image 0x08020800–0x080FFFFF", error.Message);
    }

    [Fact]
    public void Refuses_to_overwrite_its_input()
    {
        var directory = Path.GetDirectoryName(fixture.ElfPath)!;
        var result = Stamper.Stamp(fixture.ElfPath, TestSettings.Defaults);

        var error = Assert.Throws<Stm32BootException>(() => result.WriteTo(directory, "app"));
        Assert.Equal($"stamping '{fixture.ElfPath}' would overwrite it; choose another --out-dir or --name.", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sub/app")]
    [InlineData("..")]
    public void Refuses_output_names_that_are_not_plain_file_names(string name)
    {
        using var scratch = new ScratchDirectory();
        var result = Stamper.Stamp(fixture.ElfPath, TestSettings.Defaults);

        var error = Assert.Throws<Stm32BootException>(() => result.WriteTo(scratch.Path, name));
        Assert.StartsWith($"output name '{name}' must be a plain file name", error.Message);
    }

    [Fact]
    public void Stamped_header_fields_sit_at_their_offsets()
    {
        var result = Stamper.Stamp(fixture.ElfPath, TestSettings.Defaults);
        var bytes = result.Image.Read(Map.Header.Base, 64, 0);

        Assert.Equal(result.Header.ImageSize, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(0x14)));
        Assert.Equal(result.Header.ImageCrc32, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(0x18)));
        Assert.Equal(result.Header.HeaderCrc32, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(0x3C)));
        Assert.Equal(ImageCrc.Compute(bytes.AsSpan(0, 0x3C)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(0x3C)));
    }
}
