using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Peripherals;
using Xunit;
using Xunit.Abstractions;
using static Stm32Boot.EndToEnd.Tests.SwapBoards;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// Power cuts during the swap (docs/design.md §10.3, bootloader/core/slot_swap.h) on the swap variant: the board is
/// prepared once (an install requested by a UART update, or an image in trial whose starts are used up with the old
/// one in the previous slot), then each cut point powers a copy of that flash on and cuts the power right after the
/// N-th flash operation of the boot. At the cut the status areas must read as at most one operation in progress whose
/// steps done are the copies in place, every later step's source intact; after the power comes back the board must
/// resume (or begin) the operation, end with the image it was heading for whole in the primary slot (every
/// acceptance check, CRC included), running and reporting its version, and the newest status record finished.
/// Each cut point runs on its own board, so the points spread over every core.
/// </summary>
public partial class SwapPowerCutTests(ITestOutputHelper output)
{
    private const int Baud = 921600;
    private const uint SmallImageSize = 64 * 1024, LargeImageSize = 256 * 1024;
    private const int Seed = 475;

    /// <summary>
    /// BOOT_SWAP_POWER_CUTS asks for more than the default slice (<see cref="Slice"/>, which keeps this class's share of
    /// the Test run near a minute on two cores): "all" cuts after every flash operation of the 64 KB install and revert
    /// (16564 and 8285 operations, 0.6 to 1.4 s of one core each) and at <see cref="LargePoints"/> random points of the
    /// 256 KB install (about 3 s each); "FIRST-LAST" after every operation numbered FIRST to LAST of each campaign (a
    /// share of "all", e.g. for several runs).
    /// </summary>
    private static readonly (long First, long Last)? Requested = ParseRequested(Environment.GetEnvironmentVariable("BOOT_SWAP_POWER_CUTS"));

    private static (long, long)? ParseRequested(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (text == "all") return (1, long.MaxValue);
        var parts = text.Split('-');
        if (parts.Length == 2 && long.TryParse(parts[0], out var first) && long.TryParse(parts[1], out var last) && first >= 1 && last >= first)
            return (first, last);
        throw new ArgumentException($"BOOT_SWAP_POWER_CUTS='{text}': set it to 'all' (a cut after every flash operation), to " +
                                    "'FIRST-LAST' (after each of those operations, counted from 1), or unset it for the default slice.");
    }

    /// <summary>The cut points asked for, else the default's.</summary>
    private static List<long> Cuts(ReferenceRun reference, Func<List<long>> byDefault) => Requested is var (first, last)
        ? Enumerable.Range(1, reference.Operations.Count).Select(n => (long)n).Where(n => n >= first && n <= last).ToList()
        : byDefault();

    /// <summary>Random cut points of the 256 KB install: with "all", and by default (about 3 s of one core each).</summary>
    private const int LargePoints = 200, DefaultLargePoints = 12;
    /// <summary>The default slice's evenly spread points (<see cref="Slice"/>).</summary>
    private const int SliceStrideOperations = 20;

    [Fact]
    public void A_cut_after_any_flash_operation_of_a_64_KB_install_resumes_it_and_the_new_image_runs()
    {
        var start = InstallPending(UpdateImages.Padded(Old, SmallImageSize, Build), UpdateImages.Padded(New, SmallImageSize, Build));
        var reference = Reference(start);
        var cuts = Cuts(reference, () => Slice(reference));

        var outcomes = Campaign(start, cuts);

        Report("64 KB install", reference, outcomes);
    }

    [Fact]
    public void A_cut_after_any_flash_operation_of_the_revert_of_a_64_KB_image_resumes_it_and_the_old_image_runs()
    {
        var start = RevertPending(UpdateImages.Padded(Old, SmallImageSize, Build),
            SyntheticApplications.With(New, SmallImageSize, SyntheticApplications.SleepForever, Build));
        var reference = Reference(start);
        var cuts = Cuts(reference, () => Slice(reference));

        var outcomes = Campaign(start, cuts);

        Report("revert of a 64 KB image", reference, outcomes);
    }

