// USART1 as a Stream for a host program in the same process (An3155Client, BootloaderEntry): deterministic and
// single-threaded, with no wall clock anywhere. Write puts the bytes on the host's TX line at once, back to back at
// the host's baud rate; Read runs the board in virtual time until USART1 has sent something or the read timeout,
// counted in virtual milliseconds, has passed, and then hands over a burst as a serial driver does: until the
// buffer is full or the line has been quiet for two frames. The host itself takes no virtual time: it answers the
// instant its buffer is full (an ACK, the exact length of a Read Memory answer), like a host with no USB-serial
// latency. Parity is a framing setting of the USART model, not of the line (every host byte arrives well framed in
// the format the firmware chose), so a host that switches from the 8N1 console to the 8E1 protocol only changes Baud.

namespace Stm32Boot.VirtualBoard.Hosting;

public sealed class VirtualUartStream : Stream
{
    /// How far an infinite read runs the board at a time before it looks again.
    private const ulong InfiniteReadStep = Board.Second;
    /// Start, 8 data bits, parity, stop: the longest frame the bootloader's line uses.
    private const ulong FrameBits = 11;

    private readonly Board _board;
    private readonly Queue<byte> _received = new();
    private readonly Action<byte> _onTransmitted;
    private int _readTimeoutMs = Timeout.Infinite;
    private ulong _lastByteAtPs;
    private bool _disposed;

    /// <param name="baud">The host's line rate (Usart1.HostBaudRate): the firmware must receive at it, by its own
    /// BRR or by auto-baud on the host's first byte.</param>
    public VirtualUartStream(Board board, int baud)
    {
        ArgumentNullException.ThrowIfNull(board);
        _board = board;
        Baud = baud;
        _onTransmitted = b =>
        {
            _received.Enqueue(b);
            _lastByteAtPs = board.NowPs;
        };
        board.Peripherals.Console.Transmitted += _onTransmitted;
    }

    /// The host's baud rate; changing it affects the bytes written from then on.
    public int Baud
    {
        get => _board.Peripherals.Console.HostBaudRate ?? 0;
        set
        {
            if (value is < 300 or > 10_000_000)
                throw new ArgumentOutOfRangeException(nameof(value), value, "A UART host sends at 300 to 10 000 000 baud.");
            _board.Peripherals.Console.HostBaudRate = value;
        }
    }

    /// Bytes the host has put on the line since the stream was created.
    public long BytesWritten { get; private set; }

    public override bool CanRead => !_disposed;
    public override bool CanWrite => !_disposed;
    public override bool CanSeek => false;
    public override bool CanTimeout => true;

    /// In milliseconds of virtual time; Timeout.Infinite runs the board until a byte comes.
    public override int ReadTimeout
    {
        get => _readTimeoutMs;
        set
        {
            if (value < 0 && value != Timeout.Infinite)
                throw new ArgumentOutOfRangeException(nameof(value), value, "A read timeout is a number of milliseconds, or Timeout.Infinite.");
            _readTimeoutMs = value;
        }
    }

    /// Runs the board until USART1 has sent at least one byte, then until the buffer is full or USART1 has been
    /// quiet for two frame times; throws TimeoutException when ReadTimeout virtual milliseconds pass without a byte.
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty) return 0;
        if (_received.Count == 0)
        {
            if (_readTimeoutMs == Timeout.Infinite)
                while (_received.Count == 0) _board.RunFor(InfiniteReadStep, () => _received.Count > 0);
            else
                _board.RunFor((ulong)_readTimeoutMs * Board.Millisecond, () => _received.Count > 0);
            if (_received.Count == 0)
                throw new TimeoutException($"USART1 sent nothing within {_readTimeoutMs} ms of virtual time.");
        }
        // One byte per Read would cost a run of the board per byte; a burst costs one.
        var quietPs = 2 * FrameBits * (Board.Second / (ulong)Baud);
        var wanted = buffer.Length;
        while (_received.Count < wanted && _board.NowPs < _lastByteAtPs + quietPs)
        {
            var quietAt = _lastByteAtPs + quietPs;
            _board.Machine.RunUntil(quietAt, () => _received.Count >= wanted || _lastByteAtPs + quietPs > quietAt);
        }
        var count = 0;
        while (count < buffer.Length && _received.TryDequeue(out var b)) buffer[count++] = b;
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// Queues the bytes on the host's TX line; they reach USART1 RX one frame time apart, from now on.
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _board.SendToUart(buffer);
        BytesWritten += buffer.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// The bytes are on the line as soon as Write returns.
    public override void Flush() { }

    public override long Length => throw new NotSupportedException("A UART has no length.");
    public override long Position
    {
        get => throw new NotSupportedException("A UART has no position.");
        set => throw new NotSupportedException("A UART has no position.");
    }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A UART cannot seek.");
    public override void SetLength(long value) => throw new NotSupportedException("A UART has no length.");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _board.Peripherals.Console.Transmitted -= _onTransmitted;
            _disposed = true;
        }
        base.Dispose(disposing);
    }
}
