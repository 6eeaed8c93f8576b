#nullable enable
// The libFuzzer targets of tests/host (fuzz_*.c): built with clang into out/host-fuzz, then each run for a fixed time
// from its committed seeds (tests/host/fuzz_corpus/NAME), keeping what it finds in out/fuzz/NAME/corpus. A crash, a
// sanitizer report, an invariant's abort(), a leak or an input slower than FuzzInputTimeoutSeconds fails the target:
// libFuzzer exits non-zero and writes the input to out/fuzz/NAME/ (crash-*, timeout-*, leak-*), and the line to
// reproduce it is printed. Every target found in the build runs, so a new fuzz_* in tests/host/CMakeLists.txt needs
// nothing here.
using System.Text.RegularExpressions;
using CliWrap;

const int FuzzInputTimeoutSeconds = 10;

public sealed record FuzzResult(string Target, int ExitCode, long Execs, long ExecsPerSecond, long Coverage, long Features,
                                string? Artifact)
{
    public bool Passed => ExitCode == 0;
}

// libFuzzer's status lines ("#1234 NEW cov: 250 ft: 900 ...", the last one "DONE"), its final statistics
// (-print_final_stats=1) and the path of the input that failed.
public static class FuzzOutput
{
    public static readonly Regex Status = new(@"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+)");
    public static readonly Regex Stat = new(@"^stat::(number_of_executed_units|average_exec_per_sec):\s+(\d+)$");
    public static readonly Regex Artifact = new(@"Test unit written to (\S+)");
}

// Builds the targets, runs each for `seconds`, prints the table; the results, failed ones included.
async Task<IReadOnlyList<FuzzResult>> RunFuzzers(string root, string outDir, int seconds)
{
    var buildDir = $"{outDir}/host-fuzz";
    await Run("cmake", new[] { "-S", $"{root}/tests/host", "-B", buildDir, "-G", "Ninja", "-DCMAKE_C_COMPILER=clang" }, "fuzz");
    await Run("cmake", new[] { "--build", buildDir, "--target", "fuzzers" }, "fuzz");
    var targets = System.IO.Directory.GetFiles(buildDir, "fuzz_*")
        .Where(f => System.IO.Path.GetExtension(f) == "" && System.IO.File.GetUnixFileMode(f).HasFlag(UnixFileMode.UserExecute))
        .OrderBy(f => f, StringComparer.Ordinal).ToList();
    if (targets.Count == 0) throw new CakeException($"no fuzz_* executables in {buildDir}: is the C compiler clang (CMakeLists.txt builds them only then)?");
    var results = new List<FuzzResult>();
    foreach (var target in targets)
        results.Add(await RunFuzzer(root, outDir, target, seconds));
    Information("{0}", FuzzTable(results, seconds));
    return results;
}

async Task<FuzzResult> RunFuzzer(string root, string outDir, string executable, int seconds)
{
    var name = System.IO.Path.GetFileName(executable);
    var work = $"{outDir}/fuzz/{name}";
    System.IO.Directory.CreateDirectory($"{work}/corpus");
    var arguments = new List<string>
    {
        $"-max_total_time={seconds}", $"-timeout={FuzzInputTimeoutSeconds}", "-print_final_stats=1",
        $"-artifact_prefix={work}/", $"{work}/corpus",
    };
    var seeds = $"{root}/tests/host/fuzz_corpus/{name}";
    if (System.IO.Directory.Exists(seeds)) arguments.Add(seeds);
    Information("{0}", $"[fuzz] {name}: {seconds} s from {(System.IO.Directory.Exists(seeds) ? seeds : "no seeds")}");

    long execs = 0, rate = 0, coverage = 0, features = 0;
    string? artifact = null;
    var tail = new Queue<string>();
    void Observe(string line)
    {
        lock (tail)
        {
            if (FuzzOutput.Status.Match(line) is { Success: true } status)
                (coverage, features) = (long.Parse(status.Groups[2].Value), long.Parse(status.Groups[3].Value));
            else if (FuzzOutput.Stat.Match(line) is { Success: true } stat)
            {
                if (stat.Groups[1].Value == "number_of_executed_units") execs = long.Parse(stat.Groups[2].Value);
                else rate = long.Parse(stat.Groups[2].Value);
            }
            else if (FuzzOutput.Artifact.Match(line) is { Success: true } written) artifact = written.Groups[1].Value;
            tail.Enqueue(line);
            if (tail.Count > 80) tail.Dequeue();
        }
    }
    var run = await Cli.Wrap(executable).WithArguments(arguments)
        .WithStandardOutputPipe(PipeTarget.ToDelegate(Observe)).WithStandardErrorPipe(PipeTarget.ToDelegate(Observe))
        .WithValidation(CommandResultValidation.None).ExecuteAsync();
    if (run.ExitCode != 0)
    {
        foreach (var line in tail) Warning("{0}", $"[{name}] {line}");
        Error("{0}", $"{name} failed (exit {run.ExitCode}); reproduce with: {executable} {artifact ?? "(no input was written)"}");
    }
    return new FuzzResult(name, run.ExitCode, execs, rate, coverage, features, artifact);
}

static string FuzzTable(IReadOnlyList<FuzzResult> results, int seconds)
{
    var lines = new List<string>
    {
        $"Fuzzing, {seconds} s per target (cov: code edges reached, ft: libFuzzer's features):",
        $"  {"target",-20} {"execs",12} {"exec/s",9} {"cov",7} {"ft",8}  result",
    };
    lines.AddRange(results.Select(r =>
        $"  {r.Target,-20} {r.Execs,12} {r.ExecsPerSecond,9} {r.Coverage,7} {r.Features,8}  {(r.Passed ? "ok" : $"FAILED, {r.Artifact ?? $"exit {r.ExitCode}"}")}"));
    return string.Join(Environment.NewLine, lines);
}
