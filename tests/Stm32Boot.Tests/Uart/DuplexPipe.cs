namespace Stm32Boot.Tests.Uart;

/// <summary>
/// Two connected in-memory streams, like the two ends of a null-modem cable: what one writes, the other reads.
/// Reads honour <see cref="Stream.ReadTimeout"/> by throwing <see cref="TimeoutException"/>, as a serial port's
/// stream does; disposing one end gives the other end's reads end of stream.
/// </summary>
public static class DuplexPipe
{
    public static (Stream Host, Stream Device) Create()
    {
        var toDevice = new ByteQueue();
        var toHost = new ByteQueue();
        return (new End(toHost, toDevice), new End(toDevice, toHost));
    }

    private sealed class ByteQueue
    {
        private readonly Queue<byte> bytes = new();
        private bool closed;

        public void Add(ReadOnlySpan<byte> data)
        {
            lock (bytes)
            {
                if (closed)
                    throw new IOException("The other end of the pipe is closed.");
                foreach (var b in data)
                    bytes.Enqueue(b);
                Monitor.PulseAll(bytes);
            }
        }

        public int Take(Span<byte> buffer, int timeoutMs)
        {
            lock (bytes)
            {
                while (bytes.Count == 0)
                {
                    if (closed)
                        return 0;
                    if (!Monitor.Wait(bytes, timeoutMs))
                        throw new TimeoutException("The operation has timed out.");
                }

                var count = Math.Min(buffer.Length, bytes.Count);
                for (var i = 0; i < count; i++)
                    buffer[i] = bytes.Dequeue();
                return count;
            }
        }

        public void Close()
        {
            lock (bytes)
            {
                closed = true;
                Monitor.PulseAll(bytes);
            }
        }
    }

    private sealed class End(ByteQueue incoming, ByteQueue outgoing) : Stream
    {
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override bool CanTimeout => true;
        public override int ReadTimeout { get; set; } = Timeout.Infinite;

        public override int Read(Span<byte> buffer) => buffer.IsEmpty ? 0 : incoming.Take(buffer, ReadTimeout);
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer) => outgoing.Add(buffer);
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Flush() { }

        protected override void Dispose(bool disposing)
        {
            outgoing.Close();
            incoming.Close();
            base.Dispose(disposing);
        }

        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
