using Xunit;

namespace Stm32Boot.Tests;

public class FirmwareFileTests(TinyArmElfFixture fixture) : IClassFixture<TinyArmElfFixture>
{
    [Fact]
    public void Recognises_elf_hex_and_binary_at_an_address()
    {
        using var scratch = new ScratchDirectory();
        var hex = scratch.Write("app.txt", HexRecord.File(HexRecord.Data(0x10, 1, 2), HexRecord.StartLinear(0x11), HexRecord.EndOfFile));
        var bin = scratch.File("app.bin");
        File.WriteAllBytes(bin, [9, 8, 7]);

        var elf = FirmwareFile.Load(fixture.ElfPath);
        var fromHex = FirmwareFile.Load(hex);
        var fromBin = FirmwareFile.Load(bin + "@0x08020000");

        Assert.Equal(FirmwareFormat.Elf, elf.Format);
        Assert.NotNull(elf.Elf);
        Assert.Equal(elf.Elf.EntryPoint, elf.StartAddress);
        Assert.Equal((FirmwareFormat.IntelHex, (uint?)0x11u), (fromHex.Format, fromHex.StartAddress));
        ImageAssert.Equal(ImageAssert.From((0x10, [1, 2])), fromHex.Image);
        Assert.Equal((FirmwareFormat.Binary, bin), (fromBin.Format, fromBin.Path));
        ImageAssert.Equal(ImageAssert.From((0x08020000, [9, 8, 7])), fromBin.Image);
    }

    [Fact]
    public void A_file_whose_name_contains_an_at_sign_is_still_found()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Write("app@0x08000000.hex", HexRecord.File(HexRecord.Data(0, 5), HexRecord.EndOfFile));

        Assert.Equal(FirmwareFormat.IntelHex, FirmwareFile.Load(path).Format);
    }

    [Fact]
    public void Missing_files_are_named()
    {
        Assert.Equal("File 'none.hex' not found.", Assert.Throws<MissingFileException>(() => FirmwareFile.Load("none.hex")).Message);
        Assert.Equal("Binary file 'none.bin' not found.", Assert.Throws<MissingFileException>(() => FirmwareFile.Load("none.bin@0x08020000")).Message);
    }

    [Fact]
    public void A_binary_of_exactly_the_flash_size_is_a_whole_flash_dump_from_the_flash_base_where_the_caller_allows_it()
    {
        using var scratch = new ScratchDirectory();
        var flash = TestSettings.Defaults.MemoryMap.Flash;
        var bytes = Enumerable.Repeat((byte)0xFF, (int)flash.Size).ToArray();
        bytes[0] = 0x12;
        bytes[^1] = 0x34;
        var dump = scratch.File("flash.bin");
        File.WriteAllBytes(dump, bytes);
        var shorter = scratch.File("short.bin");
        File.WriteAllBytes(shorter, bytes[..^8]);

        var loaded = FirmwareFile.Load(dump, flash);

        Assert.Equal(FirmwareFormat.Binary, loaded.Format);
        Assert.Equal((flash.Base, flash.End), (loaded.Image.LowestAddress, loaded.Image.EndAddress));
        Assert.Equal([0x12], loaded.Image.Read(flash.Base, 1, 0));
        Assert.Equal([0x34], loaded.Image.Read(flash.Last, 1, 0));
        // Any other size, or a caller that passes no flash, still needs FILE@ADDRESS.
        Assert.Contains("say where it starts", Assert.Throws<Stm32BootException>(() => FirmwareFile.Load(shorter, flash)).Message);
        Assert.Contains("say where it starts", Assert.Throws<Stm32BootException>(() => FirmwareFile.Load(dump)).Message);
    }
}
