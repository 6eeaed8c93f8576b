// A 256 KB update from a USB thumb drive: the image as an Intel HEX file (16-byte records, ~2.75× the binary) under
// the name the bootloader looks for (UsbFirmwareName) on a FAT32 drive (Fat32Drive), plugged into a board in update mode whose USB host is already up.
// Measured in virtual time from the plug to "usb: updated to …", per phase of usb_update.c (enumerate and mount;
// pass 1 reads and checks the whole file; pass 2 reads it again and programs it, header last): read throughput against
// full-speed USB's practical bulk limit, and where the time goes — host channels busy with transfers and their bus
// time (OtgFsTraffic), flash BSY time per operation kind (FLASH's own operation records), and the CPU for the rest.
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Rendering;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Peripherals;

namespace Stm32Boot.Bench;

internal static class UsbUpdateBench
{
    private const uint ImageSize = 256 * 1024;
    private const int RecordLength = 16;
    /// Full speed's practical bulk ceiling: 19 packets of 64 bytes per 1 ms frame (USB 2.0 Table 5-9).
    private const double BulkLimitBytesPerSecond = 19 * 64 * 1000;
    private static readonly FirmwareVersion Old = new(1, 0, 0, 1), New = new(2, 0, 0, 0);
    /// Issue 13's goal for the whole update, plug to "usb: updated", with the two-pass check kept.
    private static readonly ulong LimitPs = 6500 * Board.Millisecond;

    public static IRenderable Run(string outDir)
    {
        var settings = BuildSettings.Load(Path.Combine(outDir, "settings.effective.json"));
        var map = settings.MemoryMap;
        var application = Path.Combine(outDir, "firmware", settings.BuildType.ToString().ToLowerInvariant(), "application.elf");
        var bootloader = IntelHexReader.ReadFile(Path.Combine(outDir, "bootloader.hex")).Image;
        var signing = BenchSigning.Load(settings);
        var old = Stamper.Stamp(application, settings, Old, signing).Image;
        var update = PaddedImage.Create(Stamper.Stamp(application, settings, New, signing).Image, map, ImageSize, signing);
        var benchDir = Path.Combine(outDir, "bench");
        Directory.CreateDirectory(benchDir);
        var hex = Path.Combine(benchDir, $"usb-update-{ImageSize / 1024}k.hex");
        IntelHexWriter.WriteFile(hex, new IntelHexFile(update, null), RecordLength);
        var hexBytes = new FileInfo(hex).Length;
        var fileName = settings.UsbFirmwareName.Value;
        var drive = Fat32Drive.Create(Path.Combine(benchDir, "usb-update-fat32.img"), (hex, fileName));
        try
        {
            var run = Measure(bootloader, old, drive, fileName);
            return new Rows(PhaseTable(run, hexBytes, fileName), BreakdownTable(run, hexBytes));
        }
        finally
        {
            File.Delete(drive);
        }
    }

    /// The counters at one moment: virtual time, USB traffic, Bulk-In bytes the drive sent, flash BSY time per
    /// operation kind, instructions executed.
    private sealed record Mark(ulong AtPs, OtgFsTrafficTotals Usb, long DriveBytes,
        IReadOnlyDictionary<FlashOperationKind, (int Count, ulong Ps)> Flash, ulong Instructions)
    {
        public (int Count, ulong Ps) FlashOf(FlashOperationKind kind, Mark from)
        {
            var (count, ps) = Flash.GetValueOrDefault(kind);
            var (fromCount, fromPs) = from.Flash.GetValueOrDefault(kind);
            return (count - fromCount, ps - fromPs);
        }

        public ulong FlashPs(Mark from) => Flash.Values.Aggregate(0UL, (sum, f) => sum + f.Ps) - from.Flash.Values.Aggregate(0UL, (sum, f) => sum + f.Ps);
    }

    private sealed record Phase(string Name, Mark From, Mark To);

    private sealed record UpdateRun(IReadOnlyList<Phase> Phases, TimeSpan Wall)
    {
        public Phase Whole => new("total", Phases[0].From, Phases[^1].To);
    }

