using Xunit;

namespace Stm32Boot.Tests;

public class ElfImageTests(TinyArmElfFixture fixture) : IClassFixture<TinyArmElfFixture>
{
    [Fact]
    public void Loads_segments_by_physical_address_so_data_initialisers_sit_in_flash()
    {
        var elf = ElfImage.Load(fixture.ElfPath);

        Assert.True(elf.TryGetSymbol("_sidata", out var dataLoadAddress));
        Assert.True(elf.TryGetSymbol("counter", out var counterAddress));
        Assert.Equal(0x20000000u, counterAddress);                 // runs from SRAM1 ...
        Assert.InRange(dataLoadAddress, 0x08020800u, 0x080FFFFFu);  // ... but is stored in the image
        Assert.Equal([0x78, 0x56, 0x34, 0x12], elf.Memory.Read(dataLoadAddress, 4, 0));
        Assert.True(elf.Memory.Slice(0x20000000, 0x20018000).IsEmpty);
    }

    [Fact]
    public void Finds_sections_symbols_and_the_entry_point()
    {
        var elf = ElfImage.Load(fixture.ElfPath);

        var header = elf.FindSection(".image_header");
        Assert.NotNull(header);
        Assert.Equal(0x08020000u, header.Address);
        Assert.Equal(64u, header.Size);
        Assert.True(header.HasFileBytes);
        Assert.False(elf.FindSection(".bss")?.HasFileBytes ?? false);
        Assert.Null(elf.FindSection(".no_such_section"));
        Assert.True(elf.TryGetSymbol("Reset_Handler", out var reset));
        Assert.Equal(reset | 1, elf.EntryPoint);
        Assert.False(elf.TryGetSymbol("no_such_symbol", out _));
        // The header bytes in the image are the section's bytes in the file.
        var fileBytes = File.ReadAllBytes(fixture.ElfPath).AsSpan((int)header.FileOffset, 64).ToArray();
        Assert.Equal(fileBytes, elf.Memory.Read(0x08020000, 64, 0));
    }

    [Fact]
    public void Missing_file_is_named()
    {
        var error = Assert.Throws<MissingFileException>(() => ElfImage.Load("nowhere/app.elf"));
        Assert.Equal("ELF file 'nowhere/app.elf' not found.", error.Message);
    }

    [Fact]
    public void Non_elf_is_refused()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Write("app.elf", HexRecord.File(HexRecord.EndOfFile));

        var error = Assert.Throws<Stm32BootException>(() => ElfImage.Load(path));
        Assert.Equal($"'{path}' is not an ELF file (it does not start with 7F 'E' 'L' 'F').", error.Message);
    }

    [Fact]
    public async Task A_64_bit_elf_is_refused()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("host.o");
        await ExternalTool.RunChecked("cc", ["-c", "-x", "c", "-o", path, "-"], standardInput: "int x;"u8.ToArray());

        var error = Assert.Throws<Stm32BootException>(() => ElfImage.Load(path));
        Assert.Contains("is a 64-bit ELF; the STM32L475 needs a 32-bit ARM ELF", error.Message);
    }

    [Fact]
    public async Task A_32_bit_elf_for_another_machine_is_refused()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("i386.o");
        // objcopy can re-target an object file without a cross compiler for that machine.
        await ExternalTool.RunChecked("cc", ["-c", "-x", "c", "-o", scratch.File("host.o"), "-"], standardInput: "int x;"u8.ToArray());
        await ExternalTool.RunChecked("objcopy", ["-O", "elf32-i386", scratch.File("host.o"), path]);

        var error = Assert.Throws<Stm32BootException>(() => ElfImage.Load(path));
        Assert.Equal($"'{path}' is an ELF for Intel386, not ARM; build it with arm-none-eabi-gcc.", error.Message);
    }

    [Fact]
    public void A_truncated_elf_is_refused_with_the_file_name()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("cut.elf");
        File.WriteAllBytes(path, File.ReadAllBytes(fixture.ElfPath)[..60]);

        var error = Assert.Throws<Stm32BootException>(() => ElfImage.Load(path));
        Assert.StartsWith($"'{path}' is not a readable ELF file: ", error.Message);
    }
}
