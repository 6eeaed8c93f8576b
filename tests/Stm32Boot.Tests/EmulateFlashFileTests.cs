using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Peripherals;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>`stm32boot emulate --flash FILE`: the board's flash (main array, OTP area, option bytes) saved when a run ends
/// and loaded by the next, so the second run continues where the first stopped.</summary>
public class EmulateFlashFileTests
{
    /// <summary>A firmware that only spins: the initial SP, a reset vector to a `b .` (0xE7FE) at 0x08000008.</summary>
    private static string Spinner(ScratchDirectory scratch) =>
        scratch.Write("spin.hex", HexRecord.File(HexRecord.Linear(0x0800),
            HexRecord.Data(0, 0x00, 0x80, 0x01, 0x20, 0x09, 0x00, 0x00, 0x08, 0xFE, 0xE7), HexRecord.EndOfFile));

    private static async Task<(int ExitCode, string Out, string Error)> Stm32Boot(params string[] arguments)
    {
        var result = await ExternalTool.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "stm32boot.dll"), .. arguments], Repository.Root);
        return (result.ExitCode, result.StandardOutput, result.StandardError);
    }

    [Fact]
    public void Save_then_load_gives_a_new_board_the_same_flash_otp_and_option_bytes()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("board.bin");
        byte[] flash, otp;
        var options = OptionBytes.Factory with { Optr = OptionBytes.Factory.Optr & ~OptionBytes.IWDG_SW, Wrp1ar = 0xFF3F_0000 };
        using (var first = new Board())
        {
            first.LoadFirmware(Spinner(scratch));
            first.Machine.LoadFlash(0x080E0800, [1, 2, 3, 4, 5, 6, 7, 8]);
            first.ProgramOtp(0x1FFF7010, [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
            first.OptionBytes = options;
            BoardFlashFile.Save(first, path);
            (flash, otp) = (first.Machine.Flash.ToArray(), first.Otp);
        }

        using var second = new Board();
        Assert.True(BoardFlashFile.Load(second, path));

        Assert.Equal(flash, second.Machine.Flash);
        Assert.Equal(otp, second.Otp);
        Assert.Equal(options, second.OptionBytes);
        Assert.Equal(options, second.Peripherals.Flash.LoadedOptions);
        Assert.Equal((int)Machine.FlashSize, new FileInfo(path).Length);
        Assert.Equal("FLASH_OPTR 0xFFEEF8AA", File.ReadAllLines(BoardFlashFile.OptionBytesPath(path))[0]);
    }

    [Fact]
    public void A_missing_file_loads_nothing_and_a_file_of_another_size_is_refused_before_anything_is_loaded()
    {
        using var scratch = new ScratchDirectory();
        using var board = new Board();

        Assert.False(BoardFlashFile.Load(board, scratch.File("none.bin")));
        var small = scratch.File("small.bin");
        File.WriteAllBytes(small, new byte[0x1000]);
        var refused = Assert.Throws<ArgumentException>(() => BoardFlashFile.Load(board, small));

        Assert.StartsWith($"{small} holds 4096 bytes, not the flash's 1048576", refused.Message);
        Assert.All(board.Machine.Flash, b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public async Task A_second_emulate_with_the_same_flash_file_starts_from_what_the_first_left()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("board.bin");

        var first = await Stm32Boot("emulate", Spinner(scratch), "--flash", path, "--max-time", "0.001");

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Contains($"flash saved to {path}", first.Error);
        var saved = File.ReadAllBytes(path);
        Assert.Equal([0x00, 0x80, 0x01, 0x20, 0x09, 0x00, 0x00, 0x08, 0xFE, 0xE7], saved[..10]);
        Assert.All(saved[10..], b => Assert.Equal(0xFF, b));

        // What a firmware might have written meanwhile (a byte in bank 2), and an option byte changed in the file.
        saved[0x80000] = 0x5A;
        File.WriteAllBytes(path, saved);
        var options = File.ReadAllLines(BoardFlashFile.OptionBytesPath(path));
        options[3] = "FLASH_WRP1AR 0xFF3F0000";
        File.WriteAllLines(BoardFlashFile.OptionBytesPath(path), options);

        var second = await Stm32Boot("emulate", "--flash", path, "--max-time", "0.001", "--print-option-bytes");

        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Contains($"virtual B-L475E-IOT01A: flash from {path} loaded", second.Error);
        Assert.Contains("FLASH_WRP1AR    0xFF3F0000", second.Error);
        Assert.Equal(saved, File.ReadAllBytes(path));
        Assert.Contains("FLASH_WRP1AR 0xFF3F0000", File.ReadAllLines(BoardFlashFile.OptionBytesPath(path)));
    }

    [Fact]
    public async Task Without_a_firmware_file_the_flash_file_must_exist()
    {
        using var scratch = new ScratchDirectory();

        var result = await Stm32Boot("emulate", "--flash", scratch.File("new.bin"), "--max-time", "0.001");
        var neither = await Stm32Boot("emulate", "--max-time", "0.001");

        // A file the command line names that is not there: a usage error (ExitCode.Usage).
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"stm32boot: error: --flash {scratch.File("new.bin")}: no such file yet. Give a FILE to start from", result.Error);
        Assert.NotEqual(0, neither.ExitCode);
        Assert.Contains("Give the FILE to run, or --flash FLASH.bin of an earlier run", neither.Out + neither.Error);
    }
}