    [Fact]
    public void Cuts_at_random_points_of_a_256_KB_install_resume_it_and_the_new_image_runs()
    {
        var start = InstallPending(UpdateImages.Padded(Old, LargeImageSize, Build), UpdateImages.Padded(New, LargeImageSize, Build));
        var reference = Reference(start);
        var total = reference.Operations.Count;
        // "all" draws LargePoints random points here, not every one of the 66100 operations (about two days of one core).
        var cuts = Requested == (1, long.MaxValue) ? RandomPoints(total, LargePoints) : Cuts(reference, () => RandomPoints(total, DefaultLargePoints));

        var outcomes = Campaign(start, cuts);

        Report($"256 KB install (seed {Seed})", reference, outcomes);
    }

    /// <summary>Distinct operation numbers drawn with the fixed seed: a smaller count draws the first of a larger one's.</summary>
    private static List<long> RandomPoints(long total, int count)
    {
        var random = new Random(Seed);
        var points = new List<long>();
        while (points.Count < count)
        {
            var n = random.NextInt64(1, total + 1);
            if (!points.Contains(n)) points.Add(n);
        }
        return points;
    }

    /// <summary>The flash a board starts a campaign from, and what the campaign's operation must end with.</summary>
    private sealed record Start(Snapshot Snapshot, SwapKind Kind, uint Sequence, uint Pages, FirmwareVersion Ends, FirmwareVersion From);

    /// <summary>The old image as a programmer wrote it, the new one written into the secondary slot by a UART update
    /// (stm32boot flash, no Go): the install requested, the flash as the writer leaves it.</summary>
    private static Start InstallPending(MemoryImage old, MemoryImage update)
    {
        using var session = UpdateSession.Start(Build.With(old), Baud, Build);
        Assert.Empty(session.Flash(update, verify: false, go: false).Mismatches);
        Assert.True(session.Board.Inspect().Secondary().Pending);
        return new Start(Snapshot.Of(session.Board), SwapKind.Install, 1, InstallPages(update, old), New, Old);
    }

    /// <summary>An image that never confirms installed over the old one and started BootAttempts times: the next
    /// power-up reverts.</summary>
    private static Start RevertPending(MemoryImage old, MemoryImage neverConfirms)
    {
        using var session = UpdateSession.Start(Build.With(old), Baud, Build);
        var board = session.Board;
        Assert.Empty(session.Flash(neverConfirms, verify: false, go: false).Mismatches);
        for (var start = 1u; start <= Attempts; start++)
        {
            board.PowerOn();
            Assert.Contains(Trial(start), board.NextBoot());
        }
        board.RunFor(10 * Board.Millisecond);
        var slots = board.Inspect();
        Assert.Equal(((int)Attempts, true), (slots.Primary().BootState.Starts, slots.Primary().BootState.Trial));
        return new Start(Snapshot.Of(board), SwapKind.Revert, 2, Pages(old), Old, New);
    }

    /// <summary>The uncut boot: its flash operations up to the boot verdict (the cut points), its lines, its time.</summary>
    private sealed record ReferenceRun(IReadOnlyList<FlashOperation> Operations, IReadOnlyList<string> Boot, TimeSpan Elapsed);

    private static ReferenceRun Reference(Start start)
    {
        var watch = Stopwatch.StartNew();
        using var board = start.Snapshot.Load();
        var operations = new List<FlashOperation>();
        board.Peripherals.Flash.OperationCompleted += operations.Add;
        board.PowerOn();
        var boot = board.NextBoot(0);
        var count = operations.Count;
        board.RunUntilApplication(start.Ends);
        watch.Stop();
        Assert.Equal(start.Kind == SwapKind.Install ? Installing(New, Old, start.Pages) : Reverting(New, Old), boot.First(IsSlotLine));
        Assert.Equal(Boots(start.Ends), boot[^1]);
        return new ReferenceRun(operations.Take(count).ToList(), boot, watch.Elapsed);
    }

