using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// The interactive virtual board as a user drives it: `stm32boot emulate` with USART1 on a terminal (a pty made by
/// socat), board keys typed as Ctrl-T and a letter, board events on stderr. The firmware's own banner tells what
/// happened to the board: "reset: pin" after the reset key, "reset: power-on" after a power cut and restore,
/// "stay: button held" when B1 is held over a reset.
/// </summary>
[Collection(WallClockCollection.Name)]
public class EmulateBoardKeysTests
{
    private const byte CtrlT = 0x14;

    [Fact]
    public void Reset_power_and_B1_keys_reach_the_board_and_LED_changes_show_on_stderr()
    {
        // --max-time only as a net: the test ends the run with the quit key.
        using var terminal = new EmulateOnTerminal($"'{Shipped.File("factory.hex")}' --max-time 120");
        // stderr is a pipe read on its own: an event line may come after the terminal output that followed it.
        void WaitForEvent(string line) =>
            terminal.WaitFor(() => Regex.IsMatch(terminal.Events, @"(?m)^\[\d+\.\d{3} s\] " + line + "$"), $"event line '{line}' on stderr");
        void Press(char key) => terminal.Type([CtrlT, (byte)key]);

        terminal.WaitFor(() => terminal.Screen.Contains("\n> ", StringComparison.Ordinal), "the application's prompt");
        Assert.Contains("reset: power-on", terminal.Screen);
        // The application blinks LED2 (500 ms on, 500 ms off): its edges show as they happen, one line each.
        WaitForEvent("LED2 on");

        Press('r');
        terminal.WaitFor(() => terminal.Screen.Contains("reset: pin", StringComparison.Ordinal), "a banner with reset: pin after Ctrl-T r");
        Assert.Equal(2, Count(terminal.Screen, "L475 bootloader"));
        WaitForEvent(@"reset pressed \(NRST\)");

        Press('p');
        WaitForEvent("power off");
        Press('p');
        terminal.WaitFor(() => Count(terminal.Screen, "reset: power-on") == 2, "a second banner with reset: power-on after Ctrl-T p twice");
        WaitForEvent("power on");
        var off = Stamp(terminal.Events, "power off");
        var on = Stamp(terminal.Events, "power on");
        Assert.True(on > off, $"power on at {on} s, not after power off at {off} s");

        Press('b');
        Press('r');
        terminal.WaitFor(() => terminal.Screen.Contains("stay: button held", StringComparison.Ordinal), "stay: button held after Ctrl-T b, Ctrl-T r");
        WaitForEvent("B1 pressed");
        Press('b');
        WaitForEvent("B1 released");

        Press('l');
        WaitForEvent("LED1 (on|off), LED2 (on|off)");
        // Update mode blinks LED1.
        WaitForEvent("LED1 on");

        // Neither Ctrl-T nor the letters after it reached the firmware (its console echoes what it receives).
        Assert.False(terminal.Screen.Contains('\x14', StringComparison.Ordinal), terminal.Transcript);
        Assert.DoesNotMatch(@"> [rpbl]", terminal.Screen);

        Press('h');
        terminal.WaitFor(() => terminal.Events.Contains("  Ctrl-T r  press the reset button (NRST pin reset)", StringComparison.Ordinal), "the keys after Ctrl-T h");
        Press('q');
        terminal.Emulate.WaitForExit(30_000);
        Assert.True(terminal.Emulate.HasExited, $"emulate did not end after Ctrl-T q. stderr:\n{terminal.Events}");
        terminal.Emulate.WaitForExit();
        Assert.Equal(0, terminal.Emulate.ExitCode);
        Assert.Contains("stopped at", terminal.Events);
    }

    [Fact]
    public void With_USART1_on_TCP_the_terminal_takes_the_same_keys_as_command_lines()
    {
        using var scratch = new Scratch();
        var drive = UsbDisk.Format(scratch.File("drive.img"), 12).Path;
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var emulate = new Process
        {
            StartInfo = new ProcessStartInfo("dotnet", [FlashCommandTests.Stm32bootDll, "emulate", Shipped.File("factory.hex"),
                "--uart", $"tcp:{port}", "--button-held", "--usb-drive", drive, "--max-time", "120"])
            {
                RedirectStandardInput = true,
                RedirectStandardError = true,
            },
        };
        var events = new StringBuilder();
        emulate.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (events) events.Append(e.Data).Append('\n'); };
        emulate.Start();
        emulate.BeginErrorReadLine();
        try
        {
            var seen = new StringBuilder();
            WaitFor(() => Text(events).Contains("USART1 on tcp", StringComparison.Ordinal), "the start line");
            using var client = new System.Net.Sockets.TcpClient("127.0.0.1", port);
            var uart = client.GetStream();
            new Thread(() =>
            {
                var buffer = new byte[256];
                try { int n; while ((n = uart.Read(buffer)) > 0) lock (seen) seen.Append(Encoding.ASCII.GetString(buffer, 0, n)); }
                catch (IOException) { }
            }) { IsBackground = true }.Start();
            string Transcript() => $"USART1:\n{Text(seen)}\nstderr:\n{Text(events)}";
            void WaitForEvent(string line) =>
                WaitFor(() => Regex.IsMatch(Text(events), @"(?m)^\[\d+\.\d{3} s\] " + line + "$"), $"event line '{line}' on stderr", Transcript);
            void Type(string line)
            {
                emulate.StandardInput.Write(line + "\n");
                emulate.StandardInput.Flush();
            }

            // B1 held from power-on: update mode, which blinks LED1.
            WaitForEvent("LED1 on");
            Type("u");
            WaitForEvent("USB drive unplugged");
            Type(" USB ");
            WaitForEvent($"USB drive {Regex.Escape(drive)} plugged in");
            Type("nonsense");
            WaitFor(() => Text(events).Contains("nonsense: not a board command; h lists them.", StringComparison.Ordinal), "the refusal of a wrong command", Transcript);
            Type("b");
            WaitForEvent("B1 released");
            Type("r");
            WaitFor(() => Text(seen).Contains("reset: pin", StringComparison.Ordinal) && Text(seen).Contains("L475 application", StringComparison.Ordinal),
                "the application after the reset with B1 released", Transcript);
            Type("q");
            emulate.WaitForExit(30_000);
            Assert.True(emulate.HasExited, $"emulate did not end after q. {Transcript()}");
            emulate.WaitForExit();
            Assert.Equal(0, emulate.ExitCode);
        }
        finally
        {
            if (!emulate.HasExited) emulate.Kill();
        }
    }

    /// The virtual time of the first event line that ends with what.
    private static double Stamp(string events, string what)
    {
        var match = Regex.Match(events, @"(?m)^\[(\d+\.\d{3}) s\] " + Regex.Escape(what) + "$");
        Assert.True(match.Success, $"no event line '{what}' in:\n{events}");
        return double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Text(StringBuilder seen) { lock (seen) return seen.ToString(); }

    private static int Count(string text, string word) =>
        (text.Length - text.Replace(word, "", StringComparison.Ordinal).Length) / word.Length;

    private static void WaitFor(Func<bool> condition, string what, Func<string>? context = null)
    {
        var start = Stopwatch.GetTimestamp();
        while (!condition())
        {
            Assert.True(Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(20), $"no {what} within 20 s. {context?.Invoke()}");
            Thread.Sleep(20);
        }
    }
}
