using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// The reset cause (RM0351 §6.4.30, RCC_CSR): every banner names it on its own line, the bootloader clears the flags
/// and hands RCC_CSR as it read it to the application in RTC_BKP2R, and a cold boot or a software reset boots at once
/// (only the NRST pin opens the double-reset window).
/// </summary>
public class ResetCauseTests
{
    private const uint RCC_CSR = 0x4002_1094, ResetFlags = 0xFF00_0000;
    private static readonly string Boots = VirtualBoards.BootsShipped;

    /// <summary>The line after the last banner: the reset cause.</summary>
    private static string CauseLine(Board board)
    {
        var banner = board.Uart.Lines.Select((l, i) => (l, i)).Last(x => System.Text.RegularExpressions.Regex.IsMatch(x.l.Text, VirtualBoards.Banner)).i;
        return board.Uart.Lines[banner + 1].Text;
    }


    [Fact]
    public void Power_on_pin_and_software_resets_are_named_right_after_the_banner()
    {
        using var board = VirtualBoards.ShippedAtPrompt();
        Assert.Equal("reset: power-on/brown-out", CauseLine(board));

        board.PressResetButton();
        Assert.Equal(Boots, board.NextVerdict());
        Assert.Equal("reset: pin", CauseLine(board));

        board.RunUntilLine(@"^L475 application ", 100 * Board.Millisecond);
        board.RunFor(10 * Board.Millisecond, () => board.Uart.Pending == "> ");
        board.SendToUart("update\r");
        Assert.Equal("stay: update requested by application", board.NextVerdict());
        Assert.Equal("reset: software", CauseLine(board));
    }

    [Fact]
    public void A_watchdog_reset_is_named_and_boots_at_once()
    {
        // An application that starts the IWDG and never refreshes it, programmed as a programmer would.
        var app = SyntheticApplications.With(UpdateImages.New, 1024, SyntheticApplications.StartWatchdogAndSleep);
        using var board = VirtualBoards.With(SyntheticApplications.Factory(app));
        board.PowerOn();
        board.RunUntilLine("^boot: ", 100 * Board.Millisecond);

        board.RunFor(2 * Board.Second, () => board.Machine.Resets.Count > 1);
        var reset = board.Machine.Resets[^1];
        Assert.StartsWith("IWDG", reset.Reason);
        var verdict = board.RunUntilLine("^boot: ", 100 * Board.Millisecond, board.Uart.Lines.Count);
        Assert.Equal("reset: watchdog", CauseLine(board));
        Assert.True(verdict.EndPs - reset.AtPs < 15 * Board.Millisecond, "a watchdog reset must not wait for the double-reset window");
    }

    [Fact]
    public void The_application_gets_RCC_CSR_as_the_bootloader_read_it_and_finds_the_flags_cleared()
    {
        using var board = VirtualBoards.ShippedAtPrompt();
        // MSISRANGE = 6 (4 MHz) with PINRSTF and BORRSTF: a power-on (RM0351 §6.4.30).
        Assert.Contains("reset_cause 0x0C000600 power-on/brown-out", board.Console("info"));
        Assert.Equal(0u, board.Read(RCC_CSR) & ResetFlags);
        Assert.Equal(0x0C00_0600u, board.Read(0x4000_2800 + 0x50 + 4 * 2)); // RTC_BKP2R

        board.PressResetButton();
        board.RunUntilLine(@"^L475 application ", Board.Second, board.Uart.Lines.Count);
        board.RunFor(10 * Board.Millisecond, () => board.Uart.Pending == "> ");
        Assert.Contains("reset_cause 0x04000600 pin", board.Console("info"));
        Assert.Equal(0u, board.Read(RCC_CSR) & ResetFlags);
    }
}
