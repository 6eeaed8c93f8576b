using System.Diagnostics;
using System.Text;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// `stm32boot emulate` run as a user runs it in a terminal: its standard input and output on a pseudo-terminal in the
/// default (cooked, echoing) mode a shell's terminal has, driven from the other end, which socat makes raw so the test
/// reads every byte as it comes; its standard error (the board's event lines) captured on its own.
/// </summary>
public sealed class EmulateOnTerminal : IDisposable
{
    private readonly Scratch _scratch = new();
    private readonly Process _socat;
    private readonly FileStream _screen, _keys;
    private readonly StringBuilder _seen = new(), _events = new();

    /// <param name="arguments">emulate's arguments after the command, quoted for sh.</param>
    public EmulateOnTerminal(string arguments)
    {
        var user = _scratch.File("user");
        var terminal = _scratch.File("terminal");
        _socat = Process.Start(new ProcessStartInfo("socat", [$"pty,raw,echo=0,link={user}", $"pty,link={terminal}"]))!;
        WaitFor(() => File.Exists(user) && File.Exists(terminal), "ptys from socat");
        Emulate = new Process
        {
            StartInfo = new ProcessStartInfo("sh", ["-c", $"exec dotnet '{FlashCommandTests.Stm32bootDll}' emulate {arguments} <'{terminal}' >'{terminal}'"])
            {
                RedirectStandardError = true,
            },
        };
        Emulate.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_events) _events.Append(e.Data).Append('\n'); };
        Emulate.Start();
        Emulate.BeginErrorReadLine();
        // One stream to read the terminal, another to type: a FileStream is not safe for a read on one thread and a write
        // on another (its buffer is shared), and would type a key twice or read back what was typed.
        _screen = new FileStream(user, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        _keys = new FileStream(user, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        new Thread(() =>
        {
            var buffer = new byte[256];
            try { int n; while ((n = _screen.Read(buffer)) > 0) lock (_seen) _seen.Append(Encoding.ASCII.GetString(buffer, 0, n)); }
            catch (IOException) { }
        }) { IsBackground = true }.Start();
    }

    public Process Emulate { get; }

    /// <summary>Everything the terminal showed so far.</summary>
    public string Screen { get { lock (_seen) return _seen.ToString(); } }

    /// <summary>Everything emulate wrote on its standard error so far, line by line.</summary>
    public string Events { get { lock (_events) return _events.ToString(); } }

    public string Transcript => $"terminal:\n{Screen}\nstderr:\n{Events}";

    /// <summary>Keys typed at the terminal.</summary>
    public void Type(ReadOnlySpan<byte> keys) => _keys.Write(keys);

    /// <summary>Waits (wall clock: emulate paces the board by it) up to 20 s, then fails the test with the transcript.</summary>
    public void WaitFor(Func<bool> condition, string what)
    {
        var start = Stopwatch.GetTimestamp();
        while (!condition())
        {
            Assert.True(Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(20), $"no {what} within 20 s. {Transcript}");
            Thread.Sleep(20);
        }
    }

    public void Dispose()
    {
        if (!Emulate.HasExited) Emulate.Kill();
        Emulate.Dispose();
        if (!_socat.HasExited) _socat.Kill();
        _socat.Dispose();
        _keys.Dispose();
        _screen.Dispose();
        _scratch.Dispose();
    }
}
