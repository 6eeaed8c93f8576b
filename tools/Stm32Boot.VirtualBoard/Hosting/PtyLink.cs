// USART1 on a new pseudo-terminal: a program such as stm32flash or picocom opens the printed /dev/pts path as if
// it were the ST-LINK virtual COM port. The slave side is put in raw mode (no echo, no line editing); a pty has no
// baud rate or parity, so every byte arrives well-framed.
using System.Runtime.InteropServices;
using System.Text;

namespace Stm32Boot.VirtualBoard.Hosting;

public sealed unsafe class PtyLink : IUartHostLink
{
    private readonly int _master;
    private readonly int _slave;
    private readonly ReceiveQueue _in = new();
    private volatile bool _closed;

    public PtyLink()
    {
        var name = new byte[256];
        if (openpty(out _master, out _slave, name, IntPtr.Zero, IntPtr.Zero) != 0)
            throw new IOException($"openpty failed (errno {Marshal.GetLastPInvokeError()}): cannot create a pseudo-terminal for USART1.");
        Path = Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0));
        Termios.Set(_slave, Termios.Raw(Termios.Get(_slave, Path)), Path);
        var reader = new Thread(ReadLoop) { IsBackground = true, Name = $"{Path} → USART1" };
        reader.Start();
    }

    /// The slave device to open, e.g. /dev/pts/4.
    public string Path { get; }
    public string Description => $"pty {Path}";

    public void Send(byte value)
    {
        // The slave stays open on our side, so a write never fails for lack of a reader; the pty buffers it.
        write(_master, &value, 1);
    }

    public event Action? Received
    {
        add => _in.Added += value;
        remove => _in.Added -= value;
    }

    public int Receive(Span<byte> buffer) => _in.Take(buffer);

    private void ReadLoop()
    {
        var buffer = new byte[256];
        while (!_closed)
        {
            var n = read(_master, buffer, buffer.Length);
            if (n > 0) _in.Add(buffer.AsSpan(0, (int)n));
            else if (n < 0 && Marshal.GetLastPInvokeError() != 4 /* EINTR */) Thread.Sleep(10); // EIO while no client is attached
            else if (n == 0) return;
        }
    }

    public void Dispose()
    {
        _closed = true;
        close(_slave);
        close(_master);
    }

    [DllImport("libc", SetLastError = true)] private static extern int openpty(out int master, out int slave, byte[] name, IntPtr termp, IntPtr winp);
    [DllImport("libc", SetLastError = true)] private static extern nint read(int fd, byte[] buffer, nint count);
    [DllImport("libc", SetLastError = true)] private static extern nint write(int fd, byte* buffer, nint count);
    [DllImport("libc")] private static extern int close(int fd);
}
