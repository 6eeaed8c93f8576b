// SlotMode swap (out/variants/swap, docs/design.md §10): how long the bootloader takes to install an update and to
// revert one, and what a swap costs the flash in wear.
//
// Time: boards prepared directly in flash, as the flash writer leaves them (swap.md): an old image of the same size,
// confirmed, in the primary slot and the new one in the secondary slot with its trial marker (the install request);
// for the revert, the new image in the primary slot in trial with its BootAttempts starts used up and the old one,
// confirmed, where the install left it (the previous slot). From power-on to the bootloader's "swap: install|revert
// done" line and to the application's banner, in virtual time, beside the flash-operation bound: the page erases and
// double-word programs the operation needs (bootloader/core/slot_swap.h: one erase per step and per status-area page,
// every double word of a copied page that is not erased, the descriptor and one record per step), at the durations
// the flash model gives them (Flash.PageErasePs, Flash.DoubleWordProgramPs: DS10969 §6.3.10 typical values). No swap
// can take less; the ratio says what the rest of the bootloader adds.
//
// Wear: the page erases per page (the flash model's OperationCompleted) over whole update cycles through the
// bootloader's UART: swap mode with an update that confirms (upload into the secondary slot, install), swap mode
// with one that never confirms (upload, install, BootAttempts starts, revert), and single mode (upload into the
// slot), each per update, by region, against the datasheet's endurance.
using System.Diagnostics;
using System.Text.RegularExpressions;
using Spectre.Console;
using Spectre.Console.Rendering;
using Stm32Boot.Uart;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Hosting;
using Stm32Boot.VirtualBoard.Peripherals;

namespace Stm32Boot.Bench;

internal static class SwapBench
{
    private static readonly FirmwareVersion Old = new(1, 0, 0, 1), New = new(2, 0, 0, 0), Newer = new(3, 0, 0, 0);

    /// DS10969 §6.3.10, table "Flash memory endurance and data retention": NEND, 10 kcycles minimum over
    /// TA = -40 to +105 °C (a cycle being one erase of the page and its programming).
    private const int EnduranceCycles = 10_000;

    /// The image size of the wear runs: the UART bench's, so the single-mode figure is that bench's update.
    private const uint WearImageSize = 256 * 1024;

    /// Update cycles per wear run: the status areas take turns (ping-pong), so two cycles see each of them erased.
    private const int WearCycles = 2;

    private const int UploadBaud = 921600;

    public static IRenderable Run(string outDir)
    {
        var variantDir = Path.Combine(outDir, "variants", "swap");
        if (!File.Exists(Path.Combine(variantDir, "firmware", "bootloader.hex")))
            return new Markup($"[yellow]swap: skipped, {Markup.Escape(variantDir)} has no firmware (./build.sh --target=Variants builds it).[/]\n");
        var swap = Variant.Load(Path.Combine(variantDir, "settings.json"), Path.Combine(variantDir, "firmware"));
        var shipped = Path.Combine(outDir, "settings.effective.json");
        var single = Variant.Load(shipped, Path.Combine(outDir, "firmware", BuildSettings.Load(shipped).BuildType.ToString().ToLowerInvariant()));
        return new Rows(TimeTable(swap), WearTable(swap, single));
    }

    /// A build's settings, bootloader and application ELF (for images stamped and signed as the build signs them).
    private sealed record Variant(BuildSettings Settings, MemoryImage Bootloader, string ApplicationElf, ImageSigning? Signing)
    {
        public MemoryMap Map => Settings.MemoryMap;
        public ushort ProductId => (ushort)(Settings.BoardId >> 16);

        public static Variant Load(string settingsPath, string firmwareDir)
        {
            var settings = BuildSettings.Load(settingsPath);
            return new Variant(settings, IntelHexReader.ReadFile(Path.Combine(firmwareDir, "bootloader.hex")).Image,
                Path.Combine(firmwareDir, "application.elf"), BenchSigning.Load(settings));
        }

        /// The demo application stamped as version, padded to size and signed.
        public MemoryImage Application(FirmwareVersion version, uint size) =>
            PaddedImage.Create(Stamper.Stamp(ApplicationElf, Settings, version, Signing).Image, Map, size, Signing);
    }

    // ---------------------------------------------------------------- time

