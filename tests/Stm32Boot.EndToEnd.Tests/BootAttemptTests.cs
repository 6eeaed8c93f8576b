using Stm32Boot.Uart;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Peripherals;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// The boot-attempt rule (bootloader/core/boot_state.h, setting BootAttempts): an image installed over the UART
/// starts in trial; the bootloader counts its starts and, unless the image confirms (boot_confirm(), as the demo
/// application does once its main loop runs), stays in update mode after BootAttempts of them, saying why. An image
/// a programmer put there (factory.hex) counts as confirmed. Power cuts in the middle of the start mark and of the
/// confirmation.
/// </summary>
public class BootAttemptTests
{
    private static readonly FirmwareVersion New = UpdateImages.New;
    private static readonly uint Attempts = Shipped.Settings.BootAttempts;
    private static readonly string BootsNew = UsbUpdates.BootsVersion(New);
    private static readonly string NotConfirmed = $"stay: application not confirmed after {Attempts} starts";
    private static readonly uint StateBase = Shipped.Map.Header.Base + 0x780;   // boot_state.h: BOOT_STATE_OFFSET
    private static readonly uint FirstStartMark = StateBase + 8, FirstConfirmMark = StateBase + 8 * 8;

    private static UpdateSession Installed(MemoryImage image)
    {
        Assert.True(Attempts > 0, "these tests need BootAttempts > 0 in build/settings.json");
        var session = UpdateSession.Start(Shipped.FactoryWith(UpdateImages.Old), 921600);
        try
        {
            Assert.Empty(session.Flash(image, verify: true, go: true).Mismatches);
            // The host's end of the line back at the console's rate, for the application's console.
            session.Link.Baud = UartFraming.Console.Baud;
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Runs to the next verdict; returns the lines from the banner to it.</summary>
    private static List<string> NextBoot(Board board)
    {
        var from = board.Uart.Lines.Count;
        var verdict = board.RunUntilLine("^(boot|stay): ", 2 * Board.Second, from);
        return board.Uart.Lines.Skip(from).TakeWhile(l => !ReferenceEquals(l, verdict)).Select(l => l.Text).Append(verdict.Text).ToList();
    }

    private static string Trial(uint start) => $"trial: start {start} of {Attempts}, not confirmed yet";

    private static void AssertStarts(List<string> boot, uint start)
    {
        Assert.Equal(BootsNew, boot[^1]);
        Assert.Contains(Trial(start), boot);
    }

    [Fact]
    public void An_image_that_never_confirms_is_started_exactly_BootAttempts_times_then_update_mode_says_why()
    {
        var app = SyntheticApplications.With(New, 1024, SyntheticApplications.SleepForever);
        using var session = Installed(app);
        var board = session.Board;

        for (var start = 1u; start <= Attempts; start++)
        {
            if (start > 1) board.PowerOn();
            AssertStarts(NextBoot(board), start);
            board.RunFor(10 * Board.Millisecond);
            Assert.True(SyntheticApplications.Runs(board, SyntheticApplications.SleepForever), $"start {start}: the application does not run");
        }
        for (var again = 0; again < 2; again++)
        {
            board.PowerOn();
            Assert.Equal(NotConfirmed, NextBoot(board)[^1]);
        }
        // The image itself is as it was installed: only the boot-attempt state at the page's end changed.
        Assert.True(UpdateImages.InspectFlash(board).Accepted);
    }

    [Fact]
    public void The_demo_application_confirms_in_its_first_start_and_keeps_booting()
    {
        using var session = Installed(UpdateImages.Application(New));
        var board = session.Board;
        AssertStarts(NextBoot(board), 1);
        board.RunUntilLine("^confirm: confirmed now$", 200 * Board.Millisecond);

        for (var i = 0; i < Attempts + 2; i++)
        {
            if (i % 2 == 0) board.PowerOn(); else board.PressResetButton();
            var boot = NextBoot(board);
            Assert.Equal(BootsNew, boot[^1]);
            Assert.DoesNotContain(boot, l => l.StartsWith("trial: ", StringComparison.Ordinal));
            board.RunUntilLine("^confirm: already confirmed$", 200 * Board.Millisecond, board.Uart.Lines.Count - 1);
        }
        board.RunFor(10 * Board.Millisecond, () => board.Uart.Pending == "> ");
        Assert.Contains("boot_state confirmed", board.Console("info"));
    }

    [Fact]
    public void An_image_reset_by_its_own_watchdog_before_it_confirms_is_counted_the_same_way()
    {
        var app = SyntheticApplications.With(New, 1024, SyntheticApplications.StartWatchdogAndSleep);
        using var session = Installed(app);
        var board = session.Board;
        var from = board.Uart.Lines.Count;

        var stay = board.RunUntilLine("^stay: ", (Attempts + 1) * Board.Second, from);

        Assert.Equal(NotConfirmed, stay.Text);
        var lines = board.Uart.Lines.Skip(from).Select(l => l.Text).ToList();
        Assert.Equal(Attempts, (uint)lines.Count(l => l == BootsNew));
        Assert.Equal(Attempts, (uint)board.Machine.Resets.Count(r => r.Reason.StartsWith("IWDG", StringComparison.Ordinal)));
        Assert.Equal(Attempts, (uint)lines.Count(l => l == "reset: watchdog"));
        // Update mode is not reset any more: the watchdog started by software stops at a reset (IWDG_SW = 1).
        board.RunFor(Board.Second);
        Assert.Equal(NotConfirmed, board.Uart.Lines[^1].Text);
    }

    [Fact]
    public void An_image_programmed_by_a_programmer_counts_as_confirmed()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        for (var i = 0; i < Attempts + 2; i++)
        {
            if (i == 0) board.PowerOn(); else board.PressResetButton();
            var boot = NextBoot(board);
            Assert.StartsWith("boot: application ", boot[^1]);
            Assert.DoesNotContain(boot, l => l.StartsWith("trial: ", StringComparison.Ordinal));
            board.RunUntilLine("^confirm: already confirmed$", 200 * Board.Millisecond, board.Uart.Lines.Count - 1);
        }
        Assert.All(board.Machine.ReadMemory(StateBase, 0x80), b => Assert.Equal(0xFF, b));
    }

    /// <summary>Cuts the power when the flash starts programming the double word at address, the first time only.</summary>
    private static Func<bool> CutWhenProgramming(Board board, uint address)
    {
        var cut = false;
        board.Peripherals.Flash.OperationStarted += op =>
        {
            if (cut || op.Kind != FlashOperationKind.DoubleWordProgram || op.Address != address) return;
            cut = true;
            board.Machine.RequestPowerCut($"while programming 0x{address:X8}");
        };
        return () => cut;
    }

    [Fact]
    public void A_power_cut_in_the_middle_of_a_start_mark_counts_that_start_and_never_gives_more_than_BootAttempts()
    {
        var app = SyntheticApplications.With(New, 1024, SyntheticApplications.SleepForever);
        using var session = UpdateSession.Start(Shipped.FactoryWith(UpdateImages.Old), 921600);
        var board = session.Board;
        var cut = CutWhenProgramming(board, FirstStartMark);
        Assert.Empty(session.Flash(app, verify: true, go: true).Mismatches);

        // Go resets; the bootloader marks the first start and the power goes in the middle of it.
        board.RunFor(Board.Second, () => cut() && board.Machine.Resets[^1].Kind == ResetKind.PowerOn);
        Assert.True(cut(), "the bootloader never programmed the first start mark");
        var nmis = 0;
        board.Machine.Trace = line => { if (line.Contains("] enter NMI ", StringComparison.Ordinal)) nmis++; };

        // The torn mark reads with an ECC error (the NMI handler returns the raw bits): it counts as a start.
        var starts = 0u;
        for (var boot = NextBoot(board); boot[^1] == BootsNew; boot = NextBoot(board))
        {
            starts++;
            Assert.Contains(Trial(starts + 1), boot);
            board.PowerOn();
        }
        Assert.True(nmis > 0, "the torn start mark was never read");
        Assert.Equal(Attempts - 1, starts);
        Assert.Equal(NotConfirmed, board.Uart.Lines[^1].Text);
    }

    [Fact]
    public void A_power_cut_in_the_middle_of_the_confirmation_is_no_confirmation_and_the_next_start_confirms()
    {
        using var session = UpdateSession.Start(Shipped.FactoryWith(UpdateImages.Old), 921600);
        var board = session.Board;
        var cut = CutWhenProgramming(board, FirstConfirmMark);
        Assert.Empty(session.Flash(UpdateImages.Application(New), verify: true, go: true).Mismatches);

        AssertStarts(NextBoot(board), 1);
        board.RunFor(Board.Second, () => cut() && board.Machine.Resets[^1].Kind == ResetKind.PowerOn);
        Assert.True(cut(), "the demo application never programmed its confirmation");

        AssertStarts(NextBoot(board), 2);
        board.RunUntilLine("^confirm: confirmed now$", 200 * Board.Millisecond, board.Uart.Lines.Count - 1);
        board.PowerOn();
        var boot = NextBoot(board);
        Assert.Equal(BootsNew, boot[^1]);
        Assert.DoesNotContain(boot, l => l.StartsWith("trial: ", StringComparison.Ordinal));
    }
}
