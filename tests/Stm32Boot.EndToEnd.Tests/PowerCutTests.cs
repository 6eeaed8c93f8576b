using System.Collections.Concurrent;
using Stm32Boot.Uart;
using Stm32Boot.VirtualBoard;
using Xunit;
using Xunit.Abstractions;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// Power cuts during `stm32boot flash` (docs/design.md §6, header-last commit): the board starts with a valid old
/// application, the update is cut right after its N-th flash operation (page erase or double-word program), and
/// after power-up the board must either boot a complete image (its CRC in flash equals its header's) or stay in
/// update mode and take a fresh update. Each cut point runs on its own board, so the points spread over every core.
/// </summary>
public class PowerCutTests(ITestOutputHelper output)
{
    private const int Baud = 921600;
    /// <summary>
    /// Cut points of the 256 KB campaign, drawn with a fixed seed. Each replays on average half an update (about 1.3 s of
    /// one core), so the default keeps the whole project within a few minutes on two cores; BOOT_POWER_CUT_POINTS asks
    /// for more (the same seed draws the same first points).
    /// </summary>
    private const int DefaultLargeUpdatePoints = 200;
    private const int Seed = 475;
    private const uint LargeImageSize = 256 * 1024;

    [Fact]
    public void A_cut_after_any_flash_operation_of_a_small_update_never_starts_a_partial_image()
    {
        var update = UpdateImages.Application(UpdateImages.New);
        var total = OperationsOf(update);

        var outcomes = Campaign(update, Enumerable.Range(1, (int)total).Select(n => (long)n).ToList(), total);

        Report($"small update ({ImageVariants.ReadHeader(update).ImageSize} bytes of image)", total, outcomes);
        // Every cut was tried; only the one after the last operation (the header's magic) left a bootable image.
        Assert.Equal((total, 1), (outcomes.Count, outcomes.Count(o => o.Verdict.StartsWith("boot: ", StringComparison.Ordinal))));
    }

    [Fact]
    public void Cuts_at_random_points_of_a_256_KB_update_never_start_a_partial_image()
    {
        var update = UpdateImages.Padded(UpdateImages.New, LargeImageSize);
        var total = OperationsOf(update);
        var count = LargeUpdatePoints(total);
        var random = new Random(Seed);
        var points = new List<long>();
        while (points.Count < count)
        {
            var n = random.NextInt64(1, total + 1);
            if (!points.Contains(n)) points.Add(n);
        }

        var outcomes = Campaign(update, points, total);

        Report($"256 KB update (seed {Seed})", total, outcomes);
        Assert.Equal(count, outcomes.Count);
    }

    /// <summary>
    /// A tampered image (one bit flipped, CRCs fixed up: only its signature tells) sent by `stm32boot flash`, header page
    /// first, cut after one of a few dozen of its flash operations spread over the whole update: no power-up may start
    /// it, whether the cut came before the bootloader could check the signature or right after the last byte; the board
    /// boots the old application or stays in update mode, and then takes a good update.
    /// </summary>
    [Fact]
    public void Cuts_during_an_update_with_a_tampered_image_never_start_it()
    {
        const int points = 40;
        var tampered = SignedImages.Refused(SignedImages.Refusal.TamperedImage, UpdateImages.New);
        long total;
        using (var session = UpdateSession.Start(Shipped.FactoryWith(UpdateImages.Old), Baud))
        {
            var before = session.Board.Peripherals.Flash.CompletedOperations;
            Assert.Throws<An3155Exception>(() => session.Flash(tampered, verify: false, go: true, retries: 0));
            total = session.Board.Peripherals.Flash.CompletedOperations - before;
        }
        // Evenly spread, the first and the last operation included.
        var cuts = Enumerable.Range(0, points).Select(i => 1 + i * (total - 1) / (points - 1)).Distinct().ToList();

        // The old application may boot (a cut before the first change to it); the tampered one never.
        var outcomes = Campaign(tampered, cuts, total, (_, verdict) => verdict == $"boot: application {UpdateImages.Old} -> 0x{Shipped.Map.Image.Base:X8}");

        Report($"tampered update ({ImageVariants.ReadHeader(tampered).ImageSize} bytes of image, refused for its signature)", total, outcomes);
        Assert.Equal(cuts.Count, outcomes.Count);
    }

    private static int LargeUpdatePoints(long operations)
    {
        var text = Environment.GetEnvironmentVariable("BOOT_POWER_CUT_POINTS");
        if (text is null) return DefaultLargeUpdatePoints;
        if (int.TryParse(text, out var points) && points > 0 && points <= operations) return points;
        throw new ArgumentException($"BOOT_POWER_CUT_POINTS='{text}': set it to a number of cut points from 1 to {operations} " +
                                    "(the flash operations of one update), or unset it for the default of " +
                                    $"{DefaultLargeUpdatePoints}.");
    }