    private static UpdateRun Measure(MemoryImage bootloader, MemoryImage old, string driveImage, string fileName)
    {
        using var board = new Board();
        foreach (var image in new[] { bootloader, old })
            foreach (var segment in image.Segments) board.Machine.LoadFlash(segment.Address, segment.Data);
        board.PressButton();
        board.PowerOn();
        board.RunUntilLine("^stay: ", 3 * Board.Second);
        board.ReleaseButton();
        // LSE start-up and the host port's bring-up happen once per power-up, before any drive: not part of an update.
        board.RunFor(3 * Board.Second);

        var flash = new Dictionary<FlashOperationKind, (int Count, ulong Ps)>();
        board.Peripherals.Flash.OperationCompleted += op =>
        {
            var (count, ps) = flash.GetValueOrDefault(op.Kind);
            flash[op.Kind] = (count + 1, ps + (op.EndPs - op.StartPs));
        };
        Stm32Boot.VirtualBoard.Usb.UsbMassStorageDrive? drive = null;
        Mark Now() => new(board.NowPs, board.Peripherals.OtgFs.Traffic.Totals(board.NowPs), drive?.BytesSent ?? 0,
            new Dictionary<FlashOperationKind, (int, ulong)>(flash), board.Machine.Instructions);
        // A mark at the first byte of each "usb: " line, which leaves as the firmware prints it (the line's end comes a
        // line's transmission later). The Board's own handler has added the byte to the transcript already.
        var marks = new Dictionary<string, Mark>();
        Mark? lineStart = null;
        board.Peripherals.Console.Transmitted += b =>
        {
            if (board.Uart.Pending.Length == 1) lineStart = Now();
            if (b == '\n' && board.Uart.Lines[^1].Text.StartsWith("usb: ", StringComparison.Ordinal)) marks[board.Uart.Lines[^1].Text] = lineStart!;
        };

        var from = board.Uart.Lines.Count;
        var wall = Stopwatch.StartNew();
        drive = board.AttachUsbDrive(driveImage);
        var plugged = Now();
        board.RunUntilLine($"^usb: updated to {New}$", 120 * Board.Second, from);
        wall.Stop();
        var verdict = board.RunUntilLine("^(boot|stay): ", 5 * Board.Second, from).Text;
        if (!verdict.StartsWith($"boot: application {New} ", StringComparison.Ordinal))
            throw new InvalidOperationException($"after the USB update the bootloader said '{verdict}' instead of booting {New}.");

        Mark At(string prefix) => marks.FirstOrDefault(m => m.Key.StartsWith(prefix, StringComparison.Ordinal)).Value
            ?? throw new InvalidOperationException($"no USART1 line starting '{prefix}' during the update. USART1:\n{board.Uart}");
        var chosen = At($"usb: {fileName}, ");
        var programming = At($"usb: programming {New}");
        var updated = At($"usb: updated to {New}");
        return new UpdateRun(
        [
            new Phase("enumerate", plugged, chosen),
            new Phase("pass 1 (check)", chosen, programming),
            new Phase("pass 2 (program)", programming, updated),
        ], wall.Elapsed);
    }

    private static IRenderable PhaseTable(UpdateRun run, long hexBytes, string fileName)
    {
        var table = new Table()
            .Title($"USB update of a {ImageSize / 1024} KB image (+ header) from {fileName} ({hexBytes:N0} bytes of HEX, " +
                   $"{hexBytes / (double)(ImageSize + ImageHeader.Size):F2}× the binary) on FAT32, virtual time")
            .AddColumn("phase").AddColumn(new TableColumn("s").RightAligned()).AddColumn(new TableColumn("read KB").RightAligned())
            .AddColumn(new TableColumn("KB/s").RightAligned()).AddColumn(new TableColumn("USB s").RightAligned())
            .AddColumn(new TableColumn("bus s").RightAligned()).AddColumn(new TableColumn("flash s").RightAligned())
            .AddColumn(new TableColumn("other s").RightAligned()).AddColumn(new TableColumn("M instr").RightAligned());
        foreach (var phase in run.Phases.Append(run.Whole))
        {
            var ps = phase.To.AtPs - phase.From.AtPs;
            var usb = phase.To.Usb - phase.From.Usb;
            var bytes = phase.To.DriveBytes - phase.From.DriveBytes;
            var flashPs = phase.To.FlashPs(phase.From);
            table.AddRow(Markup.Escape(phase.Name), Seconds(ps), $"{bytes / 1024.0:N0}", $"{bytes / 1024.0 / (ps / (double)Board.Second):N0}",
                Seconds(usb.ChannelBusyPs), Seconds(usb.WirePs), Seconds(flashPs), Seconds(Rest(ps, usb.ChannelBusyPs, flashPs, phase.Name)),
                $"{(phase.To.Instructions - phase.From.Instructions) / 1e6:F1}");
        }
        var totalPs = run.Whole.To.AtPs - run.Whole.From.AtPs;
        table.AddRow($"[bold]total against its limit {LimitPs / (double)Board.Second:F3} s: ratio {totalPs / (double)LimitPs:F2}, within " +
                     (totalPs <= LimitPs ? "[green]yes[/]" : "[red]NO[/]") + "[/]", "", "", "", "", "", "", "", "");
        table.Caption($"From the plug to \"usb: updated\" (then LED2 shows success for 1 s and the board resets); wall {run.Wall.TotalSeconds:F1} s. " +
                      "enumerate: connect, attach debounce, reset, descriptors, mount, directory; pass 1 reads and checks the whole " +
                      "file; pass 2 reads it again and programs it, header last. read: Bulk-In payload the drive sent (data and CSWs). " +
                      "USB: a host channel enabled (a transfer under way, the polled driver waiting for it); bus: the transactions' own " +
                      "time at 12 Mbit/s; flash: BSY time of erases and programs; other: firmware work between them (FAT, HEX " +
                      "parsing, checks) and, while enumerating, USB 2.0's attach and reset waits. M instr: instructions executed.");
        return table;
    }

