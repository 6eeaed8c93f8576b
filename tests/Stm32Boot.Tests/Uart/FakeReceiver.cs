using System.Text;
using Stm32Boot.Uart;

namespace Stm32Boot.Tests.Uart;

/// <summary>
/// The application's console with its `receive` command, in the test process: an XMODEM-1K receiver written from
/// the XMODEM/YMODEM protocol reference (CRC-16 mode: 'C' handshake, STX/SOH blocks, NAK on a bad block, ACK again for
/// a repeated one, EOT NAK EOT ACK, CAN CAN) and the console lines of application/src/commands.c, not from the sender
/// it tests. Faults are injected through the properties; it stores the blocks at their offsets in <see cref="Received"/>.
/// </summary>
public sealed class FakeReceiver : IDisposable
{
    private readonly Stream link;
    private readonly Thread thread;
    private Exception? failure;

    public FakeReceiver(Stream link, bool receiveRunning = false)
    {
        this.link = link;
        ReceiveRunning = receiveRunning;
        thread = new Thread(Run) { IsBackground = true, Name = "fake receive command" };
        thread.Start();
    }

    /// <summary>The command is running already (typed by hand): no command line comes first.</summary>
    public bool ReceiveRunning { get; }

    /// <summary>What the console answers `receive` with instead of starting (e.g. a single-slot build's line).</summary>
    public string? Refusal { get; init; }

    /// <summary>'C's the receiver sent before the host opened the line (a pty keeps them).</summary>
    public int StaleHandshakes { get; init; }

    /// <summary>Block numbers (from 1) whose first copy gets NAK, as after a line hit.</summary>
    public HashSet<int> NakOnce { get; init; } = [];

    /// <summary>Block numbers whose ACK is lost on the line (the block is stored).</summary>
    public HashSet<int> LoseAck { get; init; } = [];

    /// <summary>Cancel at this block with the reason line of a refusal.</summary>
    public (int Block, string Line)? CancelAt { get; init; }

    /// <summary>The answer after EOT: the verification, then installing (or the reason).</summary>
    public string[] Answer { get; init; } = ["receive: verified 1.0.0.2 (12288 bytes): ok", "receive: installing 1.0.0.2 at reset"];

    public MemoryStream Received { get; } = new();

    /// <summary>Every block number that arrived with a good CRC, copies included, in order.</summary>
    public List<int> Blocks { get; } = [];

    public int EotCount { get; private set; }

    public void Dispose()
    {
        thread.Join(TimeSpan.FromSeconds(5));
        if (failure is not null and not (EndOfStreamException or IOException or ObjectDisposedException))
            throw new InvalidOperationException("The fake receiver failed.", failure);
    }

    private void Run()
    {
        try
        {
            Serve();
        }
        catch (Exception e)
        {
            failure = e;
        }
    }

    private void Write(params byte[] bytes) => link.Write(bytes);

    private void Line(string text) => link.Write(Encoding.ASCII.GetBytes(text + "\r\n"));

    private byte Read()
    {
        Span<byte> one = stackalloc byte[1];
        return link.Read(one) == 1 ? one[0] : throw new EndOfStreamException();
    }

    private void Serve()
    {
        link.ReadTimeout = Timeout.Infinite;
        for (var i = 0; i < StaleHandshakes; i++)
            Write(Xmodem.CrcRequest);
        if (!ReceiveRunning)
        {
            var command = new StringBuilder();
            for (var b = Read(); b != '\r'; b = Read())
                command.Append((char)b);
            Line("> " + command);
            if (command.ToString() != "receive")
            {
                Line($"unknown command '{command}'");
                return;
            }

            if (Refusal is not null)
            {
                Line(Refusal);
                return;
            }

            Line("receive: ready for XMODEM-1K, send the slot image now");
        }

        Write(Xmodem.CrcRequest);
        var expected = 1;
        var eotNaked = false;
        while (true)
        {
            var start = Read();
            if (start == Xmodem.Eot)
            {
                EotCount++;
                if (!eotNaked)
                {
                    eotNaked = true;
                    Write(Xmodem.Nak);
                    continue;
                }

                Write(Xmodem.Ack);
                foreach (var line in Answer)
                    Line(line);
                return;
            }

            if (start is not (Xmodem.Stx or Xmodem.Soh))
                throw new InvalidOperationException($"Expected a block start, got 0x{start:X2}.");
            var size = start == Xmodem.Stx ? Xmodem.BlockSize : Xmodem.ShortBlockSize;
            var number = Read();
            var complement = Read();
            var data = new byte[size];
            for (var i = 0; i < size; i++)
                data[i] = Read();
            var crc = (ushort)(Read() << 8 | Read());
            if ((byte)(number + complement) != 0xFF || crc != Xmodem.Crc16(data))
            {
                Write(Xmodem.Nak);
                continue;
            }

            Blocks.Add(number);
            if (number == (byte)(expected - 1) && expected > 1)
            {
                Write(Xmodem.Ack);
                continue;
            }

            if (number != (byte)expected)
            {
                Write(Xmodem.Can, Xmodem.Can, Xmodem.Can);
                Line("receive: transfer failed: block out of sequence");
                return;
            }

            if (NakOnce.Remove(expected))
            {
                Write(Xmodem.Nak);
                continue;
            }

            if (CancelAt is { } cancel && cancel.Block == expected)
            {
                Write(Xmodem.Can, Xmodem.Can, Xmodem.Can, Xmodem.Can, Xmodem.Can);
                Line(cancel.Line);
                return;
            }

            Received.Write(data);
            if (!LoseAck.Remove(expected))
                Write(Xmodem.Ack);
            expected++;
        }
    }
}
