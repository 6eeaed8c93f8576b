using System.Text.RegularExpressions;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Peripherals;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// BootBanner "quiet" (build/settings.json), the product's console: out/variants/quiet-boot/factory.hex, the shipped
/// application with a bootloader built so. A reset that starts the application with nothing to report prints nothing
/// before the application's own banner; every line that carries news still prints (the anti-rollback raise, a fault,
/// a refused update, a trial start, what the option bytes needed), and every stay in update mode prints the whole
/// banner first, whichever way the board got there.
/// </summary>
public class QuietBootTests
{
    private static readonly BuildOutput Quiet = BuildOutput.Variant("quiet-boot");
    private static ulong Window => Quiet.Settings.DoubleResetWindowMs * Board.Millisecond;
    private static readonly string Rollback = $"rollback: minimum {Shipped.Settings.SecurityCounter}";

    private static MemoryImage Factory()
    {
        Assert.Equal(BootBanner.Quiet, Quiet.Settings.BootBanner);
        return Quiet.Factory();
    }

    /// <summary>What USART1 carried from the last reset to the application's reset handler (vector 1 of the image in
    /// flash), after the application's banner has come.</summary>
    private static string PrintedUntilApplication(Board board, string because, FirmwareVersion? version = null)
    {
        var from = board.Uart.Lines.Count;
        board.RunUntilAddress(board.Read(Shipped.Map.Image.Base + 4) & ~1u, 2 * Board.Second);
        var reset = board.Machine.Resets[^1].AtPs;
        // After the reset: a byte that ended at its instant was the previous firmware's.
        var printed = new string(board.Uart.Bytes.Where(b => b.AtPs > reset).Select(b => (char)b.Value).ToArray());
        board.RunUntilLine($"L475 application {version ?? UpdateImages.Old}$", Board.Second, from);
        Assert.True(board.Machine.Resets[^1].AtPs == reset, $"{because}: a reset between the bootloader and the application");
        return printed;
    }

    /// <summary>The lines from fromLine on, up to and with the verdict.</summary>
    private static List<string> UntilVerdict(Board board, int fromLine)
    {
        var verdict = board.RunUntilLine("^(boot|stay): ", 2 * Board.Second, fromLine);
        return board.Uart.Lines.Skip(fromLine).TakeWhile(l => !ReferenceEquals(l, verdict)).Append(verdict).Select(l => l.Text).ToList();
    }

    /// <summary>The whole banner before a stay: bootloader and board, the reset cause, then the verdict.</summary>
    private static void AssertStaysWithBanner(IReadOnlyList<string> lines, string cause, string verdict)
    {
        Assert.True(lines.Count >= 3, $"expected the banner and '{verdict}'; the board said:\n{string.Join("\n", lines)}");
        Assert.Matches(VirtualBoards.Banner, lines[^3]);
        Assert.Equal($"reset: {cause}", lines[^2]);
        Assert.Equal(verdict, lines[^1]);
    }

    [Fact]
    public void The_first_power_on_prints_only_its_news_and_later_boots_of_every_cause_print_nothing()
    {
        using var board = VirtualBoards.With(Factory());

        board.PowerOn();
        // A fresh board records the image's security counter in OTP: news, and the only line.
        Assert.Equal(Rollback + "\r\n", PrintedUntilApplication(board, "first power-on"));

        var resets = new (string Name, Action Reset)[]
        {
            ("power-on", board.PowerOn),
            ("software", () => board.Machine.RequestSystemReset(Machine.SoftwareResetReason)),
            ("watchdog", () =>
            {
                board.Peripherals.Rcc.RecordResetCause(RccResetFlags.IWDGRSTF);
                board.Machine.RequestSystemReset("IWDG counter reached 0");
            }),
            // A single press: the double-reset window opens, passes, and the application starts; nothing is said.
            ("pin", board.PressResetButton),
        };
        foreach (var (name, reset) in resets)
        {
            board.RunFor(20 * Board.Millisecond);
            reset();
            Assert.True(PrintedUntilApplication(board, name).Length == 0, $"{name}: the bootloader printed something");
        }
        Assert.DoesNotContain(board.Uart.Lines, l => Regex.IsMatch(l.Text, VirtualBoards.Banner) || l.Text.StartsWith("boot: "));
    }

    [Fact]
    public void A_blank_board_stays_with_the_whole_banner()
    {
        using var board = VirtualBoards.With(Quiet.Bootloader());

        board.PowerOn();

        AssertStaysWithBanner(UntilVerdict(board, 0), "power-on/brown-out", "stay: no application header");
    }

    [Fact]
    public void An_image_that_fails_its_check_stays_with_the_whole_banner()
    {
        var factory = Factory();
        var address = Shipped.Map.Image.Base + 0x200;
        factory.Write(address, [(byte)(factory.Read(address, 1, 0xFF)[0] ^ 0x08)]);
        using var board = VirtualBoards.With(factory);

        board.PowerOn();

        AssertStaysWithBanner(UntilVerdict(board, 0), "power-on/brown-out", "stay: image CRC mismatch");
    }

