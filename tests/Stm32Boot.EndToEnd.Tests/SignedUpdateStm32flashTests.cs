using Stm32Boot.VirtualBoard;
using Xunit;
using static Stm32Boot.EndToEnd.Tests.SignedUpdates;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// The secure-boot refusals with Debian's stm32flash on the board's pty (see <see cref="SignedUpdateTests"/> for the
/// other paths), and anti-rollback on every path: a confirmed counter-3 image raises the board's minimum, and a
/// counter-2 image is then refused by `stm32boot flash`, from a drive and by stm32flash. Alone, as every wall-clock
/// paced test (<see cref="WallClockCollection"/>).
/// </summary>
[Collection(WallClockCollection.Name)]
public class SignedUpdateStm32flashTests
{
    public static TheoryData<SignedImages.Refusal> Refusals => SignedUpdates.Refusals;

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Stm32flash_is_refused_with_the_reason_and_a_good_update_then_goes_through(SignedImages.Refusal refusal)
    {
        using var scratch = new Scratch();
        using var board = PtyBoard.InUpdateMode(OldFactory(), PtyBaud);
        var image = SignedImages.Refused(refusal, New);

        await AssertStm32flashRefusal(board, scratch, refusal, SignedImages.Reason(refusal), BootsOld, image);

        EnterUpdateModeIfBooted(board.Board);
        var from = board.Board.Uart.Lines.Count;
        var good = await board.Stm32flash("-w", Hex(scratch, "good.hex", SignedImages.Good(New)), "-g", $"0x{ImageBase:X8}");
        Assert.True(good.ExitCode == 0, $"stm32flash exited {good.ExitCode}:\n{good.StandardOutput}{good.StandardError}");
        AssertBootsWithoutRefusal(board.Board, from, BootsNew);
    }

    /// <summary>The `stm32boot flash` command itself, a process on the pty: it sends the header page first, so an
    /// unsigned image is refused at the first image block; it exits 1 with the NACK's explanation, and the reset shows
    /// the reason and the old application.</summary>
    [Fact]
    public async Task The_flash_command_fails_on_the_refusal_and_the_old_application_still_boots()
    {
        using var scratch = new Scratch();
        using var board = PtyBoard.InUpdateMode(OldFactory(), PtyBaud);
        var before = UpdateImages.InFlash(board.Board);
        var hex = Hex(scratch, "unsigned.hex", SignedImages.Refused(SignedImages.Refusal.Unsigned, New));

        var flash = await board.Run("dotnet", [FlashCommandTests.Stm32bootDll, "flash", hex, "--settings", Shipped.File("settings.effective.json"),
            "--port", board.Port, "--baud", $"{PtyBaud}", "--parity", "none", "--verify", "--go"]);

        Assert.True(flash.ExitCode == 1, $"stm32boot flash exited {flash.ExitCode}, expected 1:\n{flash.StandardOutput}{flash.StandardError}");
        Assert.Contains($"Write Memory (0x31): the bootloader answered NACK (0x1F) to the 256-byte block for 0x{ImageBase:X8}", flash.StandardError);
        Assert.Contains("its next banner names the reason", flash.StandardError);
        AssertFlashUnchanged(board.Board, before);
        AssertNextBoot(board.Board, SignedImages.Reason(SignedImages.Refusal.Unsigned), BootsOld);
    }

    /// <summary>
    /// Anti-rollback: a counter-3 image installed over UART boots and confirms itself (the demo application does); the
    /// boot after that raises the board's minimum to 3, so a counter-2 image, signed by the trusted key and newer by its
    /// version, is refused by `stm32boot flash`, from a drive and by stm32flash, each time before the installed image
    /// is touched; and a counter-3 update still goes through. One board for all: the minimum lives in the chip's OTP.
    /// </summary>
    [Fact]
    public async Task A_lower_security_counter_is_refused_on_every_path_once_a_higher_one_was_confirmed()
    {
        const uint Minimum = 3;
        var reason = SignedImages.Reason(SignedImages.Refusal.LowerCounter, Minimum);
        var lower = SignedImages.Refused(SignedImages.Refusal.LowerCounter, Newer, Minimum);
        using var session = UpdateSession.Start(OldFactory(), Baud);
        var board = session.Board;

        Assert.Empty(session.Flash(SignedImages.Good(New, Minimum), verify: true, go: true).Mismatches);
        Assert.Equal(BootsNew, board.NextVerdict());
        board.RunUntilLine("^confirm: confirmed now$", Board.Second);
        board.PressResetButton();
        Assert.Equal(BootsNew, board.NextVerdict());

        // stm32boot flash.
        EnterUpdateModeIfBooted(board);
        AssertUartRefusal(board, SignedImages.Refusal.LowerCounter, reason, BootsNew, () => session.Flash(lower, verify: true, go: true), lower);

        // A drive.
        using var drives = new UsbDrives();
        EnterUpdateModeIfBooted(board);
        AssertUsbRefusal(board, drives, lower, reason, New);

        // stm32flash.
        using var scratch = new Scratch();
        EnterUpdateModeIfBooted(board);
        using (var pty = PtyBoard.Attach(board, PtyBaud))
            await AssertStm32flashRefusal(pty, scratch, SignedImages.Refusal.LowerCounter, reason, BootsNew, lower);

        // The minimum itself is no obstacle: a counter-3 update goes through.
        EnterUpdateModeIfBooted(board);
        session.Link.Baud = Baud;
        var from = board.Uart.Lines.Count;
        Assert.Empty(session.Flash(SignedImages.Good(Newer, Minimum), verify: true, go: true).Mismatches);
        AssertBootsWithoutRefusal(board, from, UsbUpdates.BootsVersion(Newer));
    }
}
