// What an idle `stm32boot emulate` costs the host: the command itself (the CLI as a user runs it, USART1 on a
// standard input that stays open and silent, as `sleep 1000 | stm32boot emulate ...`), once the board waits (the
// application at its "> " prompt; the bootloader in update mode with B1 held, waiting for a host), its process CPU
// time over a few seconds of wall time against the 5 % limit. The LED lines it prints meanwhile show that virtual time
// still keeps the wall clock's pace while the host sleeps (virtual seconds between the first and last LED line of the
// window over the wall seconds between their arrivals).
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Stm32Boot.Bench;

internal static partial class IdleBench
{
    private const double LimitPercent = 5.0;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(3);
    /// After the board is in its waiting state: tiered compilation and the first catch-up done before measuring.
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    public static IRenderable Run(string outDir)
    {
        var cli = Path.Combine(outDir, "dotnet", "bin", "stm32boot", "release", "stm32boot.dll");
        var factory = Path.Combine(outDir, "factory.hex");
        var table = new Table().Title($"idle emulate: host CPU of `stm32boot emulate` while the board waits ({Window.TotalSeconds:F0} s of wall time)")
            .AddColumn("board").AddColumn(new TableColumn("CPU % of a core").RightAligned()).AddColumn(new TableColumn("limit %").RightAligned())
            .AddColumn(new TableColumn("ratio").RightAligned()).AddColumn("within")
            .AddColumn(new TableColumn("LED lines").RightAligned()).AddColumn(new TableColumn("virtual s / wall s").RightAligned());
        if (!File.Exists(cli))
        {
            table.AddRow($"[yellow]skipped: {Markup.Escape(cli)} does not exist (./build.sh builds it)[/]", "", "", "", "", "", "");
            return table;
        }
        foreach (var (name, options) in new[]
                 {
                     ("application at its \"> \" prompt", ""),
                     ("bootloader in update mode (B1 held), waiting for a host", " --button-held"),
                 })
        {
            var run = Measure(cli, factory, options);
            var percent = run.Cpu / run.Wall * 100;
            table.AddRow(name, $"{percent:F1}", $"{LimitPercent:F0}", $"{percent / LimitPercent:F2}",
                percent < LimitPercent ? "[green]yes[/]" : "[red]NO[/]", $"{run.LedLines}", run.Pace is { } pace ? $"{pace:F3}" : "-");
        }
        table.Caption($"CPU: the process's user + system time over the window, from {Settle.TotalSeconds:F0} s after its second LED change on. " +
                      "The board's 1 kHz SysTick still runs: what remains is emulating it (README, Running the firmware on the virtual board).");
        return table;
    }

    private sealed record IdleRun(double Cpu, double Wall, int LedLines, double? Pace);

    private static IdleRun Measure(string cli, string factory, string options)
    {
        var info = new ProcessStartInfo("dotnet", $"\"{cli}\" emulate \"{factory}\"{options}")
        {
            // A pipe nobody writes into: standard input open and silent, as `sleep 1000 |` gives it.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var wall = Stopwatch.StartNew();
        var leds = new List<(double VirtualS, TimeSpan Wall)>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line && LedLine().Match(line) is { Success: true } m)
                lock (leds) leds.Add((double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), wall.Elapsed));
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            while (true)
            {
                lock (leds) if (leds.Count >= 2) break;
                if (process.HasExited) throw new InvalidOperationException($"stm32boot emulate{options} exited {process.ExitCode} before its board blinked.");
                if (wall.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"stm32boot emulate{options}: no LED change within 60 s.");
                Thread.Sleep(20);
            }
            Thread.Sleep(Settle);
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var from = wall.Elapsed;
            Thread.Sleep(Window);
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpu0;
            var to = wall.Elapsed;
            List<(double VirtualS, TimeSpan Wall)> seen;
            lock (leds) seen = leds.Where(l => l.Wall >= from && l.Wall <= to).ToList();
            double? pace = seen.Count >= 2 ? (seen[^1].VirtualS - seen[0].VirtualS) / (seen[^1].Wall - seen[0].Wall).TotalSeconds : null;
            return new IdleRun(cpu.TotalSeconds, (to - from).TotalSeconds, seen.Count, pace);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
            process.WaitForExit();
        }
    }

    [GeneratedRegex(@"^\[(\d+\.\d+) s\] LED\d (on|off)$")]
    private static partial Regex LedLine();
}