    private static IRenderable TimeTable(Variant swap)
    {
        var map = swap.Map;
        var table = new Table().Title($"swap and revert time (out/variants/swap, {swap.Settings.BuildType}; from power-on, virtual time)")
            .AddColumn(new TableColumn("operation").NoWrap()).AddColumn(new TableColumn("erases").RightAligned())
            .AddColumn(new TableColumn("programs").RightAligned()).AddColumn(new TableColumn("bound s").RightAligned())
            .AddColumn(new TableColumn("before s").RightAligned()).AddColumn(new TableColumn("done s").RightAligned())
            .AddColumn(new TableColumn("× bound").RightAligned()).AddColumn(new TableColumn("banner s").RightAligned());
        var inSwap = new List<string>();
        var wall = Stopwatch.StartNew();
        foreach (var size in new uint[] { 64 * 1024, 256 * 1024, map.Image.Size })
        {
            var old = swap.Application(Old, size);
            var update = swap.Application(New, size);
            foreach (var run in new[] { Install(swap, old, update), Revert(swap, old, update) })
            {
                var erases = run.Erases == run.Bound.Erases ? $"{run.Erases:N0}" : $"[yellow]{run.Erases:N0} (needs {run.Bound.Erases:N0})[/]";
                var programs = run.Programs == run.Bound.Programs ? $"{run.Programs:N0}" : $"[yellow]{run.Programs:N0} (needs {run.Bound.Programs:N0})[/]";
                table.AddRow($"{run.Operation} {size / 1024} KB", erases, programs, Seconds(run.Bound.Ps), Seconds(run.BeforePs),
                    Seconds(run.DonePs), $"{run.DonePs / (double)run.Bound.Ps:F2}", Seconds(run.BannerPs));
                inSwap.Add($"{Seconds(run.DonePs - run.BeforePs - run.FlashPs)} s ({run.Operation} {size / 1024} KB, {run.Bound.Pages} pages)");
            }
        }
        wall.Stop();
        table.Caption(
            $"{map.Image.Size / 1024} KB: MM_IMAGE_SIZE, the largest image the primary slot holds. Old and new image of the same size, both signed. " +
            $"Bound: the flash-operation bound, page erases × {Flash.PageErasePs / (double)Board.Millisecond:F2} ms + double-word programs × {Flash.DoubleWordProgramPs / (double)Board.Microsecond:F2} µs " +
            "(the flash model's DS10969 §6.3.10 typical durations) for what the operation cannot do without: one erase per step (2 per page for an " +
            "install, 1 for a revert) and per status-area page, every double word of a copied page that is not erased, the status descriptor and " +
            "one record per step. Erases, programs: the page erases and double-word programs the flash model saw from power-on to the done line " +
            "(yellow where they differ from the bound's). Before: power-on to the \"swap: installing\" / \"revert:\" line (start-up and the image checks: CRCs, and " +
            "the signature of the image to install or to go back to). Swap time outside flash operations (page copies into RAM, compares, status reads, console lines): " +
            $"{string.Join(", ", inSwap)}. Done: power-on to the \"swap: install|revert done\" line; × bound: done / bound. Banner: to the application's \"L475 application\" line (the new image after an install, the old one " +
            $"after a revert). Wall time for the table: {wall.Elapsed.TotalSeconds:F0} s.");
        return table;
    }

    /// The flash work an operation cannot do without, from the flash as it is before power-on.
    private sealed record Bound(uint Pages, long Erases, long Programs)
    {
        public ulong Ps => (ulong)Erases * Flash.PageErasePs + (ulong)Programs * Flash.DoubleWordProgramPs;
    }

    private sealed record TimedRun(string Operation, Bound Bound, long Erases, long Programs, ulong FlashPs,
        ulong BeforePs, ulong DonePs, ulong BannerPs);