    /// <summary>Flash operations of one complete update from the old application, which the update then boots.</summary>
    private static long OperationsOf(MemoryImage update)
    {
        using var session = UpdateSession.Start(Shipped.FactoryWith(UpdateImages.Old), Baud);
        var before = session.Board.Peripherals.Flash.CompletedOperations;
        session.Flash(update, verify: false, go: true);
        var total = session.Board.Peripherals.Flash.CompletedOperations - before;
        Assert.Equal($"boot: application {UpdateImages.New} -> 0x{Shipped.Map.Image.Base:X8}", session.Board.NextVerdict());
        return total;
    }

    /// <param name="bootAllowed">Whether a power-up after the cut at this operation may say this "boot: " verdict; by
    /// default only after the very last operation (header last, magic last).</param>
    private static IReadOnlyList<Outcome> Campaign(MemoryImage update, IReadOnlyList<long> points, long total, Func<long, string, bool>? bootAllowed = null)
    {
        bootAllowed ??= (n, _) => n == total;
        var factory = Shipped.FactoryWith(UpdateImages.Old);
        var fresh = UpdateImages.Application(UpdateImages.New);
        var outcomes = new ConcurrentBag<Outcome>();
        Parallel.ForEach(points, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, n =>
        {
            Outcome outcome;
            try { outcome = CutAndPowerUp(factory, update, fresh, n); }
            catch (Exception e) { outcome = new Outcome(n, "", $"{e.GetType().Name}: {e.Message}"); }
            outcomes.Add(outcome);
        });
        var sorted = outcomes.OrderBy(o => o.CutAfter).ToList();
        var failures = sorted.Where(o => o.Failure is not null).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {sorted.Count} cut points failed, e.g.:\n" +
            string.Join("\n", failures.Take(5).Select(f => $"cut after operation {f.CutAfter}: {f.Failure}")));
        var wrong = sorted.Where(o => o.Verdict.StartsWith("boot: ", StringComparison.Ordinal) && !bootAllowed(o.CutAfter, o.Verdict)).ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {sorted.Count} cuts booted what they must not, e.g.:\n" +
            string.Join("\n", wrong.Take(5).Select(o => $"cut after operation {o.CutAfter} of {total}: {o.Verdict}")));
        return sorted;
    }

    private static Outcome CutAndPowerUp(MemoryImage factory, MemoryImage update, MemoryImage fresh, long n)
    {
        using var session = UpdateSession.Start(factory, Baud);
        var board = session.Board;
        var resets = board.Machine.Resets.Count;
        board.CutPowerAfterFlashOperations(n);
        try
        {
            // No retries: after the cut the host sees the boot banner where it waits for an ACK, and gives up.
            session.Flash(update, verify: false, go: true, retries: 0);
            return new Outcome(n, "", "the update completed: the power cut never came");
        }
        catch (An3155Exception) { }
        var cut = board.Machine.Resets.Skip(resets).FirstOrDefault(r => r.Kind == ResetKind.PowerOn);
        if (cut is null) return new Outcome(n, "", "the update failed without a power cut");

        var verdict = VerdictSince(board, cut.AtPs);
        if (verdict.StartsWith("boot: ", StringComparison.Ordinal))
        {
            // The bootloader jumped: what it jumped into must pass every check, image CRC included.
            var inspection = UpdateImages.InspectFlash(board);
            if (!inspection.Accepted)
                return new Outcome(n, verdict, "booted although flash fails " +
                    string.Join(", ", inspection.Checks.Where(c => !c.Passed).Select(c => $"{c.Name} ({c.Detail})")));
            board.RunUntilLine($"^L475 application {inspection.Header!.FwVersion}$", 100 * Board.Millisecond);
            return new Outcome(n, verdict, null);
        }

        var report = session.Flash(fresh, verify: false, go: true);
        var after = board.NextVerdict();
        return report.Mismatches.Count == 0 && after == $"boot: application {UpdateImages.New} -> 0x{Shipped.Map.Image.Base:X8}"
            ? new Outcome(n, verdict, null)
            : new Outcome(n, verdict, $"the fresh update after '{verdict}' ended in '{after}' with {report.Mismatches.Count} mismatching blocks");
    }

    /// <summary>The boot verdict of the first power-up at or after sincePs.</summary>
    private static string VerdictSince(Board board, ulong sincePs)
    {
        var from = board.Uart.Lines.Count(line => line.EndPs <= sincePs);
        return board.RunUntilLine("^(boot|stay): ", 2 * Board.Second, from).Text;
    }

    private void Report(string campaign, long total, IReadOnlyList<Outcome> outcomes)
    {
        output.WriteLine($"{campaign}: {total} flash operations per update; power cut after {outcomes.Count} different operations:");
        foreach (var group in outcomes.GroupBy(o => o.Verdict).OrderBy(g => g.Key))
            output.WriteLine($"  {group.Count(),5} × '{group.Key}'{(group.Key.StartsWith("stay", StringComparison.Ordinal) ? ", then a fresh update booted" : "")}");
    }

    private sealed record Outcome(long CutAfter, string Verdict, string? Failure);
}
