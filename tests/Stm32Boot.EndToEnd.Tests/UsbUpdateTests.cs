using Stm32Boot.Uart;
using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// The thumb-drive update end to end (issue 6): the shipped bootloader in update mode on the virtual board, a FAT
/// drive image made by mkfs.vfat/sfdisk/mtools with an srec_cat HEX file on it plugged into CN9, and what the user
/// sees — USART1's "usb: " lines, LED2, the version the application reports after the reset.
/// </summary>
public class UsbUpdateTests
{
    private static readonly FirmwareVersion Old = UpdateImages.Old, New = UpdateImages.New;
    /// <summary>UsbFirmwareName of the build: the file the bootloader reads first.</summary>
    private static readonly string FirmwareName = Shipped.Settings.UsbFirmwareName.Value;
    /// <summary>SCSI READ(10) (SBC-3), the command that reads the drive's sectors, and REQUEST SENSE (SPC-3), which asks why one failed.</summary>
    private const byte Read10 = 0x28, RequestSense = 0x03;

    [Theory]
    [InlineData(12, false)]
    [InlineData(12, true)]
    [InlineData(16, false)]
    [InlineData(16, true)]
    [InlineData(32, false)]
    [InlineData(32, true)]
    public void A_FAT_drive_with_a_newer_image_updates_the_board_which_then_boots_it(int fatBits, bool partitioned)
    {
        using var drives = new UsbDrives();
        var update = UpdateImages.Application(New);
        var hex = drives.Hex(update, recordLength: partitioned ? 32 : 16);
        // Windows writes the name as typed; the bootloader compares names without case.
        var name = partitioned ? FirmwareName.ToLowerInvariant() : FirmwareName;
        var disk = drives.Formatted(fatBits, partitioned).Copy(hex, name);
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(Old));
        var from = board.Uart.Lines.Count;

        board.AttachUsbDrive(disk.Path);
        var outcome = board.NextUsbOutcome();
        var verdict = board.VerdictAfterUpdate();

