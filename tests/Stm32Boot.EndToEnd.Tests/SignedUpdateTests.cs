using System.Text.RegularExpressions;
using Stm32Boot.Uart;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Peripherals;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// Secure boot end to end (setting RequireSignature, on in the shipped build): every update <see cref="SignedImages"/>
/// makes refused, over UART with `stm32boot flash` (the library it runs, in virtual time) and with Debian's stm32flash
/// (on the pty, paced by the wall clock), and from a USB drive; the reason named where the user looks (the next boot
/// banner's "update refused: ..." line, the "usb: FIRMWARE.HEX: ..." line); the old application still booting
/// wherever the bootloader could tell before touching it (what the header page tells over UART, everything on USB),
/// update mode otherwise; and a good update going through afterwards. Anti-rollback: a confirmed counter-3 image
/// raises the board's minimum, and a counter-2 image is then refused on every path.
/// </summary>
public class SignedUpdateTests
{
    private const int Baud = 921600, PtyBaud = 115200;
    private static readonly FirmwareVersion Old = UpdateImages.Old, New = UpdateImages.New, Newer = new(2, 1, 0, 0);
    private static readonly string BootsOld = UsbUpdates.BootsVersion(Old), BootsNew = UsbUpdates.BootsVersion(New);
    private static readonly uint ImageBase = Shipped.Map.Image.Base;
    private const string NoHeader = "stay: no application header";

    /// <summary>The old application: a synthetic one is enough, only its version shows (signed, as a programmer put it
    /// there: confirmed).</summary>
    private static MemoryImage OldFactory() =>
        SyntheticApplications.Factory(SyntheticApplications.With(Old, 1024, SyntheticApplications.SleepForever));

