using System.Net;
using System.Net.Sockets;
using Stm32Boot.Uart;
using Xunit;

namespace Stm32Boot.Tests.Uart;

/// <summary>The client over real links: a TCP socket and System.IO.Ports on a pty pair.</summary>
public class SerialLinkTests
{
    private static readonly UartFraming NoParity = new(115200, UartParity.None);

    [Fact]
    public async Task Over_tcp_a_lost_reply_times_out_and_the_socket_carries_the_retry()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = listener.AcceptTcpClientAsync();

        using var link = SerialLink.Open(new TcpEndpoint("127.0.0.1", port), NoParity);
        using var socket = await accepted;
        using var bootloader = new FakeBootloader(socket.GetStream()) { LoseAckOfWrite = 0 };
        var retried = new List<An3155Exception>();
        var client = new An3155Client(link.Stream) { Timeouts = FakeSession.FastTimeouts, Retrying = retried.Add };
        client.Connect();
        client.WriteMemory(0x08020800, [1, 2, 3, 4, 5, 6, 7, 8]);

        Assert.Equal(An3155Failure.NoAnswer, Assert.Single(retried).Failure);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], client.ReadMemory(0x08020800, 8));
        Assert.Null(link.Framing);
        Assert.Equal($"tcp:127.0.0.1:{port}", link.ToString());
    }

    [Fact]
    public void Nothing_listening_on_the_tcp_port_says_what_to_start()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var error = Assert.Throws<Stm32BootException>(() => SerialLink.Open(new TcpEndpoint("127.0.0.1", port), NoParity));

        Assert.StartsWith($"cannot connect to 127.0.0.1:{port}: Connection refused. Is something listening there " +
                          $"(e.g. `stm32boot emulate out/factory.hex --uart tcp:{port}`)?", error.Message);
    }

    [Fact]
    public void Over_a_pty_pair_the_client_flashes_through_system_io_ports()
    {
        using var ptys = new PtyPair();
        using var boardEnd = SerialLink.Open(new SerialDevice(ptys.B), NoParity);
        using var hostEnd = SerialLink.Open(new SerialDevice(ptys.A), NoParity);
        using var bootloader = new FakeBootloader(boardEnd.Stream);
        var retried = new List<An3155Exception>();
        var client = new An3155Client(hostEnd.Stream) { Timeouts = FakeSession.FastTimeouts, Retrying = retried.Add };
        var image = ImageAssert.From((0x08020800, Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray()));

        var report = UartFlasher.Flash(client, FlashPlan.Create(image, TestSettings.Defaults.MemoryMap, "image.bin"), new FlashOptions(0x0415, Verify: true, Go: false));

        Assert.Empty(report.Mismatches);
        Assert.Equal([], retried.Select(e => e.Message));
        Assert.Equal(image.Read(0x08020800, 3000, 0xFF), bootloader.Read(0x08020800, 3000));
        Assert.Equal(NoParity, hostEnd.Framing);
        Assert.Equal($"{ptys.A} at 115200 8N1", hostEnd.ToString());
        hostEnd.Dispose();
        boardEnd.Dispose();
    }

    [Fact]
    public void A_pty_refuses_even_parity_and_the_error_says_to_use_none()
    {
        using var ptys = new PtyPair();

        var error = Assert.Throws<Stm32BootException>(() => SerialLink.Open(new SerialDevice(ptys.A), new UartFraming(115200, UartParity.Even)));

        Assert.Equal($"{ptys.A} refuses even parity: a pseudo-terminal (such as the virtual board's /dev/pts/N) cannot carry parity; use --parity none there.", error.Message);
    }

    [Fact]
    public void A_missing_device_is_named()
    {
        var error = Assert.Throws<Stm32BootException>(() => SerialLink.Open(new SerialDevice("/dev/ttyNOSUCH9"), NoParity));

        Assert.Equal("serial port /dev/ttyNOSUCH9 does not exist: is the board plugged in? (ls /dev/ttyACM* /dev/ttyUSB* lists the candidates)", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_serial_port_is_refused_with_the_reason()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Write("not-a-tty", "");

        var error = Assert.Throws<Stm32BootException>(() => SerialLink.Open(new SerialDevice(path), NoParity));

        Assert.StartsWith($"cannot open serial port {path}: Inappropriate ioctl for device.", error.Message);
    }
}
