using Stm32Boot.Uart;
using Stm32Boot.VirtualBoard;
using Xunit;
using static Stm32Boot.EndToEnd.Tests.SignedUpdates;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// Secure boot end to end (setting RequireSignature, on in the shipped build): every update <see cref="SignedImages"/>
/// makes refused, over UART with `stm32boot flash` (the library it runs, in virtual time) and with Debian's stm32flash
/// (on the pty, paced by the wall clock), and from a USB drive; the reason named where the user looks (the next boot
/// banner's "update refused: ..." line, the "usb: FIRMWARE.HEX: ..." line); the old application still booting
/// wherever the bootloader could tell before touching it (what the header page tells over UART, everything on USB),
/// update mode otherwise; and a good update going through afterwards. The tests with stm32flash, the anti-rollback
/// one among them, are <see cref="SignedUpdateStm32flashTests"/>.
/// </summary>
public class SignedUpdateTests
{
    public static TheoryData<SignedImages.Refusal> Refusals => SignedUpdates.Refusals;

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Stm32boot_flash_is_refused_with_the_reason_and_a_good_update_then_goes_through(SignedImages.Refusal refusal)
    {
        using var session = UpdateSession.Start(OldFactory(), Baud);
        var image = SignedImages.Refused(refusal, New);

        AssertUartRefusal(session.Board, refusal, SignedImages.Reason(refusal), BootsOld, () => session.Flash(image, verify: true, go: true), image);

        EnterUpdateModeIfBooted(session.Board);
        var from = session.Board.Uart.Lines.Count;
        Assert.Empty(session.Flash(SignedImages.Good(New), verify: true, go: true).Mismatches);
        AssertBootsWithoutRefusal(session.Board, from, BootsNew);
        BootloaderRegion.AssertUnchanged(session.Board);
    }

    /// <summary>The refusal is recorded for the next banner, but a good update committed before any reset supersedes it:
    /// the new image's boot names no refusal.</summary>
    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_good_update_right_after_a_refusal_boots_without_naming_the_refusal(SignedImages.Refusal refusal)
    {
        using var session = UpdateSession.Start(OldFactory(), Baud);
        var refused = Assert.Throws<An3155Exception>(() => session.Flash(SignedImages.Refused(refusal, New), verify: true, go: true));
        Assert.Equal(An3155Failure.Nack, refused.Failure);

        var from = session.Board.Uart.Lines.Count;
        Assert.Empty(session.Flash(SignedImages.Good(New), verify: true, go: true).Mismatches);

        AssertBootsWithoutRefusal(session.Board, from, BootsNew);
    }

    /// <summary>
    /// The order `stm32boot flash` keeps for ST's ROM bootloader, header page last, sent to this one: every image block
    /// goes in, since nothing staged says what is coming, and the header write, which completes the update, is refused
    /// whatever is wrong (Go too: nothing can commit). The old application is gone by then: update mode, reason named.
    /// Why `stm32boot flash` sends the header first to this bootloader.
    /// </summary>
    [Theory]
    [InlineData(SignedImages.Refusal.Unsigned)]
    [InlineData(SignedImages.Refusal.TamperedImage)]
    public void Sent_header_last_a_refused_image_is_refused_at_its_header_and_update_mode_stays(SignedImages.Refusal refusal)
    {
        using var session = UpdateSession.Start(OldFactory(), Baud);
        var plan = FlashPlan.Create(SignedImages.Refused(refusal, New), Shipped.Map, "refused image");
        var client = session.Client();
        client.Connect();
        client.ExtendedErase(plan.ErasePages);
        foreach (var block in plan.Blocks.SkipLast(1)) client.WriteMemory(block.Address, block.Data);

        var header = Assert.Throws<An3155Exception>(() => client.WriteMemory(plan.Blocks[^1].Address, plan.Blocks[^1].Data));
        var go = Assert.Throws<An3155Exception>(() => client.Go(plan.GoAddress));

        Assert.Equal(Shipped.Map.Header.Base, plan.Blocks[^1].Address);
        Assert.Equal(An3155Failure.Nack, header.Failure);
        Assert.Equal(An3155Failure.Nack, go.Failure);
        AssertNextBoot(session.Board, SignedImages.Reason(refusal), "stay: no application header");
        var from = session.Board.Uart.Lines.Count;
        Assert.Empty(session.Flash(SignedImages.Good(New), verify: true, go: true).Mismatches);
        AssertBootsWithoutRefusal(session.Board, from, BootsNew);
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_USB_drive_is_refused_before_anything_is_erased_and_a_good_drive_then_updates(SignedImages.Refusal refusal)
    {
        using var drives = new UsbDrives();
        using var board = UsbUpdates.InUpdateMode(OldFactory());

        AssertUsbRefusal(board, drives, SignedImages.Refused(refusal, New), SignedImages.Reason(refusal), Old);

        board.AttachUsbDrive(drives.WithFirmware(SignedImages.Good(New)).Path);
        board.PressButton();
        board.PressResetButton();
        Assert.Equal(UpdateSession.ButtonHeld, board.NextVerdict());
        board.ReleaseButton();
        Assert.Equal($"usb: updated to {New}", board.NextUsbOutcome().Text);
        var from = board.Uart.Lines.Count;
        Assert.Equal(BootsNew, board.VerdictAfterUpdate());
        AssertBootsWithoutRefusal(board, from, BootsNew);
        board.RunUntilApplication(New);
    }

    /// <summary>What every boot checks of an image a programmer wrote: the header page's key and counter, and the
    /// whole signature only with VerifySignatureAtBoot (the update paths verified it before they committed).</summary>
    public static TheoryData<SignedImages.Refusal> BootRefusals => new(SignedImages.All.Where(r =>
        r != SignedImages.Refusal.LowerCounter && (SignedImages.IsHeaderLevel(r) || Shipped.Settings.VerifySignatureAtBoot)));

    /// <summary>An image in flash the policy refuses is not started: the bootloader stays and says why.</summary>
    [Theory]
    [MemberData(nameof(BootRefusals))]
    public void A_refused_image_in_flash_is_not_started_and_the_banner_says_why(SignedImages.Refusal refusal)
    {
        using var board = VirtualBoards.With(SyntheticApplications.Factory(SignedImages.Refused(refusal, New)));

        Assert.Equal($"stay: {SignedImages.Reason(refusal)}", board.PowerOnAndReadVerdict());
    }
}
