using System.Collections.Concurrent;
using System.Diagnostics;
using Stm32Boot.VirtualBoard;
using Xunit;
using Xunit.Abstractions;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// Power cuts during a USB update (docs/design.md §6, header-last commit): the board starts with a valid old application in
/// update mode, a drive with the new one plugged in; the power goes right after the update's N-th flash operation
/// (page erase or double-word program), for every N, and the drive stays in. After power-up the board must boot a
/// complete image (its CRC in flash equals its header's) or stay in update mode, read the drive again and finish
/// the update — and in the end it always runs the new application. Each cut point runs on its own board, so the
/// points spread over every core. Every point replays a power-up, enumeration and both passes over the file: with
/// the 5.4 KB demo application (about 700 operations) the campaign took four to five minutes on two busy cores, so
/// the update here is a 1 KB application, every one of its operations cut.
/// </summary>
public class UsbPowerCutTests(ITestOutputHelper output)
{
    private static readonly FirmwareVersion Old = UpdateImages.Old, New = UpdateImages.New;
    private const uint SmallImageSize = 1024;

    [Fact]
    public void A_cut_after_any_flash_operation_of_a_USB_update_never_starts_a_partial_image_and_the_drive_left_in_finishes_it()
    {
        using var drives = new UsbDrives();
        var update = SyntheticApplications.With(New, SmallImageSize, SyntheticApplications.SleepForever);
        var disk = drives.WithFirmware(update, fatBits: 16);
        var factory = Shipped.FactoryWith(Old);
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var total = OperationsOf(factory, disk.Path);

        var outcomes = new ConcurrentBag<Outcome>();
        Parallel.ForEach(Enumerable.Range(1, (int)total), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, n =>
        {
            Outcome outcome;
            try { outcome = CutAndPowerUp(factory, disk.Path, n); }
            catch (Exception e) { outcome = new Outcome(n, "", $"{e.GetType().Name}: {e.Message}"); }
            outcomes.Add(outcome);
        });
        clock.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;

        var sorted = outcomes.OrderBy(o => o.CutAfter).ToList();
        Report(ImageVariants.ReadHeader(update).ImageSize, total, sorted, clock.Elapsed, cpu);
        var failures = sorted.Where(o => o.Failure is not null).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {sorted.Count} cut points failed, e.g.:\n" +
            string.Join("\n", failures.Take(5).Select(f => $"cut after operation {f.CutAfter}: {f.Failure}")));
        // Header last, magic last, and an image unlike the installed one (so no header staged early can pass its CRC
        // check): only a cut after the very last operation can leave a bootable new header.
        var booted = sorted.Where(o => o.Verdict == UsbUpdates.BootsVersion(New)).Select(o => o.CutAfter).ToList();
        Assert.Equal([total], booted);
    }

    /// <summary>The sleeping application runs: the CPU waits in its reset handler.</summary>
    private static bool RunsSleepingApplication(Board board)
    {
        board.RunFor(10 * Board.Millisecond);
        return SyntheticApplications.Runs(board, SyntheticApplications.SleepForever);
    }

    /// <summary>Flash operations of one complete USB update from the old application, which the update then boots.</summary>
    private static long OperationsOf(MemoryImage factory, string drive)
    {
        using var board = UsbUpdates.InUpdateMode(factory, drive);
        var before = board.Peripherals.Flash.CompletedOperations;
        Assert.Equal($"usb: updated to {New}", board.NextUsbOutcome().Text);
        var total = board.Peripherals.Flash.CompletedOperations - before;
        Assert.Equal(UsbUpdates.BootsVersion(New), board.VerdictAfterUpdate());
        return total;
    }

    private static Outcome CutAndPowerUp(MemoryImage factory, string drive, long n)
    {
        using var board = UsbUpdates.InUpdateMode(factory, drive);
        var resets = board.Machine.Resets.Count;
        board.CutPowerAfterFlashOperations(n);
        board.RunFor(UsbUpdates.OutcomeTimeoutPs, () => board.Machine.Resets.Count > resets);
        var cut = board.Machine.Resets.Skip(resets).FirstOrDefault();
        if (cut is null || cut.Kind != ResetKind.PowerOn)
            return new Outcome(n, "", $"expected the power cut after operation {n}, got {cut?.Reason ?? "no reset"}. USART1:\n{board.Uart}");

        var from = board.Uart.Lines.Count(line => line.EndPs <= cut.AtPs);
        var verdict = board.RunUntilLine("^(boot|stay): ", 2 * Board.Second, from).Text;
        if (verdict.StartsWith("boot: ", StringComparison.Ordinal))
        {
            // The bootloader jumped: what it jumped into must pass every check, image CRC included.
            var inspection = UpdateImages.InspectFlash(board);
            if (!inspection.Accepted)
                return new Outcome(n, verdict, "booted although flash fails " +
                    string.Join(", ", inspection.Checks.Where(c => !c.Passed).Select(c => $"{c.Name} ({c.Detail})")));
            if (inspection.Header!.FwVersion == New)
                return RunsSleepingApplication(board) ? new Outcome(n, verdict, null) : new Outcome(n, verdict, "the new application does not run");
            board.RunUntilApplication(inspection.Header.FwVersion);
            // The old application survived: the user enters update mode with B1 to let the drive finish.
            board.PressButton();
            board.PressResetButton();
            board.NextVerdict();
            board.ReleaseButton();
        }

        var outcome = board.NextUsbOutcome();
        var after = board.VerdictAfterUpdate();
        return outcome.Text == $"usb: updated to {New}" && after == UsbUpdates.BootsVersion(New) && RunsSleepingApplication(board)
            ? new Outcome(n, verdict, null)
            : new Outcome(n, verdict, $"after '{verdict}' the drive left in gave '{outcome.Text}', then '{after}'");
    }

    private void Report(uint imageSize, long total, IReadOnlyList<Outcome> outcomes, TimeSpan wall, TimeSpan cpu)
    {
        output.WriteLine($"USB update of {imageSize} bytes of image: {total} flash operations; power cut after each of " +
                         $"{outcomes.Count} ({wall.TotalSeconds:F1} s wall on {Environment.ProcessorCount} cores, " +
                         $"{cpu.TotalMilliseconds / Math.Max(1, outcomes.Count):F0} ms of CPU per point):");
        foreach (var group in outcomes.GroupBy(o => o.Verdict).OrderBy(g => g.Key))
            output.WriteLine($"  {group.Count(),5} × '{group.Key}'{(group.Key.StartsWith("stay", StringComparison.Ordinal) ? ", then the drive left in finished the update" : "")}");
    }

    private sealed record Outcome(long CutAfter, string Verdict, string? Failure);
}
