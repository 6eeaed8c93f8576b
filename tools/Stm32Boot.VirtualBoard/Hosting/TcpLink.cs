// USART1 on a TCP port of the loopback interface (telnet/nc/socat): one client at a time; while none is
// connected, what the board sends is dropped, as on a UART with nothing attached.
using System.Net;
using System.Net.Sockets;

namespace Stm32Boot.VirtualBoard.Hosting;

public sealed class TcpLink : IUartHostLink
{
    private readonly TcpListener _listener;
    private readonly ReceiveQueue _in = new();
    private volatile NetworkStream? _client;

    /// port 0 takes any free port (see Port).
    public TcpLink(int port)
    {
        if (port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(port), $"TCP port {port} is not in 1..65535.");
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        new Thread(AcceptLoop) { IsBackground = true, Name = $"tcp:{Port} → USART1" }.Start();
    }

    public int Port { get; }
    public string Description => $"tcp 127.0.0.1:{Port}";

    public void Send(byte value)
    {
        try { _client?.WriteByte(value); }
        catch (IOException) { _client = null; }
    }

    public event Action? Received
    {
        add => _in.Added += value;
        remove => _in.Added -= value;
    }

    public int Receive(Span<byte> buffer) => _in.Take(buffer);

    private void AcceptLoop()
    {
        while (true)
        {
            TcpClient client;
            try { client = _listener.AcceptTcpClient(); }
            catch (Exception e) when (e is SocketException or InvalidOperationException or ObjectDisposedException) { return; } // listener stopped
            client.NoDelay = true;
            using var stream = client.GetStream();
            _client = stream;
            var buffer = new byte[256];
            try
            {
                int n;
                while ((n = stream.Read(buffer)) > 0) _in.Add(buffer.AsSpan(0, n));
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException) { }
            _client = null;
            client.Dispose();
        }
    }

    public void Dispose() => _listener.Stop();
}
