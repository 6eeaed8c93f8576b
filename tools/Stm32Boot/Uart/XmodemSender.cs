using System.Diagnostics;
using System.Text;

namespace Stm32Boot.Uart;

/// <summary>What a completed transfer took; <paramref name="Resent"/> counts blocks sent again (NAK or no answer).</summary>
public sealed record XmodemReport(int Blocks, long Bytes, int Resent, TimeSpan Elapsed);

/// <summary>
/// The sending side of XMODEM-1K (see <see cref="Xmodem"/>), as the XMODEM/YMODEM protocol reference describes it:
/// waits for the receiver's 'C', sends 1024-byte blocks numbered from 1 and resends a block on NAK or when no answer
/// comes, sends EOT until it is acknowledged (the receiver NAKs the first), and stops on CAN CAN. Blocking, over any
/// stream with read timeouts (a serial port, a TCP socket, a test pipe).
/// </summary>
public sealed class XmodemSender
{
    private static readonly TimeSpan SecondCanWait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StaleWait = TimeSpan.FromMilliseconds(50);
    private readonly Stream stream;

    public XmodemSender(Stream stream)
    {
        TimedRead.RequireTimeouts(stream);
        this.stream = stream;
    }

    /// <summary>How long to wait for the receiver's first 'C' (it sends one every 3 s).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long to wait for the answer to a block: longer than the receiver's own 10-s timeout, after which it
    /// NAKs, and than the longest block it stores (the last one, which has the whole image verified first).</summary>
    public TimeSpan AnswerTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How often one block (or the EOT) is sent again before giving up (the reference's 10).</summary>
    public int MaxRetries { get; init; } = 10;

    /// <summary>Sees every text line that arrives before the handshake (a console's echo and answers); it may throw
    /// to stop waiting.</summary>
    public Action<string>? OnLine { get; init; }

    /// <summary>Waits for the receiver's 'C'. A 'C' counts only at the start of a line: the console's text before
    /// it is passed to <see cref="OnLine"/>.</summary>
    public void WaitForReceiver(CancellationToken cancellationToken = default)
    {
        var line = new StringBuilder();
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var left = HandshakeTimeout - Stopwatch.GetElapsedTime(start);
            if (left <= TimeSpan.Zero || !TimedRead.Byte(stream, Min(left, TimeSpan.FromMilliseconds(250)), out var b))
            {
                if (left <= TimeSpan.Zero)
                    throw new XmodemException(XmodemFailure.NoReceiver,
                        $"no XMODEM receiver: no 'C' within {HandshakeTimeout.TotalSeconds:0} s. Is the application's `receive` running on this port " +
                        "(type it on the console, or pass --start)?");
                continue;
            }

            if (line.Length == 0 && b == Xmodem.CrcRequest)
            {
                // 'C's the receiver sent while nobody listened (a pty keeps them) would each be taken for an answer.
                while (TimedRead.Byte(stream, StaleWait, out var more) && more == Xmodem.CrcRequest)
                {
                }

                return;
            }
            if (line.Length == 0 && b == Xmodem.Nak)
                throw new XmodemException(XmodemFailure.ChecksumMode,
                    "the receiver asks for XMODEM's checksum mode (NAK); this sender speaks only the CRC-16 mode ('C').");
            if (b == '\n')
            {
                OnLine?.Invoke(line.ToString());
                line.Clear();
            }
            else if (b is >= 0x20 and < 0x7F)
            {
                line.Append((char)b);
            }
        }
    }

    /// <summary>Sends <paramref name="data"/> in 1024-byte blocks, the last one padded with <see cref="Xmodem.Pad"/>,
    /// then EOT. Call <see cref="WaitForReceiver"/> first.</summary>
    public XmodemReport Send(ReadOnlySpan<byte> data, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var start = Stopwatch.GetTimestamp();
        var blocks = (data.Length + Xmodem.BlockSize - 1) / Xmodem.BlockSize;
        var resent = 0;
        var block = new byte[Xmodem.BlockSize];
        try
        {
            for (var i = 0; i < blocks; i++)
            {
                var chunk = data.Slice(i * Xmodem.BlockSize, Math.Min(Xmodem.BlockSize, data.Length - i * Xmodem.BlockSize));
                block.AsSpan().Fill(Xmodem.Pad);
                chunk.CopyTo(block);
                resent += Exchange(Xmodem.Frame(i + 1, block), $"block {i + 1} of {blocks}", cancellationToken);
                progress?.Report(Math.Min((long)(i + 1) * Xmodem.BlockSize, data.Length));
            }

            // The receiver NAKs the first EOT by design: not counted as sent again.
            Exchange([Xmodem.Eot], "the end of transfer (EOT)", cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Cancel();
            throw;
        }

        return new XmodemReport(blocks, data.Length, resent, Stopwatch.GetElapsedTime(start));
    }

    /// <summary>Tells the receiver to give up: CAN, several times (it needs two in a row where a block would start).</summary>
    public void Cancel()
    {
        stream.Write([Xmodem.Can, Xmodem.Can, Xmodem.Can, Xmodem.Can, Xmodem.Can]);
        stream.Flush();
    }

    /// <summary>Sends one frame until it is acknowledged; returns how often it was sent again.</summary>
    private int Exchange(byte[] frame, string what, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (attempt > MaxRetries)
            {
                Cancel();
                throw new XmodemException(XmodemFailure.TooManyRetries,
                    $"XMODEM: {what} was not acknowledged after {MaxRetries} retries; the transfer was cancelled.");
            }

            stream.Write(frame);
            stream.Flush();
            switch (ReadAnswer())
            {
                case Xmodem.Ack:
                    return attempt;
                case Xmodem.Can:
                    throw new XmodemException(XmodemFailure.CancelledByReceiver, $"XMODEM: the receiver cancelled the transfer at {what}.");
                default:
                    // NAK, or no answer: the same frame again.
                    continue;
            }
        }
    }

    /// <summary>ACK, NAK, CAN (two in a row) or 0 for no answer within <see cref="AnswerTimeout"/>. Any other byte is
    /// skipped: line noise, or a 'C' the receiver repeats while the first block is on its way (taken for a NAK, it
    /// would have that block twice, and its ACK of the copy would answer the next block).</summary>
    private byte ReadAnswer()
    {
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            var left = AnswerTimeout - Stopwatch.GetElapsedTime(start);
            if (left <= TimeSpan.Zero || !TimedRead.Byte(stream, left, out var b))
                return 0;
            switch (b)
            {
                case Xmodem.Ack or Xmodem.Nak:
                    return b;
                case Xmodem.Can when TimedRead.Byte(stream, SecondCanWait, out var next) && next == Xmodem.Can:
                    return Xmodem.Can;
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
