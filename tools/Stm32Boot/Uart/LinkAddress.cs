using System.Globalization;

namespace Stm32Boot.Uart;

/// <summary>
/// Where the bootloader's UART is reached: a serial device (/dev/ttyACM0, /dev/pts/3, COM3) or a TCP port
/// written tcp:HOST:PORT (the virtual board's `emulate --uart tcp:PORT`, or a serial-to-network bridge).
/// </summary>
public abstract record LinkAddress
{
    public const string TcpPrefix = "tcp:";

    /// <summary>How a wrong address is described, for settings and command-line errors alike.</summary>
    public const string Expected = "a serial device (/dev/ttyACM0, COM3) or tcp:HOST:PORT with PORT in 1..65535";

    public static bool TryParse(string? text, out LinkAddress address)
    {
        address = null!;
        if (string.IsNullOrWhiteSpace(text) || text.Any(char.IsWhiteSpace))
            return false;
        if (!text.StartsWith(TcpPrefix, StringComparison.OrdinalIgnoreCase))
        {
            address = new SerialDevice(text);
            return true;
        }

        var hostAndPort = text[TcpPrefix.Length..];
        var colon = hostAndPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostAndPort.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            return false;
        // [::1]:4444 names an IPv6 host the way URLs do.
        address = new TcpEndpoint(hostAndPort[..colon].Trim('[', ']'), port);
        return true;
    }

    public static LinkAddress Parse(string text, string what) =>
        TryParse(text, out var address) ? address : throw new Stm32BootException($"{what} '{text}' is not {Expected}.");
}

public sealed record SerialDevice(string Path) : LinkAddress
{
    public override string ToString() => Path;
}

public sealed record TcpEndpoint(string Host, int Port) : LinkAddress
{
    public override string ToString() => $"{TcpPrefix}{Host}:{Port}";
}