        Assert.Equal(
            [$"usb: {name}, {new FileInfo(hex).Length} bytes", $"usb: programming {New}", "usb: 25% programmed", "usb: 50% programmed",
             "usb: 75% programmed", $"usb: updated to {New}"],
            board.UsbLines(from));
        Assert.Equal($"usb: updated to {New}", outcome.Text);
        Assert.Equal(UsbUpdates.BootsVersion(New), verdict);
        board.RunUntilApplication(New);
        AssertFlashHolds(board, update);
        BootloaderRegion.AssertUnchanged(board);
    }

    /// <summary>mkfs.vfat -S 4096 (fsck.vfat calls it clean; Linux formats 4Kn-aware media so): every logical sector
    /// of the volume is 8 of the drive's 512-byte sectors.</summary>
    [Theory]
    [InlineData(12, false)]
    [InlineData(16, true)]
    [InlineData(32, false)]
    public void A_FAT_volume_with_4_KiB_logical_sectors_updates_the_board(int fatBits, bool partitioned)
    {
        using var drives = new UsbDrives();
        var update = UpdateImages.Application(New);
        var disk = drives.Formatted(fatBits, partitioned, logicalSectorSize: 4096).Copy(drives.Hex(update), FirmwareName);
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(Old));

        board.AttachUsbDrive(disk.Path);
        var outcome = board.NextUsbOutcome();
        var verdict = board.VerdictAfterUpdate();

        Assert.Equal($"usb: updated to {New}", outcome.Text);
        Assert.Equal(UsbUpdates.BootsVersion(New), verdict);
        board.RunUntilApplication(New);
        AssertFlashHolds(board, update);
    }

    [Fact]
    public void LED2_is_on_while_reading_blinks_while_programming_and_stays_on_for_a_second_before_the_reset()
    {
        using var drives = new UsbDrives();
        // 64 KB of image: programming lasts long enough (about 2 s) to see the blinking.
        var disk = drives.WithFirmware(UpdateImages.Padded(New, 64 * 1024), fatBits: 16);
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(Old));
        var from = board.Uart.Lines.Count;
        var resets = board.Machine.Resets.Count;

        board.AttachUsbDrive(disk.Path);
        var outcome = board.NextUsbOutcome();
        board.RunFor(2 * Board.Second, () => board.Machine.Resets.Count > resets);

        var lines = board.Uart.Lines.Skip(from).ToList();
        var chosen = lines.First(l => l.Text.StartsWith($"usb: {FirmwareName}, ", StringComparison.Ordinal));
        var programming = lines.First(l => l.Text == $"usb: programming {New}");
        var half = lines.First(l => l.Text == "usb: 50% programmed");
        Assert.Equal($"usb: updated to {New}", outcome.Text);
        // Reading and checking: on, steadily, from the file's choice through the whole first pass.
        Assert.True(board.Led2At(chosen.EndPs), "LED2 should be on while the bootloader reads the drive");
        Assert.Empty(board.Led2EdgesBetween(chosen.EndPs, programming.StartPs));
        // Success: on until the reset a second later.
        var reset = board.Machine.Resets.Skip(resets).First();
        var shown = outcome.EndPs + UsbUpdates.LedSettlePs;
        Assert.True(board.Led2At(shown), "LED2 should be on after a successful update");
        Assert.Empty(board.Led2EdgesBetween(shown, reset.AtPs));
        Assert.InRange((reset.AtPs - outcome.EndPs) / (double)Board.Millisecond, 950, 1100);
        // Programming: a toggle every 50 ms of the bootloader's SysTick clock. Each 22 ms page erase stalls every
        // fetch from bank 1, as on silicon, and with it the SysTick exception: the clock stands still meanwhile, so
        // a toggle that spans erases comes late (up to three erases per toggle at this programming rate: the HEX
        // parsing between two pages takes less of the CPU than a page's 22 ms erase).
        var periods = board.Led2Periods(programming.EndPs, half.StartPs).Select(p => p / (double)Board.Millisecond).ToList();
        Assert.True(periods.Count >= 5, $"LED2 should blink while programming; toggles after {string.Join(", ", periods)} ms");
        // Either way it stays clearly faster than the 250 ms toggles of a failure.
        Assert.All(periods, p => Assert.InRange(p, 49.0, 50.0 + 3 * 22.1 + 1.0));
        Assert.All(periods, p => Assert.True(p < UsbUpdates.FailureTogglePs / (double)Board.Millisecond));
    }

    [Fact]
    public void Once_an_AN3155_host_has_synchronised_a_drive_update_says_nothing_on_USART1_and_shows_on_LED2_only()
    {
        using var drives = new UsbDrives();
        var disk = drives.WithFirmware(UpdateImages.Application(New));
        using var session = UpdateSession.Start(Shipped.FactoryWith(Old), 115200);
        var board = session.Board;
        Assert.Equal([An3155.Ack], session.Exchange([An3155.Sync], 1));
        var from = board.Uart.Lines.Count;
        var bytes = board.Uart.Bytes.Count;
        var resets = board.Machine.Resets.Count;
        var plugged = board.NowPs;

        board.AttachUsbDrive(disk.Path);
        board.RunFor(UsbUpdates.OutcomeTimeoutPs, () => board.Machine.Resets.Count > resets);
        var reset = board.Machine.Resets.Skip(resets).FirstOrDefault();

        Assert.NotNull(reset);
        // AN3155 allows nothing unsolicited: not a byte between the sync's ACK and the reset that ends the update.
        Assert.Equal(bytes, board.Uart.Bytes.Count(b => b.AtPs < reset.AtPs));
        Assert.True(board.Led2EdgesBetween(plugged, reset.AtPs).Count >= 4, "LED2 should show the drive being read and programmed");
        Assert.Equal(UsbUpdates.BootsVersion(New), board.NextVerdict());
        Assert.Empty(board.UsbLines(from));
    }

    [Fact]
    public void A_slow_drive_that_NAKs_and_fails_a_read_twice_still_updates_the_board()
    {
        using var drives = new UsbDrives();
        var update = UpdateImages.Application(New);
        var disk = drives.WithFirmware(update, fatBits: 16);
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(Old));

        var drive = board.AttachUsbDrive(disk.Path);
        drive.SectorLatencyPs = 200 * Board.Microsecond;
        drive.NakFor(20 * Board.Millisecond);
        // The first READ(10) ends in a phase error (reset recovery), its retry in a STALL (REQUEST SENSE), the third passes.
        drive.PhaseErrorOnCommand(Read10);
        drive.StallCommand(Read10);
        var outcome = board.NextUsbOutcome();

        Assert.Equal($"usb: updated to {New}", outcome.Text);
        Assert.Contains(RequestSense, drive.Commands);
        Assert.True(board.Peripherals.OtgFs.Traffic.Totals(board.NowPs).Naks > 0, "the drive should have NAKed");
        Assert.Equal(UsbUpdates.BootsVersion(New), board.VerdictAfterUpdate());
        AssertFlashHolds(board, update);
    }

    [Fact]
    public void A_drive_whose_reads_keep_failing_is_reported_and_nothing_is_programmed()
    {
        using var drives = new UsbDrives();
        var disk = drives.WithFirmware(UpdateImages.Application(New));
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(Old));
        var operations = CountFlashOperations(board);

        board.AttachUsbDrive(disk.Path).StallCommand(Read10, times: int.MaxValue);
        var outcome = board.NextUsbOutcome();

        // Sense key 3 (medium error), ASC 11h (unrecovered read error): what the drive's REQUEST SENSE said.
        Assert.Equal("usb: drive error: SCSI 0x28 failed, sense 03/11/00", outcome.Text);
        Assert.Equal(0, operations());
        AssertStillBoots(board, Old);
    }

    [Fact]
    public void A_fragmented_firmware_file_is_read_through_its_cluster_chain()
    {
        using var drives = new UsbDrives();
        var update = UpdateImages.Application(New);
        var disk = drives.Formatted(fatBits: 12);
        // Small files, every other one deleted: the firmware copied next fills the holes, one after the other.
        var fillers = Enumerable.Range(0, 12).Select(i => $"F{i:D2}.BIN").ToList();
        for (var i = 0; i < fillers.Count; i++)
            disk.Write(fillers[i], Enumerable.Range(0, UsbDisk.SectorSize * (1 + i % 3)).Select(b => (byte)(b * 13 + i)).ToArray());
        foreach (var filler in fillers.Where((_, i) => i % 2 == 0)) disk.Delete(filler);
        disk.Copy(drives.Hex(update), FirmwareName);
        var clusters = disk.Clusters(FirmwareName);
        Assert.True(clusters.Zip(clusters.Skip(1)).Count(p => p.Second != p.First + 1) >= 3,
            $"{FirmwareName} should lie in several fragments; mtools put it in clusters {string.Join(",", clusters)}");
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(Old), disk.Path);

        Assert.Equal($"usb: updated to {New}", board.NextUsbOutcome().Text);
        Assert.Equal(UsbUpdates.BootsVersion(New), board.VerdictAfterUpdate());
        AssertFlashHolds(board, update);
    }

    [Fact]
    public void The_single_hex_file_is_found_by_its_long_name()
    {
        using var drives = new UsbDrives();
        const string longName = "Application build 2.0.0.0 (release candidate).hex";
        var hex = drives.Hex(UpdateImages.Application(New));
        var disk = drives.Formatted(fatBits: 16).Write("README.TXT", "Copy the firmware here."u8.ToArray()).Copy(hex, longName);
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(Old), disk.Path);
        var from = board.Uart.Lines.Count;

        var outcome = board.NextUsbOutcome();

        Assert.Equal($"usb: {longName}, {new FileInfo(hex).Length} bytes", board.UsbLines(from)[0]);
        Assert.Equal($"usb: updated to {New}", outcome.Text);
        Assert.Equal(UsbUpdates.BootsVersion(New), board.VerdictAfterUpdate());
    }

    [Fact]
    public void FIRMWARE_HEX_is_chosen_over_another_hex_file_listed_before_it()
    {
        using var drives = new UsbDrives();
        // The other file would be refused: were it read, the outcome would say so.
        var disk = drives.Formatted(fatBits: 12)
            .Copy(drives.Hex(WithBoardId(UpdateImages.Application(New), Shipped.Settings.BoardId + 1)), "Other board build.hex")
            .Copy(drives.Hex(UpdateImages.Application(New)), FirmwareName);
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(Old), disk.Path);
        var from = board.Uart.Lines.Count;

        var outcome = board.NextUsbOutcome();

        Assert.StartsWith($"usb: {FirmwareName}, ", board.UsbLines(from)[0]);
        Assert.Equal($"usb: updated to {New}", outcome.Text);
        Assert.Equal(UsbUpdates.BootsVersion(New), board.VerdictAfterUpdate());
    }

    [Fact]
    public void A_file_for_another_board_is_refused_untouched_flash_and_LED2_blinks_slowly_until_the_drive_is_removed()
    {
        using var drives = new UsbDrives();
        var otherBoard = Shipped.Settings.BoardId + 1;
        var disk = drives.WithFirmware(WithBoardId(UpdateImages.Application(New), otherBoard));
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(Old));
        var operations = CountFlashOperations(board);

        board.AttachUsbDrive(disk.Path);
        var outcome = board.NextUsbOutcome();
        board.RunFor(2 * Board.Second);
        var blinkEnd = board.NowPs;
        board.DetachUsbDrive();
        board.RunFor(Board.Second);

        Assert.Equal($"usb: wrong board id 0x{otherBoard:X8}", outcome.Text);
        Assert.Equal(0, operations());
        board.AssertLed2Blinks(UsbUpdates.FailureTogglePs, outcome.EndPs, blinkEnd, count: 6);
        Assert.False(board.Led2, "LED2 should go off once the refused drive is removed");
        AssertStillBoots(board, Old);
    }

    [Fact]
    public void An_older_version_is_refused_unless_the_build_allows_downgrades()
    {
        using var drives = new UsbDrives();
        var disk = drives.WithFirmware(UpdateImages.Application(Old));
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(New));
        var operations = CountFlashOperations(board);

        board.AttachUsbDrive(disk.Path);
        var outcome = board.NextUsbOutcome();

        if (Shipped.Settings.AllowDowngrade)
        {
            Assert.Equal($"usb: updated to {Old}", outcome.Text);
            Assert.Equal(UsbUpdates.BootsVersion(Old), board.VerdictAfterUpdate());
            return;
        }
        Assert.Equal($"usb: version {Old} older than installed {New} (downgrade disabled)", outcome.Text);
        Assert.Equal(0, operations());
        AssertStillBoots(board, New);
    }

    [Fact]
    public void The_same_image_again_is_skipped_without_a_single_flash_operation()
    {
        using var drives = new UsbDrives();
        var disk = drives.WithFirmware(UpdateImages.Application(New));
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(Old), disk.Path);
        Assert.Equal($"usb: updated to {New}", board.NextUsbOutcome().Text);
        Assert.Equal(UsbUpdates.BootsVersion(New), board.VerdictAfterUpdate());

        // The drive stays plugged in; the user holds B1 through a reset to enter update mode again.
        var operations = CountFlashOperations(board);
        board.PressButton();
        board.PressResetButton();
        Assert.Equal(UpdateSession.ButtonHeld, board.NextVerdict());
        board.ReleaseButton();
        var outcome = board.NextUsbOutcome();
        board.RunFor(Board.Second);

        Assert.Equal("usb: same image as installed, skipped", outcome.Text);
        Assert.Equal(0, operations());
        var shown = outcome.EndPs + UsbUpdates.LedSettlePs;
        Assert.False(board.Led2At(shown), "LED2 should be off after a skipped drive");
        Assert.Empty(board.Led2EdgesBetween(shown, board.NowPs));
        AssertStillBoots(board, New);
    }

    [Fact]
    public void A_drive_pulled_out_while_programming_leaves_no_bootable_partial_image_and_plugging_it_in_again_completes_the_update()
    {
        using var drives = new UsbDrives();
        var update = UpdateImages.Application(New);
        var disk = drives.WithFirmware(update, fatBits: 16);
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(Old));
        var from = board.Uart.Lines.Count;

        board.AttachUsbDrive(disk.Path);
        board.RunUntilLine("^usb: 50% programmed$", UsbUpdates.OutcomeTimeoutPs, from);
        board.DetachUsbDrive();
        var outcome = board.NextUsbOutcome(from);

        Assert.Equal("usb: drive removed", outcome.Text);
        AssertNoBootAfterReset(board);
        board.AttachUsbDrive(disk.Path);
        Assert.Equal($"usb: updated to {New}", board.NextUsbOutcome().Text);
        Assert.Equal(UsbUpdates.BootsVersion(New), board.VerdictAfterUpdate());
        board.RunUntilApplication(New);
        AssertFlashHolds(board, update);
    }

    [Fact]
    public void A_drive_that_drops_off_the_bus_in_the_middle_of_a_transfer_is_reported_and_the_next_plugging_in_completes_the_update()
    {
        using var drives = new UsbDrives();
        var update = UpdateImages.Application(New);
        var disk = drives.WithFirmware(update, fatBits: 32);
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(Old));
        var from = board.Uart.Lines.Count;

        // Both passes read the same sectors: half of what the first one read is the middle of the second, programming one.
        var drive = board.AttachUsbDrive(disk.Path);
        board.RunUntilLine($"^usb: {FirmwareName}, ", UsbUpdates.OutcomeTimeoutPs, from);
        var beforePass1 = drive.BytesSent;
        board.RunUntilLine($"^usb: programming {New}$", UsbUpdates.OutcomeTimeoutPs, from);
        drive.UnplugAfterBytes((drive.BytesSent - beforePass1) / 2);
        var outcome = board.NextUsbOutcome(from);

        Assert.Equal("usb: drive removed", outcome.Text);
        Assert.Null(board.UsbDrive);
        Assert.False(UpdateImages.InspectFlash(board).Accepted, "a half-programmed image must not pass the boot check");
        board.AttachUsbDrive(disk.Path);
        Assert.Equal($"usb: updated to {New}", board.NextUsbOutcome().Text);
        Assert.Equal(UsbUpdates.BootsVersion(New), board.VerdictAfterUpdate());
        AssertFlashHolds(board, update);
    }

    /// <summary>The drive serves FIRMWARE.HEX of the new version to the check and, from the second read of its first
    /// sector on, the same file with the header of a version older than the installed one (its CRC made right): what
    /// pass 2 programs must be what pass 1 checked, so nothing is committed and the board stays in update mode.</summary>
    [Fact]
    public void A_drive_that_serves_another_header_to_the_second_read_gets_nothing_committed()
    {
        using var drives = new UsbDrives();
        var older = new FirmwareVersion(1, 0, 0, 0);
        var checkedHex = File.ReadAllBytes(drives.Hex(UpdateImages.Application(New)));
        var servedHex = File.ReadAllBytes(drives.Hex(WithVersion(UpdateImages.Application(New), older)));
        Assert.Equal(checkedHex.Length, servedHex.Length);
        Assert.True(checkedHex.AsSpan(UsbDisk.SectorSize).SequenceEqual(servedHex.AsSpan(UsbDisk.SectorSize)),
            "the header records should all lie in the file's first sector");
        var disk = drives.Formatted(fatBits: 12).Write(FirmwareName, checkedHex);
        var firstSector = File.ReadAllBytes(disk.Path).AsSpan().IndexOf(checkedHex.AsSpan(0, UsbDisk.SectorSize));
        Assert.Equal(0, firstSector % UsbDisk.SectorSize);
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(Old));
        var from = board.Uart.Lines.Count;

        var drive = board.AttachUsbDrive(disk.Path);
        drive.ChangeSectorOnRead(firstSector / UsbDisk.SectorSize, 2, servedHex[..UsbDisk.SectorSize]);
        var outcome = board.NextUsbOutcome();
        board.RunFor(2 * Board.Second);

        Assert.Contains($"usb: programming {New}", board.UsbLines(from));
        Assert.Equal($"usb: {FirmwareName} changed between the two reads", outcome.Text);
        board.AssertLed2Blinks(UsbUpdates.FailureTogglePs, outcome.EndPs, board.NowPs, count: 6);
        AssertNoBootAfterReset(board);
    }

    [Fact]
    public void A_corrupt_line_in_the_middle_of_the_file_is_refused_before_anything_is_erased()
    {
        using var drives = new UsbDrives();
        var hex = drives.Hex(UpdateImages.Application(New));
        var line = HexFiles.CorruptMiddleDataLine(hex);
        var disk = drives.Formatted(fatBits: 12).Copy(hex, FirmwareName);
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(Old));
        var operations = CountFlashOperations(board);

        board.AttachUsbDrive(disk.Path);
        var outcome = board.NextUsbOutcome();
        board.RunFor(2 * Board.Second);

        Assert.Equal($"usb: {FirmwareName} line {line}: bad checksum", outcome.Text);
        Assert.Equal(0, operations());
        board.AssertLed2Blinks(UsbUpdates.FailureTogglePs, outcome.EndPs, board.NowPs, count: 6);
        AssertStillBoots(board, Old);
    }

    [Fact]
    public void Two_hex_files_and_no_FIRMWARE_HEX_are_refused_naming_both()
    {
        using var drives = new UsbDrives();
        var disk = drives.Formatted(fatBits: 12)
            .Copy(drives.Hex(UpdateImages.Application(New)), "A.HEX")
            .Copy(drives.Hex(UpdateImages.Application(New)), "B.HEX");
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(Old));
        var operations = CountFlashOperations(board);

        board.AttachUsbDrive(disk.Path);
        var outcome = board.NextUsbOutcome();

        Assert.Equal($"usb: several .hex files (A.HEX, B.HEX): keep one or name it {FirmwareName}", outcome.Text);
        Assert.Equal(0, operations());
    }

    [Theory]
    [InlineData("unformatted", "usb: no FAT volume")]
    [InlineData("formatted and empty", "usb: no .hex file")]
    public void A_drive_without_a_firmware_file_is_reported_and_changes_nothing(string drive, string expected)
    {
        using var drives = new UsbDrives();
        var path = drive == "unformatted" ? drives.Unformatted() : drives.Formatted(fatBits: 12).Path;
        using var board = UsbUpdates.InUpdateMode(Shipped.FactoryWith(Old));
        var operations = CountFlashOperations(board);

        board.AttachUsbDrive(path);
        var outcome = board.NextUsbOutcome();
        board.RunFor(2 * Board.Second);

        Assert.Equal(expected, outcome.Text);
        Assert.Equal(0, operations());
        board.AssertLed2Blinks(UsbUpdates.FailureTogglePs, outcome.EndPs, board.NowPs, count: 6);
    }

    /// <summary>The image with another board id in its header (header CRC recomputed, so only the board differs).</summary>
    private static MemoryImage WithBoardId(MemoryImage image, uint boardId)
    {
        var header = ImageVariants.ReadHeader(image) with { BoardId = boardId };
        image.Write(Shipped.Map.Header.Base, (header with { HeaderCrc32 = header.ComputeHeaderCrc() }).ToBytes());
        return image;
    }

    /// <summary>The image with another version in its header (header CRC recomputed, so only the version differs).</summary>
    private static MemoryImage WithVersion(MemoryImage image, FirmwareVersion version)
    {
        var header = ImageVariants.ReadHeader(image) with { FwVersion = version };
        image.Write(Shipped.Map.Header.Base, (header with { HeaderCrc32 = header.ComputeHeaderCrc() }).ToBytes());
        return image;
    }

    /// <summary>Counts flash erase and program operations that start from now on (a refused drive must start none).</summary>
    private static Func<int> CountFlashOperations(Board board)
    {
        var started = 0;
        board.Peripherals.Flash.OperationStarted += _ => started++;
        return () => started;
    }

    /// <summary>NRST with the drive's outcome reported: the bootloader boots the application in flash, which reports its version.</summary>
    private static void AssertStillBoots(Board board, FirmwareVersion version)
    {
        board.PressResetButton();
        Assert.Equal(UsbUpdates.BootsVersion(version), board.NextVerdict());
        board.RunUntilApplication(version);
    }

    /// <summary>NRST after an interrupted update: the bootloader must stay in update mode, whatever flash holds.</summary>
    private static void AssertNoBootAfterReset(Board board)
    {
        board.PressResetButton();
        var verdict = board.NextVerdict();
        Assert.True(verdict.StartsWith("stay: ", StringComparison.Ordinal), $"after an interrupted update the bootloader said '{verdict}'");
        Assert.False(UpdateImages.InspectFlash(board).Accepted, "a half-programmed image must not pass the boot check");
    }

    private static void AssertFlashHolds(Board board, MemoryImage image)
    {
        foreach (var segment in image.Segments)
            Assert.True(segment.Data.AsSpan().SequenceEqual(board.Machine.ReadMemory(segment.Address, segment.Data.Length)),
                $"flash at 0x{segment.Address:X8} (+{segment.Data.Length}) does not hold the update image");
    }
}
