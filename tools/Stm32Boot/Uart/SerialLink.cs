using System.IO.Ports;
using System.Net.Sockets;

namespace Stm32Boot.Uart;

/// <summary>
/// An open connection to the bootloader's UART: a serial device through System.IO.Ports (the ST-LINK virtual COM
/// port, a USB-serial adapter, a pty), or a TCP socket. <see cref="Stream"/> is what <see cref="An3155Client"/>
/// talks through.
/// </summary>
public sealed class SerialLink : IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    // A write cannot block without flow control, except on a wedged driver; then fail instead of hanging.
    private const int WriteTimeoutMs = 5000;

    private readonly SerialPort? port;
    private readonly TcpClient? tcp;

    private SerialLink(LinkAddress address, SerialPort? port, TcpClient? tcp, Stream stream)
    {
        Address = address;
        this.port = port;
        this.tcp = tcp;
        Stream = stream;
    }

    public LinkAddress Address { get; }

    public Stream Stream { get; }

    /// <summary>The serial line's settings; null over TCP, which has neither baud rate nor parity.</summary>
    public UartFraming? Framing => port is null ? null : new UartFraming(port.BaudRate, port.Parity == Parity.None ? UartParity.None : UartParity.Even);

    public static SerialLink Open(LinkAddress address, UartFraming framing) => address switch
    {
        SerialDevice device => OpenSerial(device, framing),
        TcpEndpoint endpoint => OpenTcp(endpoint),
        _ => throw new ArgumentOutOfRangeException(nameof(address), address, "Unknown kind of link."),
    };

    /// <summary>Changes baud rate and parity on the open port (nothing to change over TCP) and drops what the old
    /// settings received.</summary>
    public void SetFraming(UartFraming framing)
    {
        if (port is null)
            return;
        if (framing.Parity != UartParity.None && IsPseudoTerminal(port.PortName))
            throw NoParity(port.PortName);
        try
        {
            port.BaudRate = framing.Baud;
            port.Parity = ToParity(framing.Parity);
        }
        catch (ArgumentException e)
        {
            throw new Stm32BootException($"serial port {port.PortName} does not take {framing} ({e.Message}); try another --baud.");
        }

        port.DiscardInBuffer();
    }

    public override string ToString() => Framing is { } framing ? $"{Address} at {framing}" : $"{Address}";

    public void Dispose()
    {
        port?.Dispose();
        tcp?.Dispose();
    }

    private static SerialLink OpenSerial(SerialDevice device, UartFraming framing)
    {
        // On Linux every failure to open comes back as "access denied"; say which it really is.
        if (!OperatingSystem.IsWindows() && !File.Exists(device.Path))
            throw new Stm32BootException($"serial port {device.Path} does not exist: is the board plugged in? (ls /dev/ttyACM* /dev/ttyUSB* lists the candidates)");
        // Linux clears PARENB on a pty without a word (and System.IO.Ports notices only sometimes), so a pty at 8E1
        // would seem to work while the other end expects parity bits that never come.
        if (framing.Parity != UartParity.None && IsPseudoTerminal(device.Path))
            throw NoParity(device.Path);
        var port = new SerialPort(device.Path, framing.Baud, ToParity(framing.Parity), 8, StopBits.One)
        {
            Handshake = Handshake.None,
            WriteTimeout = WriteTimeoutMs,
        };
        try
        {
            port.Open();
        }
        catch (ArgumentException e)
        {
            port.Dispose();
            throw new Stm32BootException($"serial port {device.Path} does not take {framing} ({e.Message}); try another --baud.");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            port.Dispose();
            var reason = e.InnerException?.Message ?? e.Message;
            throw new Stm32BootException($"cannot open serial port {device.Path}: {reason}. " +
                                         "It may be in use by another program, not be a serial port, or need permission (Debian: add yourself to group dialout).");
        }

        return new SerialLink(device, port, null, port.BaseStream);
    }

    private static SerialLink OpenTcp(TcpEndpoint endpoint)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(ConnectTimeout);
            client.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            client.Dispose();
            var reason = e is SocketException socket ? socket.Message : $"no connection within {ConnectTimeout.TotalSeconds:0} s";
            throw new Stm32BootException($"cannot connect to {endpoint.Host}:{endpoint.Port}: {reason}. Is something listening there " +
                                         $"(e.g. `stm32boot emulate out/factory.hex --uart tcp:{endpoint.Port}`)?");
        }

        return new SerialLink(endpoint, null, client, client.GetStream());
    }

    private static bool IsPseudoTerminal(string path)
    {
        var target = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        return target.StartsWith("/dev/pts/", StringComparison.Ordinal);
    }

    private static Parity ToParity(UartParity parity) => parity == UartParity.None ? Parity.None : Parity.Even;

    private static Stm32BootException NoParity(string path) =>
        new($"{path} refuses even parity: a pseudo-terminal (such as the virtual board's /dev/pts/N) cannot carry parity; use --parity none there.");
}