    /// <summary>
    /// Cut points (1-based operation numbers) of the default slice: every operation that begins the record (the other
    /// area's erases, the descriptor's double words); for every step, its page erase, the first and the last double word
    /// of its copy and its record (the operations after which what a resume finds changes: a cut between two double
    /// words of one copy leaves what a cut after its first one leaves, a page part-written and the step unrecorded);
    /// every <see cref="SliceStrideOperations"/>-th operation besides; and the last one before the verdict.
    /// </summary>
    private static List<long> Slice(ReferenceRun reference)
    {
        var ops = reference.Operations;
        var status = Map.SwapStatus!;
        bool IsStatus(FlashOperation op) => op.Address >= status.Base && op.Address < status.End;
        // A step begins with its destination's erase; its record is the double word after the descriptor's in the area.
        bool IsRecord(FlashOperation op) => IsStatus(op) && op.Kind == FlashOperationKind.DoubleWordProgram &&
                                            (op.Address - status.Base) % Map.SwapStatusAreaSize >= SwapStatus.DescriptorSize;
        var stepOf = new int[ops.Count];
        for (int i = 0, step = -1; i < ops.Count; i++)
            stepOf[i] = step += ops[i].Kind == FlashOperationKind.PageErase && !IsStatus(ops[i]) ? 1 : 0;
        var stride = Math.Max(1, ops.Count / SliceStrideOperations);
        var cuts = new SortedSet<long>();
        for (var i = 0; i < ops.Count; i++)
        {
            var begin = stepOf[i] < 0 && IsStatus(ops[i]);
            var boundary = stepOf[i] >= 0 && (ops[i].Kind == FlashOperationKind.PageErase || IsRecord(ops[i]) ||
                                              ops[i - 1].Kind == FlashOperationKind.PageErase || i + 1 < ops.Count && IsRecord(ops[i + 1]));
            if (begin || boundary || i % stride == stride - 1 || i == ops.Count - 1) cuts.Add(i + 1);
        }
        return cuts.ToList();
    }

