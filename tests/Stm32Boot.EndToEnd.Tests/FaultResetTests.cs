using System.Text.RegularExpressions;
using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// An exception nobody serves (platform/src/vectors.c, Default_Handler, in both images) resets the chip and leaves
/// its cause in RTC_BKP4R; the next banner prints it once. The unexpected interrupt comes from a debugger on the
/// ST-LINK: it enables and pends EXTI0 (IRQ 6) through the NVIC, which neither image serves.
/// </summary>
public class FaultResetTests
{
    private const uint NVIC_ISER0 = 0xE000_E100, NVIC_ISPR0 = 0xE000_E200, Exti0 = 1u << 6;

    private static void PendUnservedInterrupt(Board board)
    {
        board.Machine.DebugWrite(NVIC_ISER0, Exti0);
        board.Machine.DebugWrite(NVIC_ISPR0, Exti0);
    }

    /// <summary>The lines between the next banner and its verdict.</summary>
    private static List<string> NextBoot(Board board)
    {
        var from = board.Uart.Lines.Count;
        var verdict = board.RunUntilLine("^(boot|stay): ", 2 * Board.Second, from);
        return board.Uart.Lines.Skip(from).TakeWhile(l => !ReferenceEquals(l, verdict)).Select(l => l.Text).Append(verdict.Text).ToList();
    }

    private static uint FaultPc(IEnumerable<string> lines)
    {
        var fault = Assert.Single(lines, l => l.StartsWith("fault: ", StringComparison.Ordinal));
        var match = Regex.Match(fault, "^fault: IRQ 6 at 0x([0-9A-F]{8})$");
        Assert.True(match.Success, $"unexpected fault line '{fault}'");
        return Convert.ToUInt32(match.Groups[1].Value, 16);
    }

    [Fact]
    public void An_unexpected_interrupt_in_update_mode_resets_the_chip_and_the_next_banner_names_it_once()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        board.PressButton();
        Assert.Equal(UpdateSession.ButtonHeld, board.PowerOnAndReadVerdict());
        board.RunFor(100 * Board.Millisecond);

        var resets = board.Machine.Resets.Count;
        PendUnservedInterrupt(board);
        var boot = NextBoot(board);

        Assert.Equal(resets + 1, board.Machine.Resets.Count);
        Assert.Equal(Machine.SoftwareResetReason, board.Machine.Resets[^1].Reason);
        Assert.Contains("reset: software", boot);
        // The stacked PC: where update mode was when the interrupt came, inside the bootloader's code.
        Assert.InRange(FaultPc(boot), Shipped.Map.Bootloader.Base, Shipped.Map.Bootloader.Last);
        Assert.Equal(UpdateSession.ButtonHeld, boot[^1]);

        board.ReleaseButton();
        board.PressResetButton();
        Assert.DoesNotContain(NextBoot(board), l => l.StartsWith("fault: ", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unexpected_interrupt_in_the_application_resets_the_chip_and_the_bootloader_names_it()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        board.PowerOn();
        board.RunUntilLine("^L475 application ", Board.Second);
        board.RunFor(10 * Board.Millisecond, () => board.Uart.Pending == "> ");

        PendUnservedInterrupt(board);
        var boot = NextBoot(board);

        Assert.Contains("reset: software", boot);
        Assert.InRange(FaultPc(boot), Shipped.Map.Image.Base, Shipped.Map.Image.Last);
        Assert.StartsWith("boot: application ", boot[^1]);
    }
}