    /// Old image confirmed in the primary slot, the update in the secondary one with the trial marker: what the flash
    /// writer leaves after a commit through the slot port (marker, then header).
    private static TimedRun Install(Variant swap, MemoryImage old, MemoryImage update)
    {
        var map = swap.Map;
        using var board = new Board();
        Load(board, swap.Bootloader, 0);
        Load(board, old, 0);
        Load(board, update, map.Secondary!.Base - map.Slot.Base);
        board.Machine.LoadFlash(map.Secondary.Base + BootState.Offset, BitConverter.GetBytes(BootState.TrialMagic));

        // slot_swap.h INSTALL: n = the larger image's pages; steps 2i (PRIMARY[i] -> PREVIOUS[i]) and 2i + 1
        // (SECONDARY[i] -> PRIMARY[i]), each an erase and the copy's programs.
        var pages = Math.Max(ImagePages(old, map), ImagePages(update, map));
        long programs = 0;
        for (var i = 0u; i < pages; i++)
            programs += ProgrammedDoubleWords(board, map.Slot.Base + i * map.PageSize) + ProgrammedDoubleWords(board, map.Secondary.Base + i * map.PageSize);
        var bound = WithStatus(map, pages, 2 * pages, programs);
        return Time(board, "install", bound, "^swap: installing ", "^swap: install done in ", New);
    }

    /// The update in the primary slot in trial with its BootAttempts starts marked and not confirmed, the old image
    /// confirmed in the previous slot: what an install leaves once the new image has failed BootAttempts times.
    private static TimedRun Revert(Variant swap, MemoryImage old, MemoryImage update)
    {
        var map = swap.Map;
        using var board = new Board();
        Load(board, swap.Bootloader, 0);
        Load(board, update, 0);
        Load(board, old, map.Previous!.Base - map.Slot.Base);
        var state = map.Slot.Base + BootState.Offset;
        board.Machine.LoadFlash(state + BootState.TrialSlot * BootState.DoubleWord, BitConverter.GetBytes(BootState.TrialMagic));
        for (var k = 0; k < swap.Settings.BootAttempts; k++)
            board.Machine.LoadFlash(state + (uint)(BootState.FirstStart + k) * BootState.DoubleWord, BitConverter.GetBytes(BootState.StartMagic));

        // slot_swap.h REVERT: n = the previous image's pages; step i copies PREVIOUS[i] -> PRIMARY[i].
        var pages = ImagePages(old, map);
        long programs = 0;
        for (var i = 0u; i < pages; i++)
            programs += ProgrammedDoubleWords(board, map.Previous.Base + i * map.PageSize);
        var bound = WithStatus(map, pages, pages, programs);
        return Time(board, "revert", bound, "^revert: ", "^swap: revert done in ", Old);
    }

    /// The copies' work plus the status area's: the other area erased page by page, the descriptor's four double
    /// words and one record per step (slot_swap.h "Status areas").
    private static Bound WithStatus(MemoryMap map, uint pages, uint steps, long copyPrograms) =>
        new(pages, steps + map.SwapStatusAreaSize / map.PageSize,
            copyPrograms + MemoryMap.SwapStatusDescriptorDoubleWords + steps);

    private static TimedRun Time(Board board, string operation, Bound bound, string startLine, string doneLine, FirmwareVersion runs)
    {
        var operations = new List<FlashOperation>();
        board.Peripherals.Flash.OperationCompleted += operations.Add;
        board.PowerOn();
        var on = board.Machine.Resets[^1].AtPs;
        var start = board.RunUntilLine(startLine, 5 * Board.Second);
        var done = board.RunUntilLine(doneLine, 120 * Board.Second);
        var verdict = board.RunUntilLine("^(boot|stay): ", 5 * Board.Second, board.Uart.Lines.Count - 1);
        if (!verdict.Text.StartsWith($"boot: application {runs} ", StringComparison.Ordinal))
            throw new InvalidOperationException($"after the {operation} the bootloader said '{verdict.Text}' instead of booting {runs}.");
        var banner = board.RunUntilLine(ApplicationBanner(runs), Board.Second, board.Uart.Lines.Count - 1);
        var during = operations.Where(op => op.StartPs >= start.EndPs && op.EndPs <= done.StartPs).ToList();
        var inWindow = operations.Where(op => op.StartPs >= on && op.EndPs <= done.StartPs).ToList();
        return new TimedRun(operation, bound,
            inWindow.Count(op => op.Kind == FlashOperationKind.PageErase),
            inWindow.Count(op => op.Kind == FlashOperationKind.DoubleWordProgram),
            during.Aggregate(0UL, (sum, op) => sum + (op.EndPs - op.StartPs)),
            start.EndPs - on, done.EndPs - on, banner.EndPs - on);
    }

