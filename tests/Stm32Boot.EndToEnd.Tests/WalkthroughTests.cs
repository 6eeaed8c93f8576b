using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// docs/walkthrough.md, run as written: every ```console block in order, in one scratch directory that stands in for
/// the repository's root (out/, build/ and keys/ linked to the build under test), with $stm32boot set as the document
/// says. A block's "$ " lines are its commands, run as one bash script; every other line is output the commands must
/// print, in that order, other lines allowed in between. Whitespace runs compare as one space, "..." stands for any
/// text. The one change made to the commands: GDB's port 3333 becomes a free one, so a busy port cannot fail the test.
/// </summary>
[Collection(WallClockCollection.Name)]
public partial class WalkthroughTests(ITestOutputHelper output)
{
    private static readonly TimeSpan BlockTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public void Every_exercise_prints_what_the_walkthrough_shows()
    {
        var blocks = Blocks(File.ReadAllText(Path.Combine(Shipped.Root, "docs", "walkthrough.md")));
        Assert.True(blocks.Count >= 15, $"the walkthrough has {blocks.Count} console blocks; the extraction must have missed some");
        using var scratch = new Scratch();
        foreach (var link in new[] { "build", "keys" })
            File.CreateSymbolicLink(scratch.File(link), Path.Combine(Shipped.Root, link));
        File.CreateSymbolicLink(scratch.File("out"), Shipped.OutDir);
        var gdbPort = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);

        foreach (var block in blocks)
        {
            var script = "set -e\nstm32boot=out/dotnet/bin/stm32boot/release/stm32boot.dll\n" +
                         string.Join("\n", block.Commands).Replace("3333", gdbPort, StringComparison.Ordinal) + "\n";
            var printed = RunBash(scratch.Path, script);
            output.WriteLine($"--- block at line {block.Line}\n{script}{printed}");
            AssertPrintedInOrder(block, printed);
        }
    }

    [Fact]
    public void The_matcher_takes_lines_in_order_with_gaps_and_wildcards_and_refuses_a_missing_or_reordered_line()
    {
        var block = new Block(1, ["true"], ["a ... c", "d"]);

        AssertPrintedInOrder(block, "x\na b   c\ny\nd\n");
        Assert.ThrowsAny<Exception>(() => AssertPrintedInOrder(block, "d\na b c\n"));
        Assert.ThrowsAny<Exception>(() => AssertPrintedInOrder(block, "a b c\n"));
    }

    private static void AssertPrintedInOrder(Block block, string printed)
    {
        var lines = printed.Split('\n').Select(Normalise).ToList();
        var at = 0;
        foreach (var expected in block.Expected)
        {
            var pattern = new Regex(string.Join(".*", Normalise(expected).Split("...").Select(Regex.Escape)));
            var found = lines.FindIndex(at, line => pattern.IsMatch(line));
            Assert.True(found >= 0,
                $"docs/walkthrough.md, the block at line {block.Line}: expected the line\n  {expected}\nafter what matched so far, " +
                $"in what the commands printed:\n{string.Join("\n", lines.Skip(at))}");
            at = found + 1;
        }
    }

    private static string Normalise(string line) => Regex.Replace(line.TrimEnd('\r'), @"\s+", " ").Trim();

    private static string RunBash(string directory, string script)
    {
        var start = new ProcessStartInfo("bash", ["-c", script])
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The tables of `info` and `stamp` are as wide as the terminal says; a fixed width keeps lines whole.
        start.Environment["COLUMNS"] = "160";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var printed = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (printed) printed.Append(e.Data).Append('\n'); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (printed) printed.Append(e.Data).Append('\n'); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(BlockTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the block did not finish within {BlockTimeout}:\n{script}\n{printed}");
        }
        process.WaitForExit();
        lock (printed)
        {
            Assert.True(process.ExitCode == 0, $"the block exited with {process.ExitCode}:\n{script}\n{printed}");
            return printed.ToString();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record Block(int Line, IReadOnlyList<string> Commands, IReadOnlyList<string> Expected);

    private static List<Block> Blocks(string markdown)
    {
        var blocks = new List<Block>();
        var lines = markdown.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimEnd() != "```console") continue;
            var start = i + 1;
            var commands = new List<string>();
            var expected = new List<string>();
            for (i++; i < lines.Length && lines[i].TrimEnd() != "```"; i++)
            {
                if (lines[i].StartsWith("$ ", StringComparison.Ordinal)) commands.Add(lines[i][2..]);
                else if (lines[i].Trim().Length > 0) expected.Add(lines[i]);
            }
            blocks.Add(new Block(start, commands, expected));
        }
        return blocks;
    }
}
