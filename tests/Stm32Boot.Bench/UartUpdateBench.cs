// A 256 KB update through the bootloader's UART (AN3155) at 115200, 460800 and 921600 baud: `stm32boot flash`
// (UartFlasher over the in-process VirtualUartStream, virtual time only) and Debian's stm32flash (a process on the
// board's pty, the board paced by the wall clock) side by side, each from the sync ACK to Go's ACK in virtual time,
// with the payload (header + image) throughput against the raw 8E1 wire rate. Where the time of the 115200 update
// goes is measured too: bytes on the wire each way, the flash erase and program time the host has to wait for (the
// rest of it runs while bytes are on the line), and the rest. Last, the bootloader's size and the share of its UART
// update path, from the link map.
using System.Diagnostics;
using System.Text.RegularExpressions;
using Spectre.Console;
using Spectre.Console.Rendering;
using Stm32Boot.Uart;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Hosting;
using Stm32Boot.VirtualBoard.Peripherals;

namespace Stm32Boot.Bench;

internal static class UartUpdateBench
{
    private static readonly int[] Bauds = [115200, 460800, 921600];
    private const uint ImageSize = 256 * 1024;
    /// The goals (issue 13), for `stm32boot flash`: at 115200 Bd at least this share of the 8E1 wire rate, whose ceiling
    /// is 256 / (256 + the frame bytes around a block) = 95.5 %; at 921600 Bd at most this many seconds.
    private const double TargetPercent = 94;
    private const int TargetPercentBaud = 115200;
    private const double TargetSeconds = 6.0;
    private const int TargetSecondsBaud = 921600;
    private static readonly FirmwareVersion Old = new(1, 0, 0, 1), New = new(2, 0, 0, 0);

    /// The objects of the UART update path: protocol, flash write planner and their chip ports.
    private static readonly string[] UartObjects = ["an3155.c.obj", "flash_writer.c.obj", "an3155_port.c.obj", "flash_write_port.c.obj", "update_mode.c.obj"];

