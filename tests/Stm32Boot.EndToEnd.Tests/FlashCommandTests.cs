using CliWrap.Buffered;
using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// The `stm32boot flash` command as a user runs it, a process on the virtual board's pty: from the running old
/// application (--enter) to the new one booted, with nobody touching the board.
/// </summary>
[Collection(WallClockCollection.Name)]
public class FlashCommandTests
{
    private const int Baud = 115200;
    private static readonly FirmwareVersion Version = new(3, 0, 0, 7);

    [Fact]
    public async Task Flash_with_enter_verify_and_go_takes_the_running_application_to_the_new_version()
    {
        using var scratch = new Scratch();
        var application = Shipped.Application(Version);
        var hex = scratch.File("application.hex");
        IntelHexWriter.WriteFile(hex, new IntelHexFile(application.Image, application.StartAddress));
        using var board = PtyBoard.PoweredOn(Shipped.FactoryWith(UpdateImages.Old), Baud);
        // The command is for a running application: let it boot first (in virtual time; the pty keeps the banner).
        board.Board.RunUntilLine($"^L475 application {UpdateImages.Old}$", 2 * Board.Second);
        board.Board.RunFor(10 * Board.Millisecond, () => board.Board.Uart.Pending == "> ");
        var from = board.Board.Uart.Lines.Count;

        var flash = await board.Run("dotnet", [Stm32bootDll, "flash", hex, "--settings", Shipped.File("settings.effective.json"),
            "--port", board.Port, "--baud", $"{Baud}", "--parity", "none", "--enter", "update\\r", "--verify", "--go"]);

        AssertSucceeded(flash);
        Assert.Contains("stay: update requested by application", flash.StandardOutput);
        Assert.Contains("all equal", flash.StandardOutput);
        Assert.Contains($"the application at 0x{Shipped.Map.Image.Base:X8}", flash.StandardOutput);
        var verdict = board.Board.RunUntilLine("^boot: ", 3 * Board.Second, from);
        Assert.Equal($"boot: application {Version} -> 0x{Shipped.Map.Image.Base:X8}", verdict.Text);
        board.Board.RunUntilLine($"^L475 application {Version}$", 100 * Board.Millisecond, from);
        BootloaderRegion.AssertUnchanged(board.Board);
    }

    /// <summary>A blank board (the bootloader alone) is in update mode already and has no console to type --enter into:
    /// the command notices (its bootloader answers the sync byte) and flashes.</summary>
    [Fact]
    public async Task Flash_with_enter_on_a_board_already_in_update_mode_notices_it_and_flashes()
    {
        using var scratch = new Scratch();
        var application = Shipped.Application(Version);
        var hex = scratch.File("application.hex");
        IntelHexWriter.WriteFile(hex, new IntelHexFile(application.Image, application.StartAddress));
        using var board = PtyBoard.PoweredOn(IntelHexReader.ReadFile(Shipped.File("bootloader.hex")).Image, Baud);
        board.Board.RunUntilLine("^stay: no application header$", 2 * Board.Second);
        var from = board.Board.Uart.Lines.Count;

        var flash = await board.Run("dotnet", [Stm32bootDll, "flash", hex, "--settings", Shipped.File("settings.effective.json"),
            "--port", board.Port, "--baud", $"{Baud}", "--parity", "none", "--enter", "update\\r", "--go"]);

        AssertSucceeded(flash);
        Assert.Contains("the bootloader answers already (the board is in update mode): --enter not needed", flash.StandardOutput);
        var verdict = board.Board.RunUntilLine("^boot: ", 3 * Board.Second, from);
        Assert.Equal($"boot: application {Version} -> 0x{Shipped.Map.Image.Base:X8}", verdict.Text);
    }

    /// <summary>The CLI the Tools task builds (build.cs: out/dotnet/bin/stm32boot/release/stm32boot.dll).</summary>
    internal static string Stm32bootDll => Shipped.File(Path.Combine("dotnet", "bin", "stm32boot", "release", "stm32boot.dll"));

    private static void AssertSucceeded(BufferedCommandResult result) =>
        Assert.True(result.ExitCode == 0, $"stm32boot flash exited {result.ExitCode}:\n{result.StandardOutput}{result.StandardError}");
}
