using Stm32Boot.Uart;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Hosting;
using Xunit;
using static Stm32Boot.EndToEnd.Tests.SwapBoards;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// SlotMode "swap" end to end (docs/design.md §10) on the swap variant (out/variants/swap/): an update over the UART or
/// from a drive lands in the secondary slot and leaves the running image alone; the next reset swaps it in, in trial,
/// and keeps the old one at 0x08080000; an image that confirms stays; one that never does, or faults, goes back to the
/// old one, once; a request the policy refuses is dropped. What each test checks is what a user sees: the banner's
/// lines, the version the application reports, RTC_BKP6R, and the slots as `stm32boot info` reads them.
/// </summary>
public class SwapTests
{
    private const int Baud = 921600;

    /// <summary>The board after a UART update (stm32boot flash, verify, no Go) of the image into the secondary slot, the
    /// bootloader still in update mode.</summary>
    private static UpdateSession Written(MemoryImage update)
    {
        var session = UpdateSession.Start(Factory(), Baud, Build);
        try
        {
            Assert.Empty(session.Flash(update, verify: true, go: false).Mismatches);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The install's boot: the swap lines, the first start in trial, the new version booted.</summary>
    private static void AssertInstalls(List<string> boot, FirmwareVersion incoming, uint pages)
    {
        var slotLines = boot.Where(IsSlotLine).ToList();
        Assert.Equal(2, slotLines.Count);
        Assert.Equal(Installing(incoming, Old, pages), slotLines[0]);
        Assert.Matches(InstallDone(), slotLines[1]);
        Assert.Contains(Trial(1), boot);
        Assert.Equal(Boots(incoming), boot[^1]);
    }

    /// <summary>After an install, as the boot verdict leaves the slots (before the application could confirm): the new
    /// image in the primary slot, in trial, started once; the old one, whole, confirmed and byte for byte as it was, in
    /// the previous slot; nothing pending; the newest status record a finished install.</summary>
    private static void AssertInstalled(Board board, SwapInspection slots, MemoryImage incoming, uint pages)
    {
        AssertHolds(slots.Primary(), New);
        Assert.Equal((true, 1), (slots.Primary().BootState.Trial, slots.Primary().BootState.Starts));
        AssertHolds(slots.Previous(), Old);
        Assert.False(slots.Previous().BootState.Trial);
        AssertBytes(board, Map.Previous!.Base, OldApplication);
        AssertBytes(board, Map.Header.Base, incoming);
        Assert.False(slots.Secondary().Pending);
        Assert.Equal((SwapKind.Install, 1u, pages, true), (slots.Newest!.Kind, slots.Newest.Sequence, slots.Newest.Pages, slots.Newest.Finished));
    }

    [Fact]
    public void A_UART_update_lands_in_the_secondary_slot_and_the_next_boot_installs_it_in_trial_keeping_the_old_image()
    {
        var update = Application(New);
        var pages = InstallPages(update, OldApplication);
        using var session = Written(update);
        var board = session.Board;
        var primaryBefore = board.Machine.ReadMemory(Map.Slot.Base, (int)Map.Slot.Size);

        // Until the reset the running image is untouched: the update waits in the secondary slot, its install requested.
        var written = board.Inspect();
        Assert.Equal(primaryBefore, board.Machine.ReadMemory(Map.Slot.Base, (int)Map.Slot.Size));
        AssertHolds(written.Primary(), Old);
        AssertHolds(written.Secondary(), New);
        Assert.True(written.Secondary().Pending);
        Assert.Null(written.Newest);

        // The reset button: the bootloader leaves update mode, finds the request and installs.
        var from = board.Uart.Lines.Count;
        board.PressResetButton();
        var boot = board.NextBoot(from);
        var slots = board.Inspect();
        board.RunUntilApplication(New);

        AssertInstalls(boot, New, pages);
        Assert.Equal(SlotReports.Installed, board.SlotReport());
        AssertInstalled(board, slots, update, pages);
    }

    [Fact]
    public void A_USB_update_lands_in_the_secondary_slot_and_the_reset_after_it_installs_it_in_trial_keeping_the_old_image()
    {
        using var drives = new UsbDrives();
        var update = Application(New);
        var pages = InstallPages(update, OldApplication);
        var disk = drives.WithFirmware(update);
        using var board = UsbUpdates.InUpdateMode(Factory(), disk.Path);

        var outcome = board.NextUsbOutcome();
        var resets = board.Machine.Resets.Count;
        board.RunFor(2 * Board.Second, () => board.Machine.Resets.Count > resets);
        var boot = board.NextBoot(board.Uart.Lines.Count - 1);
        var slots = board.Inspect();
        board.RunUntilApplication(New);

        Assert.Equal($"usb: updated to {New}", outcome.Text);
        AssertInstalls(boot, New, pages);
        Assert.Equal(SlotReports.Installed, board.SlotReport());
        AssertInstalled(board, slots, update, pages);
    }

    [Fact]
    public void An_update_the_running_application_receives_is_installed_at_its_reset_in_trial_keeping_the_old_image()
    {
        var update = Application(New);
        var pages = InstallPages(update, OldApplication);
        using var board = VirtualBoards.With(Factory());
        board.PowerOn();
        Assert.Equal(Boots(Old), board.NextBoot()[^1]);
        board.RunUntilPrompt();
        var primaryBefore = board.Machine.ReadMemory(Map.Slot.Base, (int)Map.Slot.Size);
        byte[]? primaryVerified = null;
        var sender = new SlotSender(new VirtualUartStream(board, UartFraming.Console.Baud))
        {
            HandshakeTimeout = TimeSpan.FromSeconds(10),
            AnswerTimeout = TimeSpan.FromSeconds(15),
            // The old application verified the whole image in the secondary slot, still running from the primary one.
            OnLine = line =>
            {
                if (line.StartsWith(SlotSender.VerifiedPrefix, StringComparison.Ordinal))
                    primaryVerified ??= board.Machine.ReadMemory(Map.Slot.Base, (int)Map.Slot.Size);
            },
        };

        var from = board.Uart.Lines.Count;
        var result = sender.Send(SlotImage.Create(update, Map, "update"), start: true);
        // The application resets itself after its answer; the bootloader installs.
        var boot = board.NextBoot(from);
        var slots = board.Inspect();
        board.RunUntilApplication(New);
        board.RunFor(100 * Board.Millisecond, () => board.Uart.Pending == "> ");

        Assert.Equal($"{SlotSender.InstallingPrefix}{New} at reset", result.Answer);
        Assert.Equal(primaryBefore, primaryVerified);
        AssertInstalls(boot, New, pages);
        Assert.Equal(SlotReports.Installed, board.SlotReport());
        AssertInstalled(board, slots, update, pages);
        Assert.Equal([New.ToString()], board.Console("version"));
        Assert.Contains("slots installed at this reset: the image from the secondary slot was swapped in", board.Console("info"));
    }

    /// <summary>The USB update's checks against "the installed application" (bootloader/core/usb_update.h) mean the
    /// image that runs, in the primary slot, whatever the secondary slot holds: an older version is refused while
    /// AllowDowngrade is off, before any flash operation.</summary>
    [Fact]
    public void A_drive_with_an_older_version_than_the_running_one_is_refused_as_in_single_mode()
    {
        Assert.False(Build.Settings.AllowDowngrade, "this test needs AllowDowngrade false, as shipped");
        using var drives = new UsbDrives();
        var disk = drives.WithFirmware(Application(Old));
        using var board = UsbUpdates.InUpdateMode(Build.FactoryWith(New), disk.Path);
        var slotWrites = 0;
        board.Peripherals.Flash.OperationStarted += op => slotWrites += Map.Slot.Base <= op.Address && op.Address < Map.Flash.End ? 1 : 0;

        var outcome = board.NextUsbOutcome();

        Assert.Equal($"usb: version {Old} older than installed {New} (downgrade disabled)", outcome.Text);
        Assert.Equal(0, slotWrites);
        board.PressResetButton();
        var boot = board.NextBoot();
        Assert.DoesNotContain(boot, IsSlotLine);
        Assert.Equal(Boots(New), boot[^1]);
    }

    /// <summary>The same for "same image as installed, skipped": the drive that brought the running image, still
    /// plugged in at the next update mode, is skipped, not written into the secondary slot and swapped in again.</summary>
    [Fact]
    public void The_running_image_again_on_a_drive_is_skipped_without_a_flash_operation()
    {
        using var drives = new UsbDrives();
        var update = Application(New);
        var disk = drives.WithFirmware(update);
        using var board = UsbUpdates.InUpdateMode(Factory(), disk.Path);
        Assert.Equal($"usb: updated to {New}", board.NextUsbOutcome().Text);
        var resets = board.Machine.Resets.Count;
        board.RunFor(2 * Board.Second, () => board.Machine.Resets.Count > resets);
        Assert.Equal(Boots(New), board.NextBoot(board.Uart.Lines.Count - 1)[^1]);
        board.RunUntilLine("^confirm: confirmed now$", Board.Second);

        var slotWrites = 0;
        board.Peripherals.Flash.OperationStarted += op => slotWrites += Map.Slot.Base <= op.Address && op.Address < Map.Flash.End ? 1 : 0;
        board.PressButton();
        board.PressResetButton();
        Assert.Equal(UpdateSession.ButtonHeld, board.NextBoot()[^1]);
        board.ReleaseButton();
        var outcome = board.NextUsbOutcome();

        Assert.Equal("usb: same image as installed, skipped", outcome.Text);
        Assert.Equal(0, slotWrites);
    }

    [Fact]
    public void An_installed_image_that_confirms_keeps_booting_without_a_swap_and_the_old_one_stays_in_reserve()
    {
        var update = Application(New);
        var pages = InstallPages(update, OldApplication);
        using var session = Written(update);
        var board = session.Board;
        board.PowerOn();
        AssertInstalls(board.NextBoot(), New, pages);
        // The demo application confirms itself once its main loop runs (application/src/main.c).
        board.RunUntilLine("^confirm: confirmed now$", Board.Second);
        // The slots and the status areas (the first boot of a confirmed image may still record its security counter in OTP).
        var slotWrites = 0;
        board.Peripherals.Flash.OperationStarted += op => slotWrites += Map.Slot.Base <= op.Address && op.Address < Map.Flash.End ? 1 : 0;

        for (var i = 0; i < Attempts + 2; i++)
        {
            if (i % 2 == 0) board.PowerOn(); else board.PressResetButton();
            var boot = board.NextBoot();
            board.RunUntilLine("^confirm: already confirmed$", Board.Second, board.Uart.Lines.Count - 1);

            Assert.Equal(Boots(New), boot[^1]);
            Assert.DoesNotContain(boot, l => IsSlotLine(l) || l.StartsWith("trial: ", StringComparison.Ordinal));
            Assert.Equal(0u, board.SlotReport());
        }

        // Nothing was written to the slots since the confirmation: no swap, no start marks.
        Assert.Equal(0, slotWrites);
        var slots = board.Inspect();
        AssertHolds(slots.Primary(), New);
        Assert.Equal(0, slots.Primary().BootState.ConfirmedInStart);
        AssertHolds(slots.Previous(), Old);
        Assert.Equal((SwapKind.Install, true), (slots.Newest!.Kind, slots.Newest.Finished));
    }

    /// <summary>An image that never confirms, installed over the UART: BootAttempts starts in trial, then the revert.
    /// Returns the board right after the revert's boot, the old application started.</summary>
    private static (UpdateSession Session, List<string> RevertBoot) NeverConfirmedThenReverted()
    {
        var app = SyntheticApplications.With(New, 1024, SyntheticApplications.SleepForever, Build);
        var session = Written(app);
        try
        {
            var board = session.Board;
            for (var start = 1u; start <= Attempts; start++)
            {
                board.PowerOn();
                var boot = board.NextBoot();
                Assert.Contains(Trial(start), boot);
                Assert.Equal(Boots(New), boot[^1]);
                Assert.Equal(start == 1 ? SlotReports.Installed : 0u, board.SlotReport());
                board.RunFor(10 * Board.Millisecond);
                Assert.True(SyntheticApplications.Runs(board, SyntheticApplications.SleepForever, Build), $"start {start}: the application does not run");
            }
            board.PowerOn();
            var revert = board.NextBoot();
            board.RunUntilApplication(Old);
            return (session, revert);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    [Fact]
    public void An_image_never_confirmed_is_reverted_after_BootAttempts_starts_and_the_old_one_runs_again()
    {
        var (session, boot) = NeverConfirmedThenReverted();
        using var _ = session;
        var board = session.Board;

        var slotLines = boot.Where(IsSlotLine).ToList();
        Assert.Equal(2, slotLines.Count);
        Assert.Equal(Reverting(New, Old), slotLines[0]);
        Assert.Matches(RevertDone(), slotLines[1]);
        Assert.Equal(Boots(Old), boot[^1]);
        Assert.DoesNotContain(boot, l => l.StartsWith("trial: ", StringComparison.Ordinal));
        Assert.Equal(SlotReports.Reverted, board.SlotReport());
        var slots = board.Inspect();
        AssertHolds(slots.Primary(), Old);
        AssertBytes(board, Map.Header.Base, OldApplication);
        Assert.False(slots.Primary().BootState.Trial);
        Assert.Equal((SwapKind.Revert, 2u, Pages(OldApplication), true),
            (slots.Newest!.Kind, slots.Newest.Sequence, slots.Newest.Pages, slots.Newest.Finished));

        // The next reset has nothing to do with the slots.
        board.PressResetButton();
        var next = board.NextBoot();
        board.RunUntilApplication(Old);
        Assert.Equal(Boots(Old), next[^1]);
        Assert.DoesNotContain(next, IsSlotLine);
        Assert.Equal(0u, board.SlotReport());
    }

    [Fact]
    public void After_a_revert_resets_keep_booting_the_old_image_and_never_swap_again()
    {
        var (session, _) = NeverConfirmedThenReverted();
        using var __ = session;
        var board = session.Board;
        var status = board.Machine.ReadMemory(Map.SwapStatus!.Base, (int)Map.SwapStatus.Size);
        var slotWrites = 0;
        board.Peripherals.Flash.OperationStarted += op => slotWrites += Map.Slot.Base <= op.Address && op.Address < Map.Flash.End ? 1 : 0;

        for (var i = 0; i < 8; i++)
        {
            if (i % 2 == 0) board.PowerOn(); else board.PressResetButton();
            var boot = board.NextBoot();
            board.RunUntilApplication(Old);
            Assert.Equal(Boots(Old), boot[^1]);
            Assert.DoesNotContain(boot, l => IsSlotLine(l) || l.StartsWith("trial: ", StringComparison.Ordinal));
            Assert.Equal(0u, board.SlotReport());
        }

        // No flash operation in the slots or the status areas: the failed image is not tried again, the old one not
        // reverted "back".
        Assert.Equal(0, slotWrites);
        Assert.Equal(status, board.Machine.ReadMemory(Map.SwapStatus.Base, (int)Map.SwapStatus.Size));
    }

    /// <summary>
    /// An image that fails at once the way the platform's fault handling makes an image fail: an interrupt it does not
    /// serve. Its reset handler enables and pends EXTI0 (IRQ 6) in the NVIC (NVIC_ISER0, NVIC_ISPR0 = 1 &lt;&lt; 6; ARMv7-M
    /// ARM B3.4): movw r0, #0xE100; movt r0, #0xE000; movs r1, #0x40; str r1, [r0]; str.w r1, [r0, #0x100]; b to itself.
    /// The interrupt is taken at once (PRIMASK is 0 out of reset); its vector points at <see cref="ResetOnFault"/>.
    /// </summary>
    private static readonly byte[] UnexpectedInterrupt =
        [0x4E, 0xF2, 0x00, 0x10, 0xCE, 0xF2, 0x00, 0x00, 0x40, 0x21, 0x01, 0x60, 0xC0, 0xF8, 0x00, 0x11, 0xFE, 0xE7];
    private const int Exti0Vector = 16 + 6;
    private const uint FaultHandlerOffset = 0x140;

    /// <summary>What the platform's Default_Handler ends with (platform/src/vectors.c): SCB_AIRCR = 0x05FA0004 (VECTKEY |
    /// SYSRESETREQ, ARMv7-M ARM B3.2.6), a software reset: movw r0, #0xED0C; movt r0, #0xE000; movw r1, #4;
    /// movt r1, #0x05FA; str r1, [r0]; b to itself.</summary>
    private static readonly byte[] ResetOnFault =
        [0x4E, 0xF6, 0x0C, 0x50, 0xCE, 0xF2, 0x00, 0x00, 0x40, 0xF2, 0x04, 0x01, 0xC0, 0xF2, 0xFA, 0x51, 0x01, 0x60, 0xFE, 0xE7];

    [Fact]
    public void An_image_that_faults_at_once_is_reverted_after_BootAttempts_starts()
    {
        var app = SyntheticApplications.With(New, 1024, UnexpectedInterrupt, Build);
        // EXTI0's vector into the handler; the image's CRC and signature redone for it.
        app.Write(Map.Image.Base + FaultHandlerOffset, ResetOnFault);
        app.Write(Map.Image.Base + Exti0Vector * 4, BitConverter.GetBytes(Map.Image.Base + FaultHandlerOffset + 1));
        var header = ImageVariants.ReadHeader(app, Build);
        app.Write(Map.Header.Base, (header with { ImageCrc32 = ImageCrc.Compute(app.Read(Map.Image.Base, (int)header.ImageSize, 0xFF)) }).ToBytes());
        SignedImages.Sign(app, build: Build);
        using var session = Written(app);
        var board = session.Board;
        board.PowerOn();

        var revert = board.RunUntilLine("^revert: ", (Attempts + 1) * SwapTimeoutPs);
        var boot = board.NextBoot(board.Uart.Lines.ToList().IndexOf(revert));
        board.RunUntilApplication(Old);

        var lines = board.Uart.Lines.Select(l => l.Text).ToList();
        Assert.Equal(Attempts, (uint)lines.Count(l => l == Boots(New)));
        Assert.Equal(Attempts, (uint)board.Machine.Resets.Count(r => r.Reason == Machine.SoftwareResetReason));
        for (var start = 1u; start <= Attempts; start++) Assert.Contains(Trial(start), lines);
        Assert.Equal(Reverting(New, Old), revert.Text);
        Assert.Matches(RevertDone(), boot[1]);
        Assert.Equal(Boots(Old), boot[^1]);
        Assert.Equal(SlotReports.Reverted, board.SlotReport());
        AssertHolds(board.Inspect().Primary(), Old);
    }

    [Fact]
    public void A_requested_image_with_a_bad_signature_is_refused_at_reset_its_header_page_erased_and_the_old_one_boots()
    {
        var tampered = SignedImages.Refused(SignedImages.Refusal.TamperedImage, New, build: Build);
        var factory = Factory();
        // As an update would leave it had its signature not been checked before the commit: the image in the
        // secondary slot, the trial marker programmed.
        var shift = Map.Secondary!.Base - Map.Header.Base;
        foreach (var segment in tampered.Segments) factory.Write(segment.Address + shift, segment.Data);
        factory.Write(Map.Secondary.Base + BootState.Offset, BitConverter.GetBytes(BootState.TrialMagic));
        using var board = VirtualBoards.With(factory);
        Assert.True(board.Inspect().Secondary().BootState.TrialMarker);
        var primaryBefore = board.Machine.ReadMemory(Map.Slot.Base, (int)Map.Slot.Size);

        board.PowerOn();
        var boot = board.NextBoot(0);
        board.RunUntilApplication(Old);

        Assert.Contains($"update refused: {SignedImages.Reason(SignedImages.Refusal.TamperedImage)}", boot);
        Assert.DoesNotContain(boot, IsSlotLine);
        Assert.Equal(Boots(Old), boot[^1]);
        Assert.Equal(0u, board.SlotReport());
        Assert.All(board.Machine.ReadMemory(Map.Secondary.Base, (int)Map.PageSize), b => Assert.Equal(0xFF, b));
        Assert.Equal(primaryBefore, board.Machine.ReadMemory(Map.Slot.Base, (int)Map.Slot.Size));
        Assert.Null(board.Inspect().Newest);

        // Judged once: the next reset has nothing to refuse.
        board.PressResetButton();
        var next = board.NextBoot();
        Assert.DoesNotContain(next, l => l.StartsWith("update refused: ", StringComparison.Ordinal));
        Assert.Equal(Boots(Old), next[^1]);
    }
}
