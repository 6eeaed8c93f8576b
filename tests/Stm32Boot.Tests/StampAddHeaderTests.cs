using Xunit;

namespace Stm32Boot.Tests;

/// <summary>
/// `stamp --add-header`: an application that links nothing into the header page (an STM32CubeMX project whose FLASH
/// region was only moved to the image base, docs/your-application.md) gets the whole header written by the stamp. It
/// must come out byte for byte as the same application with image_header.c linked in, stamped the usual way.
/// </summary>
public class StampAddHeaderTests
{
    private static BuildSettings Settings => TestSettings.Defaults;
    private static MemoryMap Map => Settings.MemoryMap;

    private static Task<string> HeaderlessElf(ScratchDirectory scratch) =>
        new TinyArmElf { WithHeaderSection = false }.Build(scratch, Settings);

    [Fact]
    public async Task Writes_the_header_the_linked_in_one_would_have_and_info_accepts_the_outputs()
    {
        using var withHeader = new ScratchDirectory();
        using var without = new ScratchDirectory();
        var linked = Stamper.Stamp(await new TinyArmElf().Build(withHeader, Settings), Settings);

        var headerless = await HeaderlessElf(without);
        // GNU ld loads the ELF's own file header into the header page, below the vector table; the stamp drops it.
        Assert.False(ElfImage.Load(headerless).Memory.Slice(Map.Header).IsEmpty, "the test needs ld's headers in the header page");

        var added = Stamper.StampAddingHeader(headerless, Settings);
        var written = added.WriteTo(without.Path, "app");

        ImageAssert.Equal(linked.Image, added.Image);
        Assert.Equal(Settings.Version, added.Header.FwVersion);
        Assert.Equal(Settings.BoardId, added.Header.BoardId);
        Assert.Equal(Map.Image.Base, added.Header.ImageAddr);
        // Nothing in the ELF could hold the header: the stamp writes HEX and BIN only.
        Assert.Equal([without.File("app.hex"), without.File("app.bin")], written);
        foreach (var output in new[] { "app.hex", "app.bin@0x08020000" })
        {
            var inspection = ImageInspector.Inspect(FirmwareFile.Load(without.File(output)).Image, Map, Settings.BoardId);
            Assert.True(inspection.Accepted, $"{output}: " + string.Join("; ", inspection.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}")));
        }
    }

    [Fact]
    public async Task Takes_a_version_and_signs_into_the_header_page()
    {
        using var scratch = new ScratchDirectory();
        using var key = SigningKey.Generate();

        var result = Stamper.StampAddingHeader(await HeaderlessElf(scratch), Settings, new FirmwareVersion(2, 0, 0, 7), new ImageSigning(key, 4));

        Assert.Equal(new FirmwareVersion(2, 0, 0, 7), result.Header.FwVersion);
        Assert.Equal(SignatureBlock.SignedFlag, result.Header.Flags & SignatureBlock.SignedFlag);
        Assert.Equal(SignatureStatus.Ok, ImageSignature.Inspect(result.Image, Map, result.Header, key).Status);
    }

    [Fact]
    public async Task A_raw_binary_is_read_from_the_image_base()
    {
        using var scratch = new ScratchDirectory();
        var elf = await HeaderlessElf(scratch);
        await ExternalTool.RunChecked("arm-none-eabi-objcopy", ["-O", "binary", elf, scratch.File("app.bin")]);

        var fromBin = Stamper.StampAddingHeader(scratch.File("app.bin"), Settings);

        ImageAssert.Equal(Stamper.StampAddingHeader(elf, Settings).Image, fromBin.Image);
    }

    [Fact]
    public async Task Refuses_an_application_that_has_its_own_header()
    {
        using var scratch = new ScratchDirectory();
        var elf = await new TinyArmElf().Build(scratch, Settings);

        var error = Assert.Throws<Stm32BootException>(() => Stamper.StampAddingHeader(elf, Settings));
        Assert.Equal($"'{elf}' already has 64 bytes in the header page {Map.Header}, the first at 0x08020000; --add-header is for an " +
                     "application with nothing there: stamp one that links its own header (section .image_header) without --add-header.", error.Message);
    }

    [Fact]
    public void Refuses_an_application_still_linked_at_the_flash_base()
    {
        using var scratch = new ScratchDirectory();
        var bin = scratch.Write("app.bin", "");
        File.WriteAllBytes(bin, [0x00, 0x80, 0x01, 0x20, 0x01, 0x00, 0x00, 0x08]);

        var error = Assert.Throws<Stm32BootException>(() => Stamper.StampAddingHeader(bin + "@0x08000000", Settings));
        Assert.Equal($"'{bin}@0x08000000' starts at 0x08000000, but the image must start at 0x08020800 with its vector table: link the " +
                     "application's FLASH region at ORIGIN = 0x08020800 (docs/your-application.md).", error.Message);
    }

    [Fact]
    public async Task The_plain_stamp_of_a_headerless_application_points_at_add_header()
    {
        using var scratch = new ScratchDirectory();
        var elf = await HeaderlessElf(scratch);

        var error = Assert.Throws<Stm32BootException>(() => Stamper.Stamp(elf, Settings));
        Assert.EndsWith("or be stamped with --add-header, which writes the whole header.", error.Message);
    }
}
