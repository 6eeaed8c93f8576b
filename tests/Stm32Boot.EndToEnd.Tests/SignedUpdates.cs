using System.Text.RegularExpressions;
using Stm32Boot.Uart;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Peripherals;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>What the secure-boot tests (<see cref="SignedUpdateTests"/>, <see cref="SignedUpdateStm32flashTests"/>)
/// assert of a refused update on each path, and the board they start from.</summary>
public static class SignedUpdates
{
    public const int Baud = 921600, PtyBaud = 115200;
    public static readonly FirmwareVersion Old = UpdateImages.Old, New = UpdateImages.New, Newer = new(2, 1, 0, 0);
    public static readonly string BootsOld = UsbUpdates.BootsVersion(Old), BootsNew = UsbUpdates.BootsVersion(New);
    public static readonly uint ImageBase = Shipped.Map.Image.Base;
    private const string NoHeader = "stay: no application header";

    /// <summary>The old application: a synthetic one is enough, only its version shows (signed, as a programmer put it
    /// there: confirmed).</summary>
    public static MemoryImage OldFactory() =>
        SyntheticApplications.Factory(SyntheticApplications.With(Old, 1024, SyntheticApplications.SleepForever));

    /// <summary>The refusals a board with the shipped minimum shows; <see cref="SignedImages.Refusal.LowerCounter"/>
    /// needs a raised minimum and has its own test.</summary>
    public static TheoryData<SignedImages.Refusal> Refusals => new(SignedImages.All.Where(r => r != SignedImages.Refusal.LowerCounter));

    /// <summary>
    /// A refused `stm32boot flash`: it sends the header page first to this bootloader, so what the header page tells is
    /// refused at the first image block, before any flash change; anything else at the block that completes the image.
    /// Then a reset (NRST: the backup register that carries the reason survives it) shows the reason and either the
    /// application that was there (unchanged, byte for byte) or update mode.
    /// </summary>
    public static void AssertUartRefusal(Board board, SignedImages.Refusal refusal, string reason, string bootsBefore, Action flash, MemoryImage image)
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
    public static async Task AssertStm32flashRefusal(PtyBoard board, Scratch scratch, SignedImages.Refusal refusal, string reason, string bootsBefore,
        MemoryImage image)
    {
        var before = UpdateImages.InFlash(board.Board);
        var headerLevel = SignedImages.IsHeaderLevel(refusal);
        // stm32flash flattens the HEX file from its lowest address and writes 256-byte blocks from there.
        var end = ImageBase + ImageVariants.ReadHeader(image).ImageSize;
        var refusedBlock = headerLevel ? ImageBase : (end - 1) / 256 * 256;

        var write = await board.Stm32flash("-w", Hex(scratch, $"{refusal}.hex", image), "-g", $"0x{ImageBase:X8}");

        var said = write.StandardOutput + write.StandardError;
        Assert.True(write.ExitCode == 1, $"stm32flash exited {write.ExitCode}, expected 1:\n{said}");
        // A NACK and a timeout end alike; only a timeout says this first.
        Assert.False(said.Contains("Failed to read ACK byte", StringComparison.Ordinal),
            $"stm32flash gave up waiting (1 s of wall clock) for the answer to a block, not refused by a NACK: the emulation fell behind:\n{said}");
        Assert.Contains($"Failed to write memory at address 0x{refusedBlock:x8}", said);
        if (headerLevel) AssertFlashUnchanged(board.Board, before);
        AssertNextBoot(board.Board, reason, headerLevel ? bootsBefore : NoHeader);
    }

    /// <summary>Refused in the first read of the file: not one flash operation, LED2 blinking slowly, and the old
    /// application boots.</summary>
    public static void AssertUsbRefusal(Board board, UsbDrives drives, MemoryImage image, string reason, FirmwareVersion installed)
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
    public static void AssertNextBoot(Board board, string reason, string verdict)
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

    /// <summary>The boot that follows a good update after a refusal (from fromLine on): this verdict, and no "update
    /// refused:" line, since a committed update clears the record of the refusal it superseded.</summary>
    public static void AssertBootsWithoutRefusal(Board board, int fromLine, string verdict)
    {
        var end = board.RunUntilLine("^(boot|stay): ", 3 * Board.Second, fromLine);
        var lines = board.Uart.Lines.Skip(fromLine).TakeWhile(l => !ReferenceEquals(l, end)).Append(end).Select(l => l.Text).ToList();
        Assert.True(end.Text == verdict && !lines.Any(l => l.StartsWith("update refused: ", StringComparison.Ordinal)),
            $"expected '{verdict}' and no 'update refused:' line after the good update; the board said:\n{string.Join("\n", lines)}");
    }

    public static void AssertFlashUnchanged(Board board, MemoryImage before)
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
    public static void EnterUpdateModeIfBooted(Board board)
    {
        var verdict = board.Uart.Lines.LastOrDefault(l => Regex.IsMatch(l.Text, "^(boot|stay): "))?.Text;
        if (verdict is null || verdict.StartsWith("stay: ", StringComparison.Ordinal)) return;
        board.PressButton();
        board.PressResetButton();
        Assert.Equal(UpdateSession.ButtonHeld, board.NextVerdict());
        board.ReleaseButton();
    }

    public static string Hex(Scratch scratch, string name, MemoryImage image)
    {
        var path = scratch.File(name);
        IntelHexWriter.WriteFile(path, new IntelHexFile(image, null));
        return path;
    }
}