    private static void Load(Board board, MemoryImage image, uint offset)
    {
        foreach (var segment in image.Segments) board.Machine.LoadFlash(segment.Address + offset, segment.Data);
    }

    /// slot_swap_image_pages(): the header page and the image's pages.
    private static uint ImagePages(MemoryImage image, MemoryMap map)
    {
        var header = ImageHeader.Parse(image.Read(map.Header.Base, ImageHeader.Size, 0xFF));
        return 1 + (header.ImageSize + map.PageSize - 1) / map.PageSize;
    }

    /// The double words of the page at address that are not erased: what copying the page programs.
    private static long ProgrammedDoubleWords(Board board, uint address)
    {
        var flash = board.Machine.Flash;
        var offset = (int)(address - Flash.ArrayBase);
        long count = 0;
        for (var dw = 0; dw < Flash.PageSize; dw += (int)MemoryMap.FlashDoubleWord)
            if (flash.AsSpan(offset + dw, (int)MemoryMap.FlashDoubleWord).ContainsAnyExcept((byte)0xFF)) count++;
        return count;
    }

    // ---------------------------------------------------------------- wear

    private static IRenderable WearTable(Variant swap, Variant single)
    {
        var table = new Table().Title($"flash wear per update ({WearImageSize / 1024} KB images over the bootloader's UART at {UploadBaud} baud, page erases, {WearCycles} updates averaged)")
            .AddColumn("mode, cycle").AddColumn("region").AddColumn(new TableColumn("pages erased").RightAligned())
            .AddColumn(new TableColumn("max / page / update").RightAligned()).AddColumn(new TableColumn("typical").RightAligned())
            .AddColumn(new TableColumn($"updates to {EnduranceCycles / 1000} kcycles").RightAligned());
        var runs = new (string Name, Variant Variant, FirmwareVersion[] Versions, Action<Board, Variant, FirmwareVersion, MemoryImage> Cycle)[]
        {
            ("single, update", single, [New, Newer], UpdateSingle),
            ("swap, update confirmed", swap, [New, Newer], UpdateAndConfirm),
            // Reverted, the old image is back: the same update can be tried again.
            ("swap, update reverted", swap, [New, New], UpdateAndRevert),
        };
        var worst = new List<string>();
        var wall = Stopwatch.StartNew();
        foreach (var (name, variant, versions, cycle) in runs)
        {
            var map = variant.Map;
            using var board = new Board();
            Load(board, variant.Bootloader, 0);
            // The image an update replaces is as large as the update: what a revert puts back covers the same pages.
            Load(board, variant.Application(Old, WearImageSize), 0);
            board.PowerOn();
            board.RunUntilLine(ApplicationBanner(Old), 2 * Board.Second);
            var erases = new Dictionary<uint, int>();
            board.Peripherals.Flash.OperationCompleted += op =>
            {
                if (op.Kind is not (FlashOperationKind.PageErase or FlashOperationKind.MassErase)) return;
                for (var page = op.Address; page < op.Address + op.Length; page += Flash.PageSize)
                    erases[page] = erases.GetValueOrDefault(page) + 1;
            };
            foreach (var version in versions)
                cycle(board, variant, version, variant.Application(version, WearImageSize));

            var regions = new List<MemoryRegion> { map.Slot };
            if (map.SlotMode == SlotMode.Swap)
                regions.AddRange([new MemoryRegion("previous / secondary", map.Previous!.Base, (uint)(map.Secondary!.End - map.Previous.Base)), .. map.SwapStatusAreas]);
            var rows = regions.Select(r => (r.Name, Pages: r.Size / map.PageSize, Counts: erases.Where(e => r.Contains(e.Key)).Select(e => e.Value).ToList())).ToList();
            // Erases outside the regions a swap or an update writes would be a finding of their own: shown when there are any.
            var elsewhere = erases.Where(e => !regions.Any(r => r.Contains(e.Key))).Select(e => e.Value).ToList();
            if (elsewhere.Count > 0) rows.Add(("[red]elsewhere[/]", map.Flash.Size / map.PageSize, elsewhere));
            for (var i = 0; i < rows.Count; i++)
            {
                var counts = rows[i].Counts.Order().ToList();
                var max = counts.Count == 0 ? 0 : counts[^1] / (double)WearCycles;
                var typical = counts.Count == 0 ? 0 : counts[counts.Count / 2] / (double)WearCycles;
                table.AddRow(i == 0 ? name : "", rows[i].Name, $"{counts.Count} of {rows[i].Pages}", Cycles(max), Cycles(typical),
                    max == 0 ? "no wear" : $"{Math.Floor(EnduranceCycles / max):N0}");
            }
            var most = erases.Values.Max() / (double)WearCycles;
            worst.Add($"{name} {Math.Floor(EnduranceCycles / most):N0}");
        }
        table.Caption(
            "Max: the region's most erased page, per update; typical: the median over the region's pages the updates erased. " +
            $"Endurance: DS10969 §6.3.10, table \"Flash memory endurance and data retention\", NEND {EnduranceCycles / 1000} kcycles minimum (TA -40 to +105 °C); " +
            $"updates until the most worn page reaches it: {string.Join(", ", worst)}. " +
            "The update that never confirms loses the power right after each of its BootAttempts starts (as an image that dies before it confirms); " +
            $"the confirmation and the start marks are programs into the header page, no erases. Wall time for the table: {wall.Elapsed.TotalSeconds:F0} s.");
        return table;
    }