    private static IRenderable BreakdownTable(UpdateRun run, long hexBytes)
    {
        var whole = run.Whole;
        var totalPs = whole.To.AtPs - whole.From.AtPs;
        var usb = whole.To.Usb - whole.From.Usb;
        var erase = whole.To.FlashOf(FlashOperationKind.PageErase, whole.From);
        var program = whole.To.FlashOf(FlashOperationKind.DoubleWordProgram, whole.From);
        var fast = whole.To.FlashOf(FlashOperationKind.FastRowProgram, whole.From);
        var flashPs = whole.To.FlashPs(whole.From);
        var instructions = whole.To.Instructions - whole.From.Instructions;
        var parts = new List<(string What, ulong Ps)>
        {
            ($"USB transfers: {usb.Transactions:N0} transactions ({usb.Naks:N0} NAKed), {Seconds(usb.WirePs)} s of them on the bus", usb.ChannelBusyPs),
            ($"flash page erases ({erase.Count} × {Milliseconds(erase.Ps, erase.Count)} ms)", erase.Ps),
            ($"flash double-word programs ({program.Count:N0} × {Microseconds(program.Ps, program.Count)} µs)", program.Ps),
        };
        if (fast.Count > 0) parts.Add(($"flash fast row programs ({fast.Count:N0} × {Microseconds(fast.Ps, fast.Count)} µs)", fast.Ps));
        parts.Add(($"the rest: firmware work between transfers and flash operations (FAT, HEX parsing, checks) and the attach " +
                   $"and reset waits of enumeration; {instructions:N0} instructions executed in all", Rest(totalPs, usb.ChannelBusyPs, flashPs, whole.Name)));
        var table = new Table().Title($"where the {Seconds(totalPs)} s of the USB update go")
            .AddColumn("part").AddColumn(new TableColumn("s").RightAligned()).AddColumn(new TableColumn("% of update").RightAligned());
        foreach (var (what, ps) in parts) table.AddRow(Markup.Escape(what), Seconds(ps), Percent(ps / (double)totalPs));

        var pass1 = run.Phases[1];
        var pass1Ps = pass1.To.AtPs - pass1.From.AtPs;
        var pass1Usb = pass1.To.Usb - pass1.From.Usb;
        var fileRate = hexBytes / (pass1Ps / (double)Board.Second);
        var busyRate = (pass1.To.DriveBytes - pass1.From.DriveBytes) / (pass1Usb.ChannelBusyPs / (double)Board.Second);
        table.Caption($"read throughput (pass 1, nothing programmed): {fileRate:N0} B/s of file = {Percent(fileRate / BulkLimitBytesPerSecond)} of " +
                      $"full speed's practical bulk limit ({BulkLimitBytesPerSecond:N0} B/s: 19 × 64-byte packets per 1 ms frame); " +
                      $"{busyRate:N0} B/s = {Percent(busyRate / BulkLimitBytesPerSecond)} while a transfer is under way.");
        return table;
    }

    /// The phase's time neither USB nor flash kept busy: the two never overlap in a polled, single-threaded loader.
    private static ulong Rest(ulong totalPs, ulong usbPs, ulong flashPs, string phase) =>
        usbPs + flashPs <= totalPs ? totalPs - usbPs - flashPs
            : throw new InvalidOperationException($"{phase}: USB busy ({Seconds(usbPs)} s) and flash BSY ({Seconds(flashPs)} s) overlap " +
                                                  $"beyond the phase's {Seconds(totalPs)} s: the loader no longer waits for one at a time.");

    private static string Seconds(ulong ps) => $"{ps / (double)Board.Second:F3}";
    private static string Milliseconds(ulong ps, int count) => $"{ps / (double)Math.Max(1, count) / Board.Millisecond:F2}";
    private static string Microseconds(ulong ps, int count) => $"{ps / (double)Math.Max(1, count) / Board.Microsecond:F2}";
    private static string Percent(double fraction) => $"{fraction * 100:F1} %";
}
