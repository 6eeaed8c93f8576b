using System.Diagnostics;
using System.Text;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// `stm32boot emulate` with USART1 on standard input/output, typed into from a terminal as a user does: the terminal
/// is a pseudo-terminal in its default (cooked, echoing) mode, driven from its other end by socat. What the user
/// types must show once, echoed by the firmware's console, not a second time by the terminal.
/// </summary>
[Collection(WallClockCollection.Name)]
public class EmulateStdioTests
{
    [Fact]
    public void A_command_typed_into_a_terminal_shows_once()
    {
        using var scratch = new Scratch();
        var user = scratch.File("user");
        var terminal = scratch.File("terminal");
        // The emulator's side keeps the default pty settings (cooked: the terminal echoes and edits lines, as a shell's
        // terminal does); the test's side is raw, so it reads every byte as it comes.
        using var socat = Process.Start(new ProcessStartInfo("socat", [$"pty,raw,echo=0,link={user}", $"pty,link={terminal}"]))!;
        try
        {
            var start = Stopwatch.GetTimestamp();
            while (!File.Exists(user) || !File.Exists(terminal))
            {
                Assert.True(Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(5), "socat made no ptys");
                Thread.Sleep(10);
            }

            using var emulate = Process.Start(new ProcessStartInfo("sh",
                ["-c", $"exec dotnet '{FlashCommandTests.Stm32bootDll}' emulate '{Shipped.File("factory.hex")}' --max-time 4 <'{terminal}' >'{terminal}'"])
            {
                RedirectStandardError = true,
            })!;
            // One stream to read the terminal, another to type: a FileStream is not safe for a read on one thread and a
            // write on another (a key was sometimes typed twice or read back).
            using var screen = new FileStream(user, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            using var keys = new FileStream(user, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            var seen = new StringBuilder();
            var reader = new Thread(() =>
            {
                var buffer = new byte[256];
                try { int n; while ((n = screen.Read(buffer)) > 0) lock (seen) seen.Append(Encoding.ASCII.GetString(buffer, 0, n)); }
                catch (IOException) { }
            }) { IsBackground = true };
            reader.Start();

            WaitFor(() => Text(seen).EndsWith("> ", StringComparison.Ordinal), "the application's prompt");
            var before = Text(seen).Length;
            keys.Write("version\r"u8);
            keys.Flush();
            WaitFor(() => Text(seen)[before..].Contains("\n> ", StringComparison.Ordinal), "the prompt after the command");
            var answer = Text(seen)[before..];

            Assert.True(Count(answer, "version") == 1, $"the command showed {Count(answer, "version")} times:\n{answer}");
            emulate.WaitForExit(30_000);
            Assert.True(emulate.HasExited, "emulate did not end after --max-time");
            Assert.Equal(0, emulate.ExitCode);
        }
        finally
        {
            if (!socat.HasExited) socat.Kill();
        }
    }

    private static string Text(StringBuilder seen) { lock (seen) return seen.ToString(); }

    private static int Count(string text, string word) =>
        (text.Length - text.Replace(word, "", StringComparison.Ordinal).Length) / word.Length;

    private static void WaitFor(Func<bool> condition, string what)
    {
        var start = Stopwatch.GetTimestamp();
        while (!condition())
        {
            Assert.True(Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(20), $"no {what} within 20 s");
            Thread.Sleep(20);
        }
    }
}
