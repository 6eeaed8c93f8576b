// Bytes a host link's reader thread received, handed to the board's thread without blocking it.
using System.Collections.Concurrent;

namespace Stm32Boot.VirtualBoard.Hosting;

internal sealed class ReceiveQueue
{
    private readonly ConcurrentQueue<byte> _bytes = new();

    /// Raised after Add, on the adding thread.
    public event Action? Added;

    public void Add(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        foreach (var b in bytes) _bytes.Enqueue(b);
        Added?.Invoke();
    }

    public int Take(Span<byte> buffer)
    {
        var count = 0;
        while (count < buffer.Length && _bytes.TryDequeue(out var b)) buffer[count++] = b;
        return count;
    }
}
