using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>Every way into update mode of docs/design.md §5, on the shipped factory image.</summary>
public class UpdateEntryTests
{
    private static readonly string Boots = VirtualBoards.BootsShipped;
    private static ulong Window => Shipped.Settings.DoubleResetWindowMs * Board.Millisecond;


    [Fact]
    public void Update_command_lands_in_the_bootloader_once_and_the_next_reset_boots_the_application()
    {
        using var board = VirtualBoards.ShippedAtPrompt();

        board.SendToUart("update\r");
        board.RunUntilLine(@"^entering bootloader \(backup-register request\)$", Board.Second);
        Assert.Equal("stay: update requested by application", board.NextVerdict());

        // The request was read and cleared: the next reset (past the double-reset window) boots again.
        board.RunFor(Window + 100 * Board.Millisecond);
        board.PressResetButton();
        Assert.Equal(Boots, board.NextVerdict());
    }

    [Fact]
    public void Erase_header_lands_in_the_bootloader_and_stays_there_across_resets()
    {
        using var board = VirtualBoards.ShippedAtPrompt();

        board.SendToUart("erase-header\r");
        Assert.Equal("stay: no application header", board.NextVerdict());
        for (var i = 0; i < 2; i++)
        {
            board.RunFor(Window + 100 * Board.Millisecond);
            board.PressResetButton();
            Assert.Equal("stay: no application header", board.NextVerdict());
        }
        Assert.All(Enumerable.Range(0, (int)Shipped.Map.Header.Size / 4),
            i => Assert.Equal(0xFFFF_FFFFu, board.Read(Shipped.Map.Header.Base + 4u * (uint)i)));
    }

    [Fact]
    public void Button_held_at_reset_keeps_the_bootloader_and_releasing_it_boots_again()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        board.PressButton();
        Assert.Equal("stay: button held", board.PowerOnAndReadVerdict());

        board.ReleaseButton();
        board.RunFor(Window + 100 * Board.Millisecond);
        board.PressResetButton();
        Assert.Equal(Boots, board.NextVerdict());
    }

    /// <summary>The board after a press of the reset button (NRST), the only reset that opens the window.</summary>
    private static Board AfterResetButton(out UartLine banner)
    {
        Assert.True(Window > 0, "these tests need DoubleResetWindowMs > 0 in build/settings.json");
        var board = VirtualBoards.ShippedAtPrompt();
        var from = board.Uart.Lines.Count;
        board.PressResetButton();
        banner = board.RunUntilLine(VirtualBoards.Banner, 100 * Board.Millisecond, from);
        return board;
    }

    [Fact]
    public void A_second_reset_inside_the_window_keeps_the_bootloader()
    {
        using var board = AfterResetButton(out _);

        board.RunFor(Window / 2);
        board.PressResetButton();
        Assert.Equal("stay: double reset", board.NextVerdict());

        // The marker was consumed: a later single reset boots.
        board.RunFor(Window + 100 * Board.Millisecond);
        board.PressResetButton();
        Assert.Equal(Boots, board.NextVerdict());
    }

    [Fact]
    public void A_second_reset_after_the_window_boots_the_application()
    {
        using var board = AfterResetButton(out var banner);

        board.RunFor(banner.EndPs + Window + 50 * Board.Millisecond - board.NowPs);
        board.PressResetButton();
        Assert.Equal(Boots, board.NextVerdict());
    }

    [Fact]
    public void After_the_reset_button_the_boot_waits_out_the_double_reset_window_and_no_longer()
    {
        using var board = VirtualBoards.ShippedAtPrompt();
        board.PressResetButton();
        var reset = board.Machine.Resets[^1].AtPs;
        var verdict = board.RunUntilLine("^boot: ", 2 * Board.Second, board.Uart.Lines.Count);
        Assert.InRange(verdict.StartPs - reset, Window, Window + 50 * Board.Millisecond);
    }

    [Fact]
    public void A_cold_boot_does_not_wait_and_opens_no_window()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        board.PowerOn();
        var verdict = board.RunUntilLine("^boot: ", 2 * Board.Second);
        Assert.InRange(verdict.EndPs, 0ul, 15 * Board.Millisecond);

        // A press right after a power-on is a first press, not a second one.
        board.RunFor(5 * Board.Millisecond);
        board.PressResetButton();
        Assert.Equal(Boots, board.NextVerdict());
    }

    [Fact]
    public void A_software_reset_neither_waits_nor_opens_the_window()
    {
        using var board = VirtualBoards.ShippedAtPrompt();
        board.SendToUart("update\r");
        Assert.Equal("stay: update requested by application", board.NextVerdict());
        var reset = board.Machine.Resets[^1];
        Assert.Equal(Machine.SoftwareResetReason, reset.Reason);
        // The bootloader decided at once, and the reset button pressed within a window's time is a first press.
        Assert.True(board.NowPs - reset.AtPs < 15 * Board.Millisecond, $"the verdict came {(board.NowPs - reset.AtPs) / 1e9:F1} ms after the reset");
        board.RunFor(Window / 4);
        board.PressResetButton();
        Assert.Equal(Boots, board.NextVerdict());
    }
}