    public static IRenderable Run(string outDir)
    {
        var settings = BuildSettings.Load(Path.Combine(outDir, "settings.effective.json"));
        var map = settings.MemoryMap;
        var firmwareDir = Path.Combine(outDir, "firmware", settings.BuildType.ToString().ToLowerInvariant());
        var bootloader = IntelHexReader.ReadFile(Path.Combine(outDir, "bootloader.hex")).Image;
        var application = Path.Combine(firmwareDir, "application.elf");
        var signing = BenchSigning.Load(settings);
        var old = Stamper.Stamp(application, settings, Old, signing).Image;
        var update = PaddedImage.Create(Stamper.Stamp(application, settings, New, signing).Image, map, ImageSize, signing);
        var payload = ImageHeader.Size + (long)ImageSize;
        var productId = (ushort)(settings.BoardId >> 16);

        var rows = new List<IRenderable>();
        var table = new Table().Title($"UART update of a {ImageSize / 1024} KB image (+ {ImageHeader.Size}-byte header), sync ACK to Go ACK, virtual time")
            .AddColumn("baud").AddColumn("host")
            .AddColumn(new TableColumn("update s").RightAligned()).AddColumn(new TableColumn("payload B/s").RightAligned())
            .AddColumn(new TableColumn("% of 8E1 wire").RightAligned()).AddColumn(new TableColumn("write phase %").RightAligned())
            .AddColumn(new TableColumn("wall s").RightAligned())
            .AddColumn("goal (stm32boot flash)").AddColumn(new TableColumn("ratio").RightAligned()).AddColumn("met");
        Breakdown? at115200 = null, atTargetSeconds = null;
        var linkLatency = new List<string>();
        foreach (var baud in Bauds)
        {
            var wire = new UartFraming(baud, UartParity.Even).BytesPerSecond;
            var ours = Stm32bootFlash(bootloader, old, update, map, productId, baud);
            at115200 ??= ours;
            if (baud == TargetSecondsBaud) atTargetSeconds = ours;
            var share = payload / (ours.SessionPs / (double)Board.Second) / wire;
            var seconds = ours.SessionPs / (double)Board.Second;
            var (goal, ratio, met) = baud switch
            {
                TargetPercentBaud => ($"≥ {TargetPercent} % of the wire", share * 100 / TargetPercent, share * 100 >= TargetPercent),
                TargetSecondsBaud => ($"≤ {TargetSeconds:F1} s", TargetSeconds / seconds, seconds <= TargetSeconds),
                _ => ("", double.NaN, true),
            };
            table.AddRow($"{baud}", "stm32boot flash", Seconds(ours.SessionPs), $"{payload / (ours.SessionPs / (double)Board.Second):N0}",
                Percent(share), Percent(ours.WriteBytes / (ours.WritePs / (double)Board.Second) / wire), $"{ours.Wall.TotalSeconds:F1}",
                goal, double.IsNaN(ratio) ? "" : $"{ratio:F3}", goal == "" ? "" : met ? "[green]yes[/]" : "[red]no[/]");
            if (Stm32flash(bootloader, old, update, map, baud, outDir) is { } theirs)
            {
                table.AddRow("", "stm32flash", Seconds(theirs.SessionPs), $"{payload / (theirs.SessionPs / (double)Board.Second):N0}",
                    Percent(payload / (theirs.SessionPs / (double)Board.Second) / wire), "", $"{theirs.Wall.TotalSeconds:F1}", "", "", "");
                linkLatency.Add($"{((double)theirs.SessionPs - ours.SessionPs) / theirs.Blocks / (double)Board.Millisecond:F1} ms at {baud}");
            }
            else
                table.AddRow("", "stm32flash", "[yellow]not installed (apt-get install stm32flash)[/]", "", "", "", "", "", "", "");
        }
        table.Caption("stm32boot flash: the in-process link, whose host answers in no time (a lower bound for any real host). " +
                      "stm32flash: a process on the pty with the board paced by the wall clock (InteractiveSession); each of its three " +
                      "waits per 256-byte block adds the pty's and the process's latency and up to a millisecond until the board looks " +
                      "for host bytes again; its figures depend on this machine's load, the board being paced by the wall clock" +
                      (linkLatency.Count > 0 ? $" ({string.Join(", ", linkLatency)} per block more than stm32boot flash)." : ".") +
                      (atTargetSeconds is { } fast ? " " + FlashBound(fast, TargetSecondsBaud) : ""));
        rows.Add(table);
        rows.Add(BreakdownTable(at115200!, payload, Bauds[0]));
        rows.Add(SizeTable(outDir, firmwareDir, settings, map));
        return new Rows(rows);
    }

    /// What one `stm32boot flash` run took, in virtual time. Flash operations per kind: how many, their time, and
    /// the part of it with no byte on the line either way (what the host waits for).
    private sealed record Breakdown(ulong SessionPs, ulong WritePs, long WriteBytes, long HostBytes, long BoardBytes,
        IReadOnlyDictionary<FlashOperationKind, (int Count, ulong Ps, ulong ExposedPs)> FlashOperations, TimeSpan Wall);

    private sealed record PtyRun(ulong SessionPs, long Blocks, TimeSpan Wall);

