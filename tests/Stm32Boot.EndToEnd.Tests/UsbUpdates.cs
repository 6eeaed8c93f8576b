using System.Text.RegularExpressions;
using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// What a user sees of a USB update (bootloader/core/usb_update.h): "usb: " lines on USART1 — progress first, then
/// exactly one outcome per drive — and LED2's states.
/// </summary>
public static partial class UsbUpdates
{
    /// <summary>From power-up, LSE start-up (~2 s), attach debounce and enumeration come before the first line.</summary>
    public static readonly ulong OutcomeTimeoutPs = 30 * Board.Second;

    /// <summary>LED2 toggles every 50 ms of the bootloader's clock while programming (4-10 Hz with the page erases' stalls) and every 250 ms after a failure (2 Hz).</summary>
    public static readonly ulong ProgrammingTogglePs = 50 * Board.Millisecond, FailureTogglePs = 250 * Board.Millisecond;

    public static string BootsVersion(FirmwareVersion version, BuildOutput? build = null) =>
        $"boot: application {version} -> 0x{(build ?? Shipped.Build).Map.Image.Base:X8}";

    /// <summary>A board with the factory image, kept in update mode by B1 held at power-on (the application in flash
    /// stays valid) and released once the bootloader said so; with the drive plugged in from the start if one is given.</summary>
    public static Board InUpdateMode(MemoryImage factory, string? driveImage = null)
    {
        var board = VirtualBoards.With(factory);
        try
        {
            if (driveImage is not null) board.AttachUsbDrive(driveImage);
            board.PressButton();
            var verdict = board.PowerOnAndReadVerdict();
            board.ReleaseButton();
            Assert.Equal(UpdateSession.ButtonHeld, verdict);
            return board;
        }
        catch
        {
            board.Dispose();
            throw;
        }
    }

    /// <summary>Runs until the bootloader reports what it made of the drive: the first "usb: " line after the current
    /// last line that is not a progress line.</summary>
    public static UartLine NextUsbOutcome(this Board board) => board.NextUsbOutcome(board.Uart.Lines.Count);

    public static UartLine NextUsbOutcome(this Board board, int fromLine)
    {
        UartLine? found = null;
        board.RunFor(OutcomeTimeoutPs, () =>
        {
            for (var i = fromLine; i < board.Uart.Lines.Count && found is null; i++)
                if (IsOutcome(board.Uart.Lines[i].Text)) found = board.Uart.Lines[i];
            return found is not null;
        });
        return found ?? throw new TimeoutException(
            $"no 'usb: ' outcome within {OutcomeTimeoutPs / Board.Second} s of virtual time. USART1 so far:\n{board.Uart}");
    }

    /// <summary>After "usb: updated to …" LED2 shows success for a second, then the chip resets: the boot verdict that follows.</summary>
    public static string VerdictAfterUpdate(this Board board)
    {
        var resets = board.Machine.Resets.Count;
        board.RunFor(2 * Board.Second, () => board.Machine.Resets.Count > resets);
        if (board.Machine.Resets.Count == resets)
            throw new TimeoutException($"no reset within 2 s of virtual time after the update. USART1 so far:\n{board.Uart}");
        return board.NextVerdict();
    }

    /// <summary>The "usb: " lines from fromLine on, progress and outcomes.</summary>
    public static IReadOnlyList<string> UsbLines(this Board board, int fromLine = 0) =>
        board.Uart.Lines.Skip(fromLine).Select(l => l.Text).Where(t => t.StartsWith("usb: ", StringComparison.Ordinal)).ToList();

    /// <summary>The application's banner: the version it reports from its own header.</summary>
    public static void RunUntilApplication(this Board board, FirmwareVersion version) =>
        board.RunUntilLine($"^L475 application {Regex.Escape(version.ToString())}$", 200 * Board.Millisecond);

    /// <summary>The bootloader sets LED2 from its 1 kHz SysTick hook: a new state shows within this of the line that announced it.</summary>
    public static readonly ulong LedSettlePs = 2 * Board.Millisecond;

    /// <summary>LED2's edges inside [fromPs, toPs).</summary>
    public static IReadOnlyList<PinEdge> Led2EdgesBetween(this Board board, ulong fromPs, ulong toPs) =>
        board.Led2Edges.Where(e => e.AtPs >= fromPs && e.AtPs < toPs).ToList();

    /// <summary>Time between LED2's consecutive edges inside [fromPs, toPs).</summary>
    public static IReadOnlyList<ulong> Led2Periods(this Board board, ulong fromPs, ulong toPs)
    {
        var times = board.Led2EdgesBetween(fromPs, toPs).Select(e => e.AtPs).ToList();
        return times.Zip(times.Skip(1), (a, b) => b - a).ToList();
    }

    /// <summary>
    /// LED2 blinks with this half period inside [fromPs, toPs): at least `count` toggles, the typical one (the median)
    /// within 1 ms of it. Not every one: while a flash erase stalls the CPU's fetches, as on silicon, a toggle comes late.
    /// </summary>
    public static void AssertLed2Blinks(this Board board, ulong halfPeriodPs, ulong fromPs, ulong toPs, int count = 3)
    {
        var periods = board.Led2Periods(fromPs, toPs);
        var median = periods.Order().ElementAtOrDefault(periods.Count / 2);
        Assert.True(periods.Count >= count && Math.Abs((long)median - (long)halfPeriodPs) <= (long)Board.Millisecond,
            $"LED2 should toggle every {halfPeriodPs / (double)Board.Millisecond} ms between {fromPs / (double)Board.Millisecond:F0} ms and " +
            $"{toPs / (double)Board.Millisecond:F0} ms; it toggled after {string.Join(", ", periods.Select(p => $"{p / (double)Board.Millisecond:F1}"))} ms");
    }

    /// <summary>LED2's level at a virtual time, from its recorded edges (off before the first).</summary>
    public static bool Led2At(this Board board, ulong atPs) =>
        board.Led2Edges.LastOrDefault(e => e.AtPs <= atPs)?.Level ?? false;

    private static bool IsOutcome(string line) => line.StartsWith("usb: ", StringComparison.Ordinal) && !Progress().IsMatch(line);

    /// <summary>usb_update.c's progress lines: LUN count, chosen file and size, programming start, quarters done.</summary>
    [GeneratedRegex(@"^usb: (\d+ LUNs, reading LUN 0|.+, \d+ bytes|programming \S+|\d+% programmed)$")]
    private static partial Regex Progress();
}
