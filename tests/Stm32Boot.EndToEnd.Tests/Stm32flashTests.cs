using CliWrap.Buffered;
using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// Debian's stm32flash, a peer no one here wrote, against the shipped bootloader on the virtual board's pty (8N1:
/// a pty cannot carry parity). Every command behaves as against ST's ROM bootloader on an L4: probe, write with
/// verify, read back, go; what the bootloader refuses fails with stm32flash's own NACK message.
/// </summary>
[Collection(WallClockCollection.Name)]
public class Stm32flashTests
{
    private const int Baud = 115200;
    private static readonly FirmwareVersion HexVersion = new(2, 1, 0, 0), BinVersion = new(2, 2, 0, 0);

    [Fact]
    public async Task A_plain_probe_finds_an_L4_bootloader()
    {
        using var board = PtyBoard.InUpdateMode(Shipped.FactoryWith(UpdateImages.Old), Baud);

        var probe = await board.Stm32flash();

        AssertSucceeded(probe);
        Assert.Contains("Version      : 0x31", probe.StandardOutput);
        Assert.Contains("Device ID    : 0x0415 (STM32L47xxx/48xxx)", probe.StandardOutput);
        BootloaderRegion.AssertUnchanged(board.Board);
    }

    [Fact]
    public async Task Write_hex_with_verify_read_back_and_go_boot_the_new_version()
    {
        using var scratch = new Scratch();
        var application = Shipped.Application(HexVersion);
        var hex = scratch.File("application.hex");
        IntelHexWriter.WriteFile(hex, new IntelHexFile(application.Image, application.StartAddress));
        var expected = application.ToBinary();
        using var board = PtyBoard.InUpdateMode(Shipped.FactoryWith(UpdateImages.Old), Baud);

        var write = await board.Stm32flash("-w", hex, "-v");
        var readBack = await board.Stm32flash("-r", scratch.File("back.bin"), "-S", $"0x{Shipped.Map.Header.Base:X8}:{expected.Length}");
        var beforeGo = board.Board.Uart.Lines.Count;
        var go = await board.Stm32flash("-g", $"0x{Shipped.Map.Image.Base:X8}");

        AssertSucceeded(write);
        // HEX files are flattened from their lowest address: the header page comes first, then the image.
        Assert.Contains($"Wrote and verified address 0x{Shipped.Map.Header.Base + expected.Length:x8} (100.00%) Done.", write.StandardOutput);
        AssertSucceeded(readBack);
        Assert.Equal(expected, File.ReadAllBytes(scratch.File("back.bin")));
        AssertSucceeded(go);
        Assert.Contains($"Starting execution at address 0x{Shipped.Map.Image.Base:X8}... done.", go.StandardOutput);
        AssertBootsVersion(board.Board, beforeGo, HexVersion);
    }

    [Fact]
    public async Task Write_bin_at_the_header_address_with_verify_and_go_boots_the_new_version()
    {
        using var scratch = new Scratch();
        var bin = scratch.File("application.bin");
        File.WriteAllBytes(bin, Shipped.Application(BinVersion).ToBinary());
        using var board = PtyBoard.InUpdateMode(Shipped.FactoryWith(UpdateImages.Old), Baud);

        var beforeGo = board.Board.Uart.Lines.Count;
        var write = await board.Stm32flash("-w", bin, "-S", $"0x{Shipped.Map.Header.Base:X8}", "-v", "-g", $"0x{Shipped.Map.Image.Base:X8}");

        AssertSucceeded(write);
        Assert.Contains("(100.00%) Done.", write.StandardOutput);
        AssertBootsVersion(board.Board, beforeGo, BinVersion);
    }

    /// <summary>Each refusal, then a probe on the same link: the bootloader answers as before and its pages are unchanged.</summary>
    [Theory]
    [InlineData("bin without -S: aimed at 0x08000000, its erase is refused", "Extended erase failed", "-w", "{bin}")]
    [InlineData("-R: its RAM stub is refused", "Reset failed.", "-R")]
    [InlineData("read from 0x08000000: the bootloader is not readable", "Failed to read memory at address 0x08000000", "-r", "{back}")]
    public async Task Refused_with_stm32flash_own_error_and_the_bootloader_stays_intact_and_usable(string what, string error, params string[] arguments)
    {
        using var scratch = new Scratch();
        var bin = scratch.File("application.bin");
        File.WriteAllBytes(bin, Shipped.Application(BinVersion).ToBinary());
        using var board = PtyBoard.InUpdateMode(Shipped.FactoryWith(UpdateImages.Old), Baud);

        var refused = await board.Stm32flash([.. arguments.Select(a => a.Replace("{bin}", bin).Replace("{back}", scratch.File("back.bin")))]);
        var probe = await board.Stm32flash();

        Assert.True(refused.ExitCode == 1, $"{what}: stm32flash exited {refused.ExitCode}\n{refused.StandardOutput}{refused.StandardError}");
        Assert.Contains(error, refused.StandardOutput + refused.StandardError);
        AssertSucceeded(probe);
        BootloaderRegion.AssertUnchanged(board.Board);
        // Refused before any flash operation: the old application is untouched and still boots.
        Assert.Equal(0, board.Board.Peripherals.Flash.CompletedOperations);
        board.Board.PressResetButton();
        Assert.Equal($"boot: application {UpdateImages.Old} -> 0x{Shipped.Map.Image.Base:X8}", board.Board.NextVerdict());
    }

    private static void AssertSucceeded(BufferedCommandResult result) =>
        Assert.True(result.ExitCode == 0, $"stm32flash exited {result.ExitCode}:\n{result.StandardOutput}{result.StandardError}");

    /// <summary>Go resets the chip; the bootloader's boot check accepts the new image and the application reports its
    /// version. The paced run may have got there before stm32flash exited: the lines are searched from before Go.</summary>
    private static void AssertBootsVersion(Board board, int fromLine, FirmwareVersion version)
    {
        var verdict = board.RunUntilLine("^(boot|stay): ", 3 * Board.Second, fromLine);
        Assert.Equal($"boot: application {version} -> 0x{Shipped.Map.Image.Base:X8}", verdict.Text);
        board.RunUntilLine($"^L475 application {version}$", 100 * Board.Millisecond, fromLine);
    }
}
