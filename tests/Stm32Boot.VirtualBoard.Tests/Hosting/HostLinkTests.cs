using System.Net.Sockets;
using Stm32Boot.VirtualBoard.Hosting;
using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Hosting;

public sealed class HostLinkTests
{
    private static byte[] ReceiveAll(IUartHostLink link, int count)
    {
        var received = new List<byte>();
        var buffer = new byte[64];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (received.Count < count && DateTime.UtcNow < deadline)
        {
            var n = link.Receive(buffer);
            received.AddRange(buffer.Take(n));
            if (n == 0) Thread.Sleep(5);
        }
        return received.ToArray();
    }

    [Fact]
    public async Task A_pty_carries_bytes_both_ways_unaltered()
    {
        using var link = new PtyLink();
        Assert.StartsWith("/dev/pts/", link.Path);
        using var client = new FileStream(link.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
        // Raw mode: CR, LF and control characters pass as they are, nothing is echoed back.
        byte[] sent = [0x7F, (byte)'\r', (byte)'\n', 0x00, 0xFF, 0x03];
        client.Write(sent);
        client.Flush();
        Assert.Equal(sent, ReceiveAll(link, sent.Length));

        foreach (var b in "ok\r\n"u8.ToArray()) link.Send(b);
        var back = new byte[4];
        var read = Task.Run(() => { var at = 0; while (at < 4) at += client.Read(back, at, 4 - at); });
        await read.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("ok\r\n"u8.ToArray(), back);
    }

    [Fact]
    public void A_tcp_client_talks_to_the_uart_and_output_without_a_client_is_dropped()
    {
        using var link = new TcpLink(0);
        link.Send((byte)'x'); // nobody connected: dropped
        using var client = new TcpClient("127.0.0.1", link.Port);
        using var stream = client.GetStream();
        stream.Write("hello"u8);
        Assert.Equal("hello"u8.ToArray(), ReceiveAll(link, 5));

        foreach (var b in "hi"u8.ToArray()) link.Send(b);
        var back = new byte[2];
        stream.ReadTimeout = 5000;
        var at = 0;
        while (at < 2) at += stream.Read(back, at, 2 - at);
        Assert.Equal("hi"u8.ToArray(), back);
    }
}
