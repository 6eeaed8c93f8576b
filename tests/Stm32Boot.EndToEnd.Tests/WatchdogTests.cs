using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// The watchdog contract (platform/include/iwdg.h) with the IWDG running from every reset, as the option byte
/// IWDG_SW = 0 makes it: the bootloader refreshes it from its main thread only (never from SysTick, which keeps
/// interrupting a hung loop), at the progress points of operations longer than the 512 ms period, and right before
/// the jump, so the application gets a whole period; the demo application refreshes it from its main loop.
/// </summary>
public class WatchdogTests
{
    private static readonly FirmwareVersion Old = UpdateImages.Old, New = UpdateImages.New;

    private static void AssertOnlyFromThreadMode(HardwareWatchdog watchdog)
    {
        Assert.NotEmpty(watchdog.Refreshes);
        var fromHandlers = watchdog.Refreshes.Where(r => r.Exception != 0).ToList();
        Assert.True(fromHandlers.Count == 0, $"{fromHandlers.Count} of {watchdog.Refreshes.Count} refreshes came from exception handlers " +
            $"(e.g. exception {fromHandlers.FirstOrDefault().Exception} at {fromHandlers.FirstOrDefault().AtPs / 1e9:F1} ms): a hung main loop would never be caught");
    }

    /// <summary>No two refreshes (or the reset and the first refresh) further apart than the period allows.</summary>
    private static void AssertNoWatchdogReset(Board board, HardwareWatchdog watchdog) =>
        Assert.True(!watchdog.Resets.Any(), $"the watchdog reset the board: {string.Join(", ", watchdog.Resets.Select(r => $"{r.AtPs / 1e9:F1} ms"))}. USART1:\n{board.Uart}");

    [Fact]
    public void Update_mode_refreshes_from_its_main_loop_only_and_is_never_reset_while_it_waits()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        var watchdog = new HardwareWatchdog(board);
        board.PressButton();
        Assert.Equal(UpdateSession.ButtonHeld, board.PowerOnAndReadVerdict());
        board.ReleaseButton();

        board.RunFor(3 * Board.Second);

        AssertNoWatchdogReset(board, watchdog);
        AssertOnlyFromThreadMode(watchdog);
    }

    [Fact]
    public void The_boot_path_refreshes_through_the_double_reset_window_and_the_check_of_the_largest_image_then_the_application_keeps_it()
    {
        // The largest image the region holds: the longest image check.
        using var board = VirtualBoards.With(SyntheticApplications.Factory(UpdateImages.Padded(Shipped.Settings.Version, Shipped.Map.Image.Size)));
        var watchdog = new HardwareWatchdog(board);
        board.PowerOn();
        board.RunUntilLine("^L475 application ", Board.Second);
        // The reset button opens the double-reset window: the bootloader waits 500 ms, near the 512 ms period.
        board.PressResetButton();
        var application = board.RunUntilLine("^L475 application ", 2 * Board.Second, board.Uart.Lines.Count);
        board.RunFor(3 * Board.Second);

        AssertNoWatchdogReset(board, watchdog);
        AssertOnlyFromThreadMode(watchdog);
        Assert.Contains(watchdog.Refreshes, r => r.AtPs > application.EndPs);
    }

    [Fact]
    public void An_application_that_never_refreshes_gets_a_whole_period_from_its_reset_handler()
    {
        var app = SyntheticApplications.With(New, 1024, SyntheticApplications.SleepForever);
        using var board = VirtualBoards.With(SyntheticApplications.Factory(app));
        var watchdog = new HardwareWatchdog(board);
        var resetHandler = Shipped.Map.Image.Base + SyntheticApplications.ResetHandlerOffset;
        board.PowerOn();
        // After the reset button the bootloader spends most of a period in the double-reset window.
        board.RunUntilLine("^boot: ", Board.Second);
        board.PressResetButton();
        var entered = board.RunUntilAddress(resetHandler, 2 * Board.Second).AtPs;

        board.RunFor(2 * watchdog.PeriodPs, () => watchdog.Resets.Any());
        var reset = Assert.Single(watchdog.Resets);
        Assert.InRange(reset.AtPs - entered, watchdog.PeriodPs - Board.Millisecond, watchdog.PeriodPs);
    }

    [Fact]
    public void A_USB_update_from_a_drive_that_NAKs_for_two_seconds_completes_without_a_watchdog_reset()
    {
        using var drives = new UsbDrives();
        var disk = drives.WithFirmware(UpdateImages.Application(New), fatBits: 16);
        using var board = VirtualBoards.With(Shipped.FactoryWith(Old));
        var watchdog = new HardwareWatchdog(board);
        var drive = board.AttachUsbDrive(disk.Path);
        board.PressButton();
        Assert.Equal(UpdateSession.ButtonHeld, board.PowerOnAndReadVerdict());
        board.ReleaseButton();

        // Once programming runs, the drive stalls every bulk transaction for 2 s: inside one transfer, well within
        // its 5 s timeout, four watchdog periods long.
        board.RunUntilLine($"^usb: programming {New}$", UsbUpdates.OutcomeTimeoutPs);
        drive.NakFor(2 * Board.Second);
        Assert.Equal($"usb: updated to {New}", board.NextUsbOutcome().Text);
        // Then a second of LED2 before the reset into the new application.
        Assert.Equal(UsbUpdates.BootsVersion(New), board.VerdictAfterUpdate());

        AssertNoWatchdogReset(board, watchdog);
        AssertOnlyFromThreadMode(watchdog);
    }

    [Fact]
    public void The_watchdog_really_runs_from_reset_with_IWDG_SW_0()
    {
        // The premise of every test here: nothing in the firmware starts the IWDG, the option byte does.
        var app = SyntheticApplications.With(New, 1024, SyntheticApplications.SleepForever);
        using var board = VirtualBoards.With(SyntheticApplications.Factory(app));
        var watchdog = new HardwareWatchdog(board);
        board.PowerOn();
        Assert.True(board.Peripherals.Iwdg.Running);
        board.RunFor(3 * watchdog.PeriodPs);
        Assert.NotEmpty(watchdog.Resets);
    }

    [Fact]
    public void The_demo_application_on_a_hardware_watchdog_board_runs_60_s_without_a_reset()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        var watchdog = new HardwareWatchdog(board);
        board.PowerOn();
        board.RunUntilLine("^L475 application ", Board.Second);
        board.RunFor(60 * Board.Second);

        Assert.Single(board.Machine.Resets); // the power-on, nothing after it
        AssertNoWatchdogReset(board, watchdog);
        Assert.True(board.Peripherals.Iwdg.Running);
    }

    [Fact]
    public void The_demo_application_refreshes_from_its_main_loop()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        var watchdog = new HardwareWatchdog(board);
        board.PowerOn();
        var application = board.RunUntilLine("^L475 application ", Board.Second);
        board.RunFor(5 * Board.Second);

        AssertNoWatchdogReset(board, watchdog);
        AssertOnlyFromThreadMode(watchdog);
        Assert.Contains(watchdog.Refreshes, r => r.AtPs > application.EndPs + 4 * Board.Second);
    }
}