    private IReadOnlyList<Outcome> Campaign(Start start, IReadOnlyList<long> cuts)
    {
        var watch = Stopwatch.StartNew();
        var outcomes = new ConcurrentBag<Outcome>();
        Parallel.ForEach(cuts, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, n =>
        {
            Outcome outcome;
            try { outcome = CutAndPowerUp(start, n); }
            catch (Exception e) { outcome = new Outcome(n, "", $"{e.GetType().Name}: {e.Message}"); }
            outcomes.Add(outcome);
        });
        watch.Stop();
        output.WriteLine($"{cuts.Count} cut points in {watch.Elapsed.TotalSeconds:F1} s on {Environment.ProcessorCount} cores " +
                         $"({watch.Elapsed.TotalSeconds * Environment.ProcessorCount / Math.Max(1, cuts.Count):F2} s of one core per cut)");
        var sorted = outcomes.OrderBy(o => o.CutAfter).ToList();
        var failures = sorted.Where(o => o.Failure is not null).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {sorted.Count} cut points failed, e.g.:\n" +
            string.Join("\n", failures.Take(5).Select(f => $"cut after operation {f.CutAfter}: {f.Failure}")));
        Assert.Equal(cuts.Count, sorted.Count);
        return sorted;
    }

    private static Outcome CutAndPowerUp(Start start, long n)
    {
        using var board = start.Snapshot.Load();
        byte[]? atCut = null;
        board.Peripherals.Flash.OperationCompleted += _ =>
        {
            if (atCut is null && board.Peripherals.Flash.CompletedOperations == n) atCut = board.Machine.Flash.ToArray();
        };
        board.CutPowerAfterFlashOperations(n);
        board.PowerOn();
        var resets = board.Machine.Resets.Count;
        board.RunFor(SwapTimeoutPs, () => board.Machine.Resets.Count > resets);
        if (atCut is null || board.Machine.Resets.Count == resets)
            return new Outcome(n, "", "the boot ended without the power cut");
        var cut = board.Machine.Resets[resets];
        if (cut.Kind != ResetKind.PowerOn)
            return new Outcome(n, "", $"a reset before the cut: {cut.Reason}");

        var state = AtCut(start, atCut);
        if (state.Failure is not null) return new Outcome(n, "", $"at the cut: {state.Failure}");

        // The power-up: the lines after its banner (a line the cut left half-sent runs into the banner).
        var from = board.Uart.Lines.Count(line => line.EndPs <= cut.AtPs);
        var banner = board.RunUntilLine(VirtualBoards.Banner, Board.Second, from);
        var boot = board.NextBoot(board.Uart.Lines.ToList().IndexOf(banner) + 1);
        var slotLines = boot.Where(IsSlotLine).ToList();
        var expected = state.Newest is { } newest
            ? newest.Finished ? [] : [$"swap: resuming the {start.Kind.ToString().ToLowerInvariant()} at step {newest.StepsDone + 1} of {newest.Steps}", DoneLine(start)]
            : new[] { start.Kind == SwapKind.Install ? Installing(New, Old, start.Pages) : Reverting(New, Old), DoneLine(start) };
        var outcome = slotLines.Count == 0 ? "finished at the cut" : Regex.Replace(slotLines[0], @" at step \d+ of \d+$", "");
        if (!slotLines.Select(DoneTimeless).SequenceEqual(expected))
            return new Outcome(n, outcome, $"after '{state}' the power-up said [{string.Join(" | ", slotLines)}], not [{string.Join(" | ", expected)}]");
        if (boot[^1] != Boots(start.Ends))
            return new Outcome(n, outcome, $"after '{state}' the power-up ended in '{boot[^1]}'");

        var application = board.RunUntilLine("^L475 application ", Board.Second, board.Uart.Lines.Count - 1).Text;
        if (application != $"L475 application {start.Ends}")
            return new Outcome(n, outcome, $"after '{state}' the application says '{application}'");
        return new Outcome(n, outcome, AfterPowerUp(start, board));
    }

    private static string DoneLine(Start start) => $"swap: {start.Kind.ToString().ToLowerInvariant()} done in T ms";

    /// <summary>"swap: install done in 1234 ms" as <see cref="DoneLine"/> writes it; other lines as they are.</summary>
    private static string DoneTimeless(string line) => DoneTime().Replace(line, " done in T ms");

    [GeneratedRegex(@" done in \d+ ms$")]
    private static partial Regex DoneTime();

    /// <summary>What the status areas say at the cut, checked against the slots' pages there.</summary>
    private sealed record CutState(SwapStatusArea? Newest, string? Failure)
    {
        public override string ToString() => Newest is null ? "nothing begun" : Newest.ToString();
    }

    /// <summary>
    /// The flash at the cut: the status areas read as one newest operation (no two valid areas of one sequence; the
    /// older valid one finished) that is either the one the campaign started (sequence, kind, pages) or none begun yet;
    /// and its step count is what the pages hold: every step it counts done has its copy in place, every step after the
    /// one in progress its source intact (so redoing that one is safe).
    /// </summary>
    private static CutState AtCut(Start start, byte[] flash)
    {
        var image = new MemoryImage();
        image.Write(Machine.FlashBase, flash);
        var areas = SwapStatus.Read(image, Map);
        var valid = areas.Where(a => a.Valid).ToList();
        if (valid.Count == 2 && valid[0].Sequence == valid[1].Sequence)
            return new CutState(null, $"both areas are valid with sequence {valid[0].Sequence}");
        var newest = SwapStatus.Newest(areas);
        if (valid.Any(a => a != newest && !a.Finished))
            return new CutState(null, $"an older operation unfinished beside the newest: {string.Join("; ", areas)}");
        var original = start.Snapshot.Flash;

        byte[] Page(byte[] bytes, uint address, uint page) =>
            bytes.AsSpan((int)(address - Machine.FlashBase + page * Map.PageSize), (int)(page == 0 ? BootState.Offset : Map.PageSize)).ToArray();
        string? Same(string what, uint address, uint page, uint sourceAddress, byte[] source) =>
            Page(flash, address, page).AsSpan().SequenceEqual(Page(source, sourceAddress, page)) ? null : $"{what} page {page} differs";

        var (primary, secondary, previous) = (Map.Slot.Base, Map.Secondary!.Base, Map.Previous!.Base);
        if (newest is null || newest.Sequence < start.Sequence)
        {
            // Not begun: the slots as the campaign started.
            for (var i = 0u; i < start.Pages; i++)
            {
                var failure = Same("primary", primary, i, primary, original) ?? Same(start.Kind == SwapKind.Install ? "secondary" : "previous",
                    start.Kind == SwapKind.Install ? secondary : previous, i, start.Kind == SwapKind.Install ? secondary : previous, original);
                if (failure is not null) return new CutState(null, $"nothing begun, but {failure}");
            }
            return new CutState(null, null);
        }
        if (newest.Sequence != start.Sequence || newest.Kind != start.Kind || newest.Pages != start.Pages)
            return new CutState(newest, $"the newest record is '{newest}', not a {start.Kind} of {start.Pages} pages with sequence {start.Sequence}");

        var done = newest.StepsDone;
        for (var step = 0u; step < newest.Steps; step++)
        {
            // slot_swap.h: install step 2i copies PRIMARY[i] to PREVIOUS[i], step 2i + 1 SECONDARY[i] to PRIMARY[i];
            // revert step i copies PREVIOUS[i] to PRIMARY[i].
            var (page, from, to) = start.Kind == SwapKind.Install
                ? (step / 2, step % 2 == 0 ? primary : secondary, step % 2 == 0 ? previous : primary)
                : (step, previous, primary);
            string? failure = step < done ? Same($"step {step + 1} done, but its destination", to, page, from, original)
                : step > done ? Same($"step {step + 1} to come, but its source", from, page, from, original)
                : null;
            if (failure is not null) return new CutState(newest, failure);
        }
        return new CutState(newest, null);
    }

    /// <summary>After the power-up: the image the operation was heading for whole in the primary slot, the newest
    /// record that operation finished; after an install the old image whole in the previous slot.</summary>
    private static string? AfterPowerUp(Start start, Board board)
    {
        var slots = board.Inspect();
        var primary = slots.Primary();
        if (!primary.Image.Accepted || primary.Image.Header?.FwVersion != start.Ends || primary.Signature?.Status != SignatureStatus.Ok)
            return $"the primary slot holds {primary.Image.Header?.FwVersion.ToString() ?? "no header"}, failing " +
                   string.Join(", ", primary.Image.Checks.Where(c => !c.Passed).Select(c => $"{c.Name} ({c.Detail})"));
        if (slots.Newest is not { Finished: true } newest || newest.Kind != start.Kind || newest.Sequence != start.Sequence || newest.Pages != start.Pages)
            return $"the newest record is '{slots.Newest}'";
        if (start.Kind == SwapKind.Install)
        {
            var previous = slots.Previous();
            if (!previous.Image.Accepted || previous.Image.Header?.FwVersion != start.From || previous.BootState.Trial)
                return $"the previous slot holds {previous.Image.Header?.FwVersion.ToString() ?? "no header"} ({previous.BootState})";
        }
        return null;
    }

    private void Report(string campaign, ReferenceRun reference, IReadOnlyList<Outcome> outcomes)
    {
        output.WriteLine($"{campaign}: {reference.Operations.Count} flash operations from power-up to the verdict, " +
                         $"{reference.Elapsed.TotalSeconds:F2} s uncut; power cut after {outcomes.Count} of them:");
        foreach (var group in outcomes.GroupBy(o => o.PowerUp).OrderBy(g => g.Key))
            output.WriteLine($"  {group.Count(),5} × '{group.Key}'");
    }

    /// <param name="PowerUp">What the power-up after the cut did first (its first slot line without the step).</param>
    private sealed record Outcome(long CutAfter, string PowerUp, string? Failure);
}
