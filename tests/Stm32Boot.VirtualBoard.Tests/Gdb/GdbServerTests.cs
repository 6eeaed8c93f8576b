using System.Net.Sockets;
using System.Text;
using Stm32Boot.VirtualBoard.Gdb;
using Stm32Boot.VirtualBoard.Hosting;
using Stm32Boot.VirtualBoard.Tests.Core;
using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Gdb;

/// GdbServer over a real TCP connection, packet by packet, for what a batch GDB cannot show: acks and their
/// absence, a damaged packet, Ctrl-C while running, the hardware breakpoint limit, errors for unmapped memory.
public sealed class GdbServerTests
{
    private static readonly TestFirmware Loop = TestFirmware.Build("""
        __attribute__((noinline)) void marker(void) { RESULT[1]++; }
        int main(void)
        {
            marker();
            for (;;) RESULT[3]++;
        }
        """);

    [Fact]
    public async Task A_debugger_session_speaks_the_remote_protocol()
    {
        using var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, Loop.Image);
        board.PowerOn();
        var resetPc = board.Machine.ReadRegister(CoreRegister.Pc);
        using var server = new GdbServer(board, new InteractiveSession(board, new NullLink()), 0);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var run = Task.Run(() => server.Run(null, cancel.Token));
        using var gdb = new Client(server.Port);

        // Ack mode: each packet is answered '+' then the reply; a damaged one '-'.
        gdb.SendRaw("$qSupported:swbreak+#00");
        Assert.Equal('-', gdb.ReadByte());
        Assert.Contains("PacketSize=4000", gdb.Request("qSupported:swbreak+", ack: true));
        Assert.Equal("OK", gdb.Request("QStartNoAckMode", ack: true));
        gdb.SendRaw("+");

        // Halted at reset, virtual time standing still.
        Assert.Equal($"T05{15:x2}:{RemotePacket.ToHexLittleEndian(resetPc, 4)};", gdb.Request("?")[..15]);
        Assert.Equal(0ul, board.NowPs);
        Assert.Equal("", gdb.Request("vCont?"));
        Assert.Equal("1", gdb.Request("qAttached"));
        Assert.Equal("m1", gdb.Request("qfThreadInfo"));
        Assert.StartsWith("l<?xml", gdb.Request("qXfer:features:read:target.xml:0,fff"));
        var registers = gdb.Request("g");
        Assert.Equal(TargetRegisters.All.Sum(r => r.BitSize / 4), registers.Length);
        Assert.Equal(RemotePacket.ToHexLittleEndian(resetPc, 4), registers.Substring(15 * 8, 8));

        // A software breakpoint stops the run at marker; the flash still holds the firmware's own bytes.
        var marker = Loop.Symbol("marker") & ~1u;
        Assert.Equal("OK", gdb.Request($"Z0,{marker:x},2"));
        var stop = gdb.Request("c");
        Assert.StartsWith("T05", stop);
        Assert.Contains($"0f:{RemotePacket.ToHexLittleEndian(marker, 4)};", stop);
        Assert.Equal(RemotePacket.ToHex(Loop.Image.AsSpan((int)(marker - Machine.FlashBase), 4)), gdb.Request($"m{marker:x},4"));
        Assert.Equal("OK", gdb.Request($"z0,{marker:x},2"));

        // A step moves the PC by one instruction.
        Assert.StartsWith("T05", gdb.Request("s"));
        var pc = (uint)RemotePacket.FromHexLittleEndian(gdb.Request("pf"));
        Assert.InRange(pc - marker, 2u, 4u);

        // Memory and registers through the bus, bus errors as E replies.
        Assert.Equal("OK", gdb.Request("M20000100,4:efbeadde"));
        Assert.Equal("efbeadde", gdb.Request("m20000100,4"));
        Assert.StartsWith("E", gdb.Request("m60000000,4"));
        Assert.Equal("OK", gdb.Request("P5=78563412"));
        Assert.Equal("78563412", gdb.Request("p5"));
        Assert.Equal("E00", gdb.Request("p99"));

        // Six hardware breakpoints, as the FPB has comparators; the seventh is refused.
        for (var i = 0; i < GdbServer.HardwareBreakpoints; i++) Assert.Equal("OK", gdb.Request($"Z1,{0x0800_1000 + 2 * i:x},2"));
        Assert.StartsWith("E", gdb.Request($"Z1,{0x0800_2000:x},2"));
        for (var i = 0; i < GdbServer.HardwareBreakpoints; i++) Assert.Equal("OK", gdb.Request($"z1,{0x0800_1000 + 2 * i:x},2"));

        // Ctrl-C stops the endless loop: SIGINT, and the loop has run meanwhile.
        var before = board.Machine.ReadWord(TestFirmware.ResultsBase + 12);
        gdb.Send("c");
        Thread.Sleep(300);
        gdb.SendRaw("\x03");
        Assert.StartsWith("T02", gdb.ReadPacket());
        Assert.True(board.Machine.ReadWord(TestFirmware.ResultsBase + 12) > before);
        Assert.True(board.NowPs > 0);

        // k ends the run.
        gdb.Send("k");
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private sealed class NullLink : IUartHostLink
    {
        public string Description => "nothing";
        public void Send(byte value) { }
        public int Receive(Span<byte> buffer) => 0;
        public event Action? Received { add { } remove { } }
        public void Dispose() { }
    }

    /// The client side, written from the manual: frames with RemotePacket, reads replies byte by byte.
    private sealed class Client : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;

        public Client(int port)
        {
            _tcp = new TcpClient("127.0.0.1", port) { ReceiveTimeout = 10_000 };
            _stream = _tcp.GetStream();
        }

        public void SendRaw(string text) => _stream.Write(Encoding.Latin1.GetBytes(text));
        public void Send(string payload) => _stream.Write(RemotePacket.Frame(payload));

        public string Request(string payload, bool ack = false)
        {
            Send(payload);
            if (ack) Assert.Equal('+', ReadByte());
            var reply = ReadPacket();
            if (ack) SendRaw("+");
            return reply;
        }

        public char ReadByte()
        {
            var b = _stream.ReadByte();
            if (b < 0) throw new IOException("the stub closed the connection");
            return (char)b;
        }

        public string ReadPacket()
        {
            char c;
            while ((c = ReadByte()) != '$') Assert.True(c == '+', $"unexpected '{c}' before a packet");
            var payload = new StringBuilder();
            while ((c = ReadByte()) != '#') payload.Append(c);
            var checksum = $"{ReadByte()}{ReadByte()}";
            Assert.Equal($"{RemotePacket.Checksum(Encoding.Latin1.GetBytes(payload.ToString())):x2}", checksum);
            var text = payload.ToString();
            // O packets (console output) come before the reply they belong to.
            return text.StartsWith('O') && text.Length > 1 && text != "OK" ? ReadPacket() : text;
        }

        public void Dispose() => _tcp.Dispose();
    }
}
