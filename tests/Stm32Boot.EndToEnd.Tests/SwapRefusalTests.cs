using Stm32Boot.Uart;
using Xunit;
using static Stm32Boot.EndToEnd.Tests.SwapBoards;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// Secure boot in SlotMode swap: every refused image of <see cref="SignedImages"/> sent with `stm32boot flash` (header
/// page first, verify, Go) gets a NACK, and the next reset names the reason and boots the application that ran before,
/// untouched, whatever the refusal: also a tampered image or signature, which only the whole image can tell (in single
/// mode their pages have replaced the old application's by then: update mode). The update went to the secondary slot,
/// was never committed, and nothing is installed.
/// </summary>
public class SwapRefusalTests
{
    private const int Baud = 921600;

    public static TheoryData<SignedImages.Refusal> Refusals => SignedUpdates.Refusals;

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_refused_UART_update_leaves_the_running_application_booting(SignedImages.Refusal refusal)
    {
        using var session = UpdateSession.Start(Factory(), Baud, Build);
        var board = session.Board;
        var primaryBefore = board.Machine.ReadMemory(Map.Slot.Base, (int)Map.Slot.Size);
        var image = SignedImages.Refused(refusal, New, build: Build);

        var refused = Assert.Throws<An3155Exception>(() => session.Flash(image, verify: true, go: true));
        Assert.Equal(An3155Failure.Nack, refused.Failure);
        var from = board.Uart.Lines.Count;
        board.PressResetButton();
        var boot = board.NextBoot(from);

        Assert.Contains($"update refused: {SignedImages.Reason(refusal)}", boot);
        Assert.DoesNotContain(boot, IsSlotLine);
        Assert.Equal(Boots(Old), boot[^1]);
        Assert.Equal(primaryBefore, board.Machine.ReadMemory(Map.Slot.Base, (int)Map.Slot.Size));
        Assert.False(board.Inspect().Secondary().Pending);
    }
}