    private static Breakdown Stm32bootFlash(MemoryImage bootloader, MemoryImage old, MemoryImage update, MemoryMap map, ushort productId, int baud)
    {
        using var board = InUpdateMode(bootloader, old);
        using var link = new VirtualUartStream(board, baud);
        var completed = new List<FlashOperation>();
        board.Peripherals.Flash.OperationCompleted += completed.Add;
        // Every frame on the line, either way, as its end time: a frame lasts framePs.
        var framePs = (ulong)(new UartFraming(baud, UartParity.Even).BitsPerByte * (double)Board.Second / baud);
        var frameEnds = new List<ulong>();
        board.Peripherals.Console.HostFrameEnded += _ => frameEnds.Add(board.NowPs);
        long boardBytes = 0;
        board.Peripherals.Console.Transmitted += _ =>
        {
            boardBytes++;
            frameEnds.Add(board.NowPs);
        };
        var phases = new PhaseClock(board);
        var plan = FlashPlan.Create(update, map, "256 KB image");
        var from = board.NowPs;
        var wall = Stopwatch.StartNew();

        UartFlasher.Flash(new An3155Client(link), plan, new FlashOptions(productId, Verify: false, Go: true), phases);

        wall.Stop();
        var sent = boardBytes;
        RequireBoot(board, from);
        var (syncAck, goAck) = Session(board, from);
        var writePs = phases.End[FlashPhase.Write] - phases.End[FlashPhase.Erase];
        frameEnds.Sort();
        var operations = completed.GroupBy(op => op.Kind).ToDictionary(g => g.Key, g => (
            g.Count(),
            g.Aggregate(0UL, (sum, op) => sum + (op.EndPs - op.StartPs)),
            g.Aggregate(0UL, (sum, op) => sum + (op.EndPs - op.StartPs) - LineBusyPs(frameEnds, framePs, op.StartPs, op.EndPs))));
        return new Breakdown(goAck - syncAck, writePs, plan.WriteBytes, link.BytesWritten, sent, operations, wall.Elapsed);
    }

    /// How much of [fromPs, toPs) some frame occupies; frames (sorted by end, framePs long) do not overlap, the line
    /// being half-duplex in AN3155 use and each direction sending one frame at a time.
    private static ulong LineBusyPs(List<ulong> frameEnds, ulong framePs, ulong fromPs, ulong toPs)
    {
        var i = frameEnds.BinarySearch(fromPs);
        if (i < 0) i = ~i;
        ulong busy = 0;
        for (; i < frameEnds.Count && frameEnds[i] - framePs < toPs; i++)
            busy += Math.Min(frameEnds[i], toPs) - Math.Max(frameEnds[i] - framePs, fromPs);
        return busy;
    }

