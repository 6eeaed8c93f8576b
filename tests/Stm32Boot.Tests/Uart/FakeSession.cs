using Stm32Boot.Uart;

namespace Stm32Boot.Tests.Uart;

/// <summary>A client and a <see cref="FakeBootloader"/> joined by a <see cref="DuplexPipe"/>, with timeouts short
/// enough that tests of lost bytes take a fraction of a second.</summary>
public sealed class FakeSession : IDisposable
{
    public static readonly An3155Timeouts FastTimeouts = new()
    {
        Reply = TimeSpan.FromMilliseconds(200),
        WriteBlock = TimeSpan.FromMilliseconds(200),
        ErasePerPage = TimeSpan.FromMilliseconds(10),
        Quiet = TimeSpan.FromMilliseconds(30),
    };

    public FakeSession(Func<Stream, FakeBootloader>? bootloader = null, int retries = 3)
    {
        var (host, device) = DuplexPipe.Create();
        Host = host;
        Bootloader = bootloader?.Invoke(device) ?? new FakeBootloader(device);
        Client = new An3155Client(host) { Timeouts = FastTimeouts, Retries = retries, Retrying = Retried.Add };
    }

    public FakeBootloader Bootloader { get; }
    public Stream Host { get; }
    public An3155Client Client { get; }

    /// <summary>The failures the client resynchronised after, in order.</summary>
    public List<An3155Exception> Retried { get; } = [];

    /// <summary>Connects, then forgets the sync exchange so a test sees only its own command's bytes.</summary>
    public FakeSession Connected()
    {
        Client.Connect();
        Bootloader.ClearTranscript();
        return this;
    }

    public void Dispose()
    {
        Host.Dispose();
        Bootloader.Dispose();
    }
}