    private static string ApplicationBanner(FirmwareVersion version) => $"^L475 application {Regex.Escape(version.ToString())}$";

    /// Update mode (B1 held at a power-on), the image over the UART and Go: stm32boot flash's work.
    private static int Upload(Board board, Variant variant, MemoryImage image)
    {
        UartUpdateBench.HoldInUpdateMode(board);
        var from = board.Uart.Lines.Count;
        using var link = new VirtualUartStream(board, UploadBaud);
        UartFlasher.Flash(new An3155Client(link), FlashPlan.Create(image, variant.Map, "update image"),
            new FlashOptions(variant.ProductId, Verify: false, Go: true));
        return from;
    }

    /// Single mode: Go resets into the new image.
    private static void UpdateSingle(Board board, Variant variant, FirmwareVersion version, MemoryImage image)
    {
        var from = Upload(board, variant, image);
        board.RunUntilLine(ApplicationBanner(version), 2 * Board.Second, from);
    }

    /// Swap mode: Go resets into the install; the new image starts in trial and confirms (the demo application does
    /// in its first start).
    private static void UpdateAndConfirm(Board board, Variant variant, FirmwareVersion version, MemoryImage image)
    {
        var from = Upload(board, variant, image);
        var done = board.RunUntilLine("^swap: install done in ", 60 * Board.Second, from);
        board.RunUntilLine("^confirm: confirmed now$", 2 * Board.Second, Index(board, done));
    }

    /// Swap mode: the install, then BootAttempts starts the new image never gets to confirm in, then the revert.
    private static void UpdateAndRevert(Board board, Variant variant, FirmwareVersion version, MemoryImage image)
    {
        var from = Upload(board, variant, image);
        from = Index(board, board.RunUntilLine("^swap: install done in ", 60 * Board.Second, from));
        for (var start = 1; start <= variant.Settings.BootAttempts; start++)
        {
            // The start mark is programmed before the verdict line (bootloader/src/main.c): the start counts, and
            // the power goes before the image can confirm.
            board.RunUntilLine($"^boot: application {Regex.Escape(version.ToString())} ", 2 * Board.Second, from);
            from = board.Uart.Lines.Count;
            board.PowerOn();
        }
        var revert = board.RunUntilLine("^swap: revert done in ", 60 * Board.Second, from);
        board.RunUntilLine(ApplicationBanner(Old), 2 * Board.Second, Index(board, revert));
    }

    private static int Index(Board board, UartLine line)
    {
        for (var i = board.Uart.Lines.Count - 1; i >= 0; i--)
            if (ReferenceEquals(board.Uart.Lines[i], line)) return i;
        throw new InvalidOperationException("line not in transcript");
    }

    private static string Cycles(double perUpdate) => perUpdate == Math.Floor(perUpdate) ? $"{perUpdate:F0}" : $"{perUpdate:0.##}";
    private static string Seconds(ulong ps) => $"{ps / (double)Board.Second:F2}";
}