    /// <summary>The refusals a board with the shipped minimum shows; <see cref="SignedImages.Refusal.LowerCounter"/>
    /// needs a raised minimum and has its own test.</summary>
    public static TheoryData<SignedImages.Refusal> Refusals => new(SignedImages.All.Where(r => r != SignedImages.Refusal.LowerCounter));

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Stm32boot_flash_is_refused_with_the_reason_and_a_good_update_then_goes_through(SignedImages.Refusal refusal)
    {
        using var session = UpdateSession.Start(OldFactory(), Baud);
        var image = SignedImages.Refused(refusal, New);

        AssertUartRefusal(session.Board, refusal, SignedImages.Reason(refusal), BootsOld, () => session.Flash(image, verify: true, go: true), image);

        EnterUpdateModeIfBooted(session.Board);
        Assert.Empty(session.Flash(SignedImages.Good(New), verify: true, go: true).Mismatches);
        Assert.Equal(BootsNew, session.Board.NextVerdict());
        BootloaderRegion.AssertUnchanged(session.Board);
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Stm32flash_is_refused_with_the_reason_and_a_good_update_then_goes_through(SignedImages.Refusal refusal)
    {
        using var scratch = new Scratch();
        using var board = PtyBoard.InUpdateMode(OldFactory(), PtyBaud);
        var image = SignedImages.Refused(refusal, New);

        await AssertStm32flashRefusal(board, scratch, refusal, SignedImages.Reason(refusal), BootsOld, image);

        EnterUpdateModeIfBooted(board.Board);
        var from = board.Board.Uart.Lines.Count;
        var good = await board.Stm32flash("-w", Hex(scratch, "good.hex", SignedImages.Good(New)), "-g", $"0x{ImageBase:X8}");
        Assert.True(good.ExitCode == 0, $"stm32flash exited {good.ExitCode}:\n{good.StandardOutput}{good.StandardError}");
        Assert.Equal(BootsNew, board.Board.RunUntilLine("^(boot|stay): ", 3 * Board.Second, from).Text);
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
        Assert.Equal(BootsNew, board.VerdictAfterUpdate());
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

    /// <summary>
    /// Anti-rollback: a counter-3 image installed over UART boots and confirms itself (the demo application does); the
    /// boot after that raises the board's minimum to 3, so a counter-2 image, signed by the trusted key and newer by its
    /// version, is refused by `stm32boot flash`, from a drive and by stm32flash, each time before the installed image
    /// is touched; and a counter-3 update still goes through. One board for all: the minimum lives in the chip's OTP.
    /// </summary>
    [Fact]
    public async Task A_lower_security_counter_is_refused_on_every_path_once_a_higher_one_was_confirmed()
    {
        const uint Minimum = 3;
        var reason = SignedImages.Reason(SignedImages.Refusal.LowerCounter, Minimum);
        var lower = SignedImages.Refused(SignedImages.Refusal.LowerCounter, Newer, Minimum);
        using var session = UpdateSession.Start(OldFactory(), Baud);
        var board = session.Board;

        Assert.Empty(session.Flash(SignedImages.Good(New, Minimum), verify: true, go: true).Mismatches);
        Assert.Equal(BootsNew, board.NextVerdict());
        board.RunUntilLine("^confirm: confirmed now$", Board.Second);
        board.PressResetButton();
        Assert.Equal(BootsNew, board.NextVerdict());

        // stm32boot flash.
        EnterUpdateModeIfBooted(board);
        AssertUartRefusal(board, SignedImages.Refusal.LowerCounter, reason, BootsNew, () => session.Flash(lower, verify: true, go: true), lower);

        // A drive.
        using var drives = new UsbDrives();
        EnterUpdateModeIfBooted(board);
        AssertUsbRefusal(board, drives, lower, reason, New);

        // stm32flash.
        using var scratch = new Scratch();
        EnterUpdateModeIfBooted(board);
        using (var pty = PtyBoard.Attach(board, PtyBaud))
            await AssertStm32flashRefusal(pty, scratch, SignedImages.Refusal.LowerCounter, reason, BootsNew, lower);

        // The minimum itself is no obstacle: a counter-3 update goes through.
        EnterUpdateModeIfBooted(board);
        session.Link.Baud = Baud;
        Assert.Empty(session.Flash(SignedImages.Good(Newer, Minimum), verify: true, go: true).Mismatches);
        Assert.Equal(UsbUpdates.BootsVersion(Newer), board.NextVerdict());
    }

    /// <summary>
    /// A refused `stm32boot flash`: it sends the header page first to this bootloader, so what the header page tells is
    /// refused at the first image block, before any flash change; anything else at the block that completes the image.
    /// Then a reset (NRST: the backup register that carries the reason survives it) shows the reason and either the
    /// application that was there (unchanged, byte for byte) or update mode.
    /// </summary>
    private static void AssertUartRefusal(Board board, SignedImages.Refusal refusal, string reason, string bootsBefore, Action flash, MemoryImage image)
    {
        var before = UpdateImages.InFlash(board);
        var plan = FlashPlan.Create(image, Shipped.Map, "refused image").WithHeaderFirst();
        var headerLevel = SignedImages.IsHeaderLevel(refusal);
        var refusedBlock = headerLevel ? plan.Blocks.First(b => b.Address >= ImageBase) : plan.Blocks[^1];

        var error = Assert.Throws<An3155Exception>(flash);

        Assert.True((error.Command, error.Failure) == (An3155Command.WriteMemory, An3155Failure.Nack) &&
                    error.Message.Contains($"block for {HexNumber.Format(refusedBlock.Address)}", StringComparison.Ordinal),
            $"expected the Write Memory of the block at {HexNumber.Format(refusedBlock.Address)} to be NACKed; got: {error.Message}");
        if (headerLevel) AssertFlashUnchanged(board, before);
        AssertNextBoot(board, reason, headerLevel ? bootsBefore : NoHeader);
    }

    /// <summary>The same with stm32flash, which writes in ascending addresses: the header page first.</summary>
    private static async Task AssertStm32flashRefusal(PtyBoard board, Scratch scratch, SignedImages.Refusal refusal, string reason, string bootsBefore,
        MemoryImage image)
    {
        var before = UpdateImages.InFlash(board.Board);
        var headerLevel = SignedImages.IsHeaderLevel(refusal);
        // stm32flash flattens the HEX file from its lowest address and writes 256-byte blocks from there.
        var end = ImageBase + ImageVariants.ReadHeader(image).ImageSize;
        var refusedBlock = headerLevel ? ImageBase : (end - 1) / 256 * 256;

        var write = await board.Stm32flash("-w", Hex(scratch, $"{refusal}.hex", image), "-g", $"0x{ImageBase:X8}");

        Assert.True(write.ExitCode == 1, $"stm32flash exited {write.ExitCode}, expected 1:\n{write.StandardOutput}{write.StandardError}");
        Assert.Contains($"Failed to write memory at address 0x{refusedBlock:x8}", write.StandardOutput + write.StandardError);
        if (headerLevel) AssertFlashUnchanged(board.Board, before);
        AssertNextBoot(board.Board, reason, headerLevel ? bootsBefore : NoHeader);
    }

    /// <summary>Refused in the first read of the file: not one flash operation, LED2 blinking slowly, and the old
    /// application boots.</summary>
    private static void AssertUsbRefusal(Board board, UsbDrives drives, MemoryImage image, string reason, FirmwareVersion installed)
    {
        var disk = drives.WithFirmware(image);
        var operations = 0;
        void Count(FlashOperation _) => operations++;
        board.Peripherals.Flash.OperationStarted += Count;
        try
        {
            board.AttachUsbDrive(disk.Path);
            var outcome = board.NextUsbOutcome();
            board.RunFor(2 * Board.Second);
            var blinkEnd = board.NowPs;
            board.DetachUsbDrive();

            Assert.Equal($"usb: {Shipped.Settings.UsbFirmwareName.Value}: {reason}", outcome.Text);
            Assert.Equal(0, operations);
            board.AssertLed2Blinks(UsbUpdates.FailureTogglePs, outcome.EndPs, blinkEnd, count: 6);
        }
        finally
        {
            board.Peripherals.Flash.OperationStarted -= Count;
        }

        board.PressResetButton();
        Assert.Equal(UsbUpdates.BootsVersion(installed), board.NextVerdict());
    }

    /// <summary>NRST, then the banner's lines up to the verdict: the reason line first, then the verdict.</summary>
    private static void AssertNextBoot(Board board, string reason, string verdict)
    {
        var from = board.Uart.Lines.Count;
        board.PressResetButton();
        var end = board.RunUntilLine("^(boot|stay): ", 3 * Board.Second, from);
        var lines = board.Uart.Lines.Skip(from).TakeWhile(l => !ReferenceEquals(l, end)).Append(end).Select(l => l.Text).ToList();
        var banner = lines.FindLastIndex(l => Regex.IsMatch(l, VirtualBoards.Banner));
        Assert.True(banner >= 0, $"no banner after the reset:\n{string.Join("\n", lines)}");
        var boot = lines.Skip(banner).ToList();
        Assert.True(boot.Contains($"update refused: {reason}") && boot[^1] == verdict,
            $"expected 'update refused: {reason}' and then '{verdict}' after the banner; the boot said:\n{string.Join("\n", boot)}");
    }

    private static void AssertFlashUnchanged(Board board, MemoryImage before)
    {
        var after = UpdateImages.InFlash(board);
        foreach (var segment in before.Segments)
        {
            var now = after.Read(segment.Address, segment.Data.Length, 0xFF);
            var first = segment.Data.AsSpan().CommonPrefixLength(now);
            Assert.True(first == segment.Data.Length,
                $"a refusal the header page told changed flash at {HexNumber.Format(segment.Address + (uint)first)}: the old application must stay as it was");
        }
    }

    /// <summary>A board that booted its application is taken back to update mode (B1 held through NRST); one that stayed is left as it is.</summary>
    private static void EnterUpdateModeIfBooted(Board board)
    {
        var verdict = board.Uart.Lines.LastOrDefault(l => Regex.IsMatch(l.Text, "^(boot|stay): "))?.Text;
        if (verdict is null || verdict.StartsWith("stay: ", StringComparison.Ordinal)) return;
        board.PressButton();
        board.PressResetButton();
        Assert.Equal(UpdateSession.ButtonHeld, board.NextVerdict());
        board.ReleaseButton();
    }

    private static string Hex(Scratch scratch, string name, MemoryImage image)
    {
        var path = scratch.File(name);
        IntelHexWriter.WriteFile(path, new IntelHexFile(image, null));
        return path;
    }
}
