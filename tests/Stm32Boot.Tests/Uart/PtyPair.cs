using System.Diagnostics;

namespace Stm32Boot.Tests.Uart;

/// <summary>Two pseudo-terminals joined back to back by socat: a serial cable between two programs, without
/// parity (a pty cannot carry it). Killed on dispose.</summary>
public sealed class PtyPair : IDisposable
{
    private readonly Process socat;
    private readonly ScratchDirectory directory = new();

    public PtyPair()
    {
        A = directory.File("a");
        B = directory.File("b");
        try
        {
            socat = Process.Start(new ProcessStartInfo("socat", ["pty,raw,echo=0,link=" + A, "pty,raw,echo=0,link=" + B])
            {
                RedirectStandardError = true,
            })!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"socat could not be started ({e.Message}); install it (Debian: socat).", e);
        }

        var start = Stopwatch.GetTimestamp();
        while (!File.Exists(A) || !File.Exists(B))
        {
            if (socat.HasExited || Stopwatch.GetElapsedTime(start) > TimeSpan.FromSeconds(5))
                throw new InvalidOperationException($"socat did not create the ptys: {socat.StandardError.ReadToEnd()}");
            Thread.Sleep(10);
        }
    }

    /// <summary>Paths of the two ends (symbolic links to /dev/pts/N).</summary>
    public string A { get; }
    public string B { get; }

    public void Dispose()
    {
        if (!socat.HasExited)
            socat.Kill();
        socat.WaitForExit();
        socat.Dispose();
        directory.Dispose();
    }
}
