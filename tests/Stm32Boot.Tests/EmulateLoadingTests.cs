using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>What `stm32boot emulate` programs into the virtual board's flash: any file `info` and `flash` read, the
/// same bytes whatever the format, and nothing at all from a file with bytes the flash cannot hold.</summary>
public class EmulateLoadingTests(TinyArmElfFixture fixture) : IClassFixture<TinyArmElfFixture>
{
    [Fact]
    public void An_elf_loads_the_same_flash_bytes_as_its_hex_and_its_bin()
    {
        using var scratch = new ScratchDirectory();
        Stamper.Stamp(fixture.ElfPath, TestSettings.Defaults).WriteTo(scratch.Path, "application");

        byte[] Flash(string file)
        {
            using var board = new Board();
            board.LoadFirmware(scratch.File(file));
            return board.Machine.Flash.ToArray();
        }

        var fromHex = Flash("application.hex");
        var fromElf = Flash("application.elf");
        var fromBin = Flash("application.bin@0x08020000");

        Assert.Contains(fromHex, b => b != 0xFF);
        Assert.Equal(fromHex, fromElf);
        Assert.Equal(fromHex, fromBin);
    }

    [Fact]
    public void A_hex_with_bytes_beyond_flash_is_refused_by_name_and_loads_nothing()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Write("beyond.hex", HexRecord.File(HexRecord.Linear(0x0802), HexRecord.Data(0, 1, 2, 3, 4),
            HexRecord.Linear(0x0810), HexRecord.Data(0, 5, 6), HexRecord.EndOfFile));
        using var board = new Board();

        var refused = Assert.Throws<ArgumentException>(() => board.LoadFirmware(path));

        Assert.StartsWith($"'{path}' has 2 bytes outside the flash 0x08000000–0x080FFFFF, the first at 0x08100000;", refused.Message);
        Assert.All(board.Machine.Flash, b => Assert.Equal(0xFF, b));
    }
}