    [Fact]
    public void B1_held_stays_with_the_whole_banner_and_released_boots_quietly()
    {
        using var board = VirtualBoards.With(Factory());
        board.PressButton();

        board.PowerOn();
        AssertStaysWithBanner(UntilVerdict(board, 0), "power-on/brown-out", UpdateSession.ButtonHeld);

        board.ReleaseButton();
        board.RunFor(Window + 100 * Board.Millisecond);
        board.PowerOn();
        // The raise of this first start is news; nothing else is said.
        Assert.Equal(Rollback + "\r\n", PrintedUntilApplication(board, "after B1"));
    }

    [Fact]
    public void The_application_s_update_command_stays_with_the_whole_banner()
    {
        using var board = VirtualBoards.With(Factory());
        board.PowerOn();
        PrintedUntilApplication(board, "power-on");
        board.RunFor(100 * Board.Millisecond, () => board.Uart.Pending == "> ");

        var from = board.Uart.Lines.Count;
        board.SendToUart("update\r");

        AssertStaysWithBanner(UntilVerdict(board, from), "software", "stay: update requested by application");
    }

    [Fact]
    public void A_double_reset_says_nothing_at_the_first_press_and_stays_with_the_whole_banner_at_the_second()
    {
        using var board = VirtualBoards.With(Factory());
        board.PowerOn();
        PrintedUntilApplication(board, "power-on");

        board.RunFor(20 * Board.Millisecond);
        var from = board.Uart.Lines.Count;
        var bytes = board.Uart.Bytes.Count;
        board.PressResetButton();
        board.RunFor(Window / 2);
        Assert.Equal(bytes, board.Uart.Bytes.Count);
        board.PressResetButton();

        AssertStaysWithBanner(UntilVerdict(board, from), "pin", "stay: double reset");
    }

    [Fact]
    public void A_fault_is_news_and_printed_alone_before_the_application_starts_again()
    {
        using var board = VirtualBoards.With(Factory());
        board.PowerOn();
        PrintedUntilApplication(board, "power-on");
        board.RunFor(100 * Board.Millisecond, () => board.Uart.Pending == "> ");

        // EXTI0 (IRQ 6) enabled and pended through the NVIC by a debugger: neither image serves it.
        board.Machine.DebugWrite(0xE000_E100, 1u << 6);
        board.Machine.DebugWrite(0xE000_E200, 1u << 6);
        var printed = PrintedUntilApplication(board, "fault reset");

        Assert.Matches(@"^fault: IRQ 6 at 0x[0-9A-F]{8}\r\n$", printed);
    }

    [Fact]
    public void A_refused_update_is_news_at_the_next_boot_and_a_good_one_says_its_trial_start()
    {
        using var session = UpdateSession.Start(Factory(), 115200);
        var board = session.Board;
        Assert.Matches(VirtualBoards.Banner, board.Uart.Lines[0].Text);

        // A header this bootloader refuses (a key it does not trust): the first image block is NACKed, flash stays.
        Assert.Throws<Stm32Boot.Uart.An3155Exception>(() =>
            session.Flash(SignedImages.Refused(SignedImages.Refusal.OtherKey, UpdateImages.New), verify: true, go: true));
        board.PressResetButton();
        // The reset button opens the double-reset window: the refusal is printed, the old application starts after it.
        var printed = PrintedUntilApplication(board, "after the refusal");
        Assert.Equal($"update refused: {SignedImages.Reason(SignedImages.Refusal.OtherKey)}\r\n{Rollback}\r\n", printed);

        board.PressButton();
        board.RunFor(Window + 100 * Board.Millisecond);
        var from = board.Uart.Lines.Count;
        board.PressResetButton();
        AssertStaysWithBanner(UntilVerdict(board, from), "pin", UpdateSession.ButtonHeld);
        board.ReleaseButton();

        session.Flash(SignedImages.Good(UpdateImages.New), verify: true, go: true);
        // Go's reset: the trial start is news, the start itself is not.
        Assert.Equal($"trial: start 1 of {Quiet.Settings.BootAttempts}, not confirmed yet\r\n",
            PrintedUntilApplication(board, "after Go", UpdateImages.New));
    }

    [Fact]
    public void What_the_option_bytes_need_is_news()
    {
        using var board = VirtualBoards.With(Factory());
        board.OptionBytes = OptionBytes.Factory with { Optr = OptionBytes.Factory.Optr | OptionBytes.BFB2 };

        board.PowerOn();
        // Clearing BFB2 ends in the option byte loading reset; the line is said before it, the raise after it.
        board.RunUntilLine($"L475 application {UpdateImages.Old}$", 2 * Board.Second);
        var lines = board.Uart.Lines.Select(l => l.Text).TakeWhile(l => !l.StartsWith("L475 application ", StringComparison.Ordinal)).ToList();

        Assert.Equal(["protection: BFB2 set (ST's bootloader could start bank 2): clearing it", Rollback], lines);
        Assert.False(board.OptionBytes.Bfb2);
    }
}