    /// stm32flash -w FILE.bin -S header -g image over the pty; null when stm32flash is not installed.
    private static PtyRun? Stm32flash(MemoryImage bootloader, MemoryImage old, MemoryImage update, MemoryMap map, int baud, string outDir)
    {
        var bin = Path.Combine(outDir, "bench", $"uart-update-{ImageSize / 1024}k.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(bin)!);
        var bytes = update.Read(map.Header.Base, (int)(update.EndAddress - map.Header.Base), 0xFF);
        File.WriteAllBytes(bin, bytes);
        using var board = InUpdateMode(bootloader, old);
        board.Peripherals.Console.HostBaudRate = baud;
        using var pty = new PtyLink();
        var session = new InteractiveSession(board, pty);
        var from = board.NowPs;
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => session.Run(null, stop.Token));
        var wall = Stopwatch.StartNew();
        using var process = TryStart("stm32flash",
            ["-m", "8n1", "-b", $"{baud}", "-w", bin, "-S", $"0x{map.Header.Base:X8}", "-g", $"0x{map.Image.Base:X8}", pty.Path]);
        if (process is null)
        {
            stop.Cancel();
            running.Wait();
            return null;
        }
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        var exited = process.WaitForExit(TimeSpan.FromMinutes(5));
        if (!exited)
        {
            process.Kill();
            process.WaitForExit();
        }
        wall.Stop();
        stop.Cancel();
        running.Wait();
        if (!exited)
            throw new TimeoutException($"stm32flash at {baud} baud did not finish within 5 minutes:\n{output.Result}{errors.Result}");
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"stm32flash exited {process.ExitCode} at {baud} baud:\n{output.Result}{errors.Result}");
        RequireBoot(board, from);
        var (syncAck, goAck) = Session(board, from);
        return new PtyRun(goAck - syncAck, (bytes.Length + An3155.MaxBlockLength - 1) / An3155.MaxBlockLength, wall.Elapsed);
    }

    /// The program with its output captured; null when it is not installed.
    private static Process? TryStart(string program, string[] arguments)
    {
        try
        {
            return Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// What the flash alone takes at a baud rate, and why it bounds the update there: a page erase stalls every
    /// instruction fetch from bank 1 (the bootloader's code) for 22 ms, so no answer leaves meanwhile and the host can
    /// send at most the one data frame it was sending; the rest of the wire time cannot overlap the erase.
    private static string FlashBound(Breakdown run, int baud)
    {
        var erase = run.FlashOperations.GetValueOrDefault(FlashOperationKind.PageErase);
        var program = run.FlashOperations.GetValueOrDefault(FlashOperationKind.DoubleWordProgram);
        var flashPs = erase.Ps + program.Ps;
        var framePs = (ulong)(new UartFraming(baud, UartParity.Even).BitsPerByte * (double)Board.Second / baud);
        // Each erase overlaps at most one 258-byte data frame; every other byte of the session is on the wire apart.
        var wirePs = (ulong)(run.HostBytes + run.BoardBytes) * framePs;
        var boundPs = (ulong)erase.Count * (Flash.PageErasePs - Math.Min(Flash.PageErasePs, 258 * framePs)) + wirePs;
        return $"At {baud} Bd the flash operations alone take {Seconds(flashPs)} s ({erase.Count} page erases, {program.Count:N0} double-word " +
               $"programs, DS10969), and since each page erase stalls the core, erases and the wire add up to at least {Seconds(boundPs)} s " +
               "before the commit's image check.";
    }

    private static IRenderable BreakdownTable(Breakdown run, long payload, int baud)
    {
        var framing = new UartFraming(baud, UartParity.Even);
        ulong Wire(long bytes) => (ulong)(bytes * (double)framing.BitsPerByte / baud * Board.Second);
        var erase = run.FlashOperations.GetValueOrDefault(FlashOperationKind.PageErase);
        var program = run.FlashOperations.GetValueOrDefault(FlashOperationKind.DoubleWordProgram);
        string Hidden((int Count, ulong Ps, ulong ExposedPs) op) => $"{Seconds(op.Ps - op.ExposedPs)} s more hidden behind bytes on the line";
        var parts = new (string What, ulong Ps)[]
        {
            ($"payload on the wire ({payload:N0} bytes)", Wire(payload)),
            ($"protocol bytes on the wire ({run.HostBytes - payload:N0} from the host: commands, addresses, lengths, checksums; {run.BoardBytes:N0} ACKs and answers)",
                Wire(run.HostBytes - payload + run.BoardBytes)),
            ($"page erases the host waits for ({erase.Count} × {erase.Ps / (double)Math.Max(1, erase.Count) / (double)Board.Millisecond:F2} ms; {Hidden(erase)})", erase.ExposedPs),
            ($"double-word programs the host waits for ({program.Count:N0} × {program.Ps / (double)Math.Max(1, program.Count) / (double)Board.Microsecond:F2} µs; {Hidden(program)})", program.ExposedPs),
        };
        var rest = run.SessionPs - parts.Aggregate(0UL, (sum, p) => sum + p.Ps);
        var table = new Table().Title($"where the {baud} baud update time goes (stm32boot flash, {framing})")
            .AddColumn("part").AddColumn(new TableColumn("s").RightAligned()).AddColumn(new TableColumn("% of update").RightAligned());
        foreach (var (what, ps) in parts.Append(("firmware processing, the commit's image check before the last block's ACK, and host turnarounds (the rest)", rest)))
            table.AddRow(Markup.Escape(what), Seconds(ps), Percent(ps / (double)run.SessionPs));
        var reached = Wire(payload) / (double)run.SessionPs;
        table.Caption(reached * 100 >= TargetPercent
            ? $"[green]{reached * 100:F2} % of the wire rate: the {TargetPercent} % goal is met.[/]"
            : $"[yellow]{reached * 100:F2} % of the wire rate, below the {TargetPercent} % goal: every part but the payload counts against it.[/]");
        return table;
    }

    private static IRenderable SizeTable(string outDir, string firmwareDir, BuildSettings settings, MemoryMap map)
    {
        var elf = ElfImage.Load(Path.Combine(outDir, "bootloader.elf")).Memory.Slice(map.Bootloader).ByteCount;
        var objects = FlashBytesPerObject(Path.Combine(firmwareDir, "bootloader.map"), map.Bootloader);
        var uart = objects.Where(o => UartObjects.Contains(Path.GetFileName(o.Key))).Sum(o => o.Value);
        var table = new Table().Title($"bootloader size with the UART protocol ({settings.BuildType})")
            .AddColumn("part").AddColumn(new TableColumn("flash bytes").RightAligned()).AddColumn(new TableColumn("% of region").RightAligned());
        table.AddRow("bootloader", $"{elf:N0}", Percent(elf / (double)map.Bootloader.Size));
        var path = Markup.Escape($"UART update path ({string.Join(", ", UartObjects.Select(o => o.Replace(".c.obj", ".c")))})");
        // Link-time optimisation compiles the whole image as one unit: the map then names no object's sections.
        if (objects.Count == 0)
            table.AddRow(path, "n/a", "").Caption("The link map attributes no section to an object file: link-time optimisation " +
                                                  "merged them (the Debug build keeps one object per source).");
        else
            table.AddRow(path, $"{uart:N0}", Percent(uart / (double)map.Bootloader.Size));
        return table;
    }

    /// Input-section bytes per object file inside the region, from a GNU ld link map.
    private static Dictionary<string, long> FlashBytesPerObject(string mapFile, MemoryRegion region)
    {
        var sizes = new Dictionary<string, long>();
        foreach (Match m in Regex.Matches(File.ReadAllText(mapFile), @"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+\.obj)\s*$", RegexOptions.Multiline))
        {
            var address = Convert.ToUInt64(m.Groups[1].Value, 16);
            if (address < region.Base || address >= region.End) continue;
            sizes[m.Groups[3].Value] = sizes.GetValueOrDefault(m.Groups[3].Value) + Convert.ToInt64(m.Groups[2].Value, 16);
        }
        return sizes;
    }

    /// Bootloader + old application in flash, B1 held at power-on: update mode with a valid application in flash.
    private static Board InUpdateMode(MemoryImage bootloader, MemoryImage application)
    {
        var board = new Board();
        foreach (var image in new[] { bootloader, application })
            foreach (var segment in image.Segments) board.Machine.LoadFlash(segment.Address, segment.Data);
        HoldInUpdateMode(board);
        return board;
    }

    /// B1 held at a power-on, released once the bootloader said it stays in update mode.
    internal static void HoldInUpdateMode(Board board)
    {
        var from = board.Uart.Lines.Count;
        board.PressButton();
        board.PowerOn();
        board.RunUntilLine("^stay: ", 3 * Board.Second, from);
        board.ReleaseButton();
    }

    private static void RequireBoot(Board board, ulong fromPs)
    {
        var from = board.Uart.Lines.Count(l => l.EndPs <= fromPs);
        var verdict = board.RunUntilLine("^(boot|stay): ", 3 * Board.Second, from).Text;
        if (!verdict.StartsWith($"boot: application {New} ", StringComparison.Ordinal))
            throw new InvalidOperationException($"after the update the bootloader said '{verdict}' instead of booting {New}.");
    }

    /// From the bootloader's first byte after fromPs (the ACK to the sync byte) to its last one before Go's reset
    /// (Go's ACK): the protocol session, without the host program's start-up.
    private static (ulong SyncAck, ulong GoAck) Session(Board board, ulong fromPs)
    {
        var reset = board.Machine.Resets.First(r => r.AtPs > fromPs).AtPs;
        var bytes = board.Uart.Bytes.Where(b => b.AtPs > fromPs && b.AtPs <= reset).ToList();
        return (bytes[0].AtPs, bytes[^1].AtPs);
    }

    private static string Seconds(ulong ps) => $"{ps / (double)Board.Second:F2}";
    private static string Percent(double fraction) => $"{fraction * 100:F1} %";

    /// Virtual time at the last progress report of each phase (reports come on the flashing thread).
    private sealed class PhaseClock(Board board) : IProgress<FlashProgress>
    {
        public Dictionary<FlashPhase, ulong> End { get; } = new();
        public void Report(FlashProgress value) => End[value.Phase] = board.NowPs;
    }
}
