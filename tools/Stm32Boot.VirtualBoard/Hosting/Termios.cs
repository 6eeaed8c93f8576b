// Terminal line settings (POSIX termios, glibc on Linux): the pty link sets its slave raw; the stdio link, when its
// input is a terminal, turns off the terminal's own echo and line editing, as a serial terminal program does, so
// that what the firmware echoes is the only echo.
using System.Runtime.InteropServices;

namespace Stm32Boot.VirtualBoard.Hosting;

internal static class Termios
{
    // struct termios on Linux (x86-64 and arm64 alike): tcflag_t c_iflag, c_oflag, c_cflag, c_lflag; cc_t c_line;
    // cc_t c_cc[32]; speeds. 60 bytes with glibc; a larger buffer keeps this independent of the exact size.
    private const int Size = 256;
    private const int IflagOffset = 0, LflagOffset = 12, CcOffset = 17;
    // <bits/termios-c_lflag.h>, <bits/termios-c_iflag.h>, <bits/termios-c_cc.h> (octal there).
    private const uint ICANON = 0x2, ECHO = 0x8, ECHOE = 0x10, ECHOK = 0x20, ECHONL = 0x40, IEXTEN = 0x8000;
    private const uint ICRNL = 0x100, IXON = 0x400;
    private const int VTIME = 5, VMIN = 6;

    public static byte[] Get(int fd, string what)
    {
        var termios = new byte[Size];
        if (tcgetattr(fd, termios) != 0) throw new IOException($"tcgetattr on {what} failed (errno {Marshal.GetLastPInvokeError()}).");
        return termios;
    }

    public static void Set(int fd, byte[] termios, string what)
    {
        if (tcsetattr(fd, 0 /* TCSANOW */, termios) != 0) throw new IOException($"tcsetattr on {what} failed (errno {Marshal.GetLastPInvokeError()}).");
    }

    /// <summary>cfmakeraw(3): no echo, no line editing, no signals, 8 bits through unchanged.</summary>
    public static byte[] Raw(byte[] termios)
    {
        var raw = (byte[])termios.Clone();
        cfmakeraw(raw);
        return raw;
    }

    /// <summary>Like a serial terminal program: every key goes to the board at once (no ICANON), the terminal echoes
    /// nothing (no ECHO*), Enter sends CR as the board's console expects (no ICRNL), Ctrl-S/Q reach the board (no IXON);
    /// ISIG stays, so Ctrl-C still stops the emulator.</summary>
    public static byte[] Keystrokes(byte[] termios)
    {
        var keys = (byte[])termios.Clone();
        Clear(keys, LflagOffset, ICANON | ECHO | ECHOE | ECHOK | ECHONL | IEXTEN);
        Clear(keys, IflagOffset, ICRNL | IXON);
        keys[CcOffset + VMIN] = 1;
        keys[CcOffset + VTIME] = 0;
        return keys;
    }

    public static bool IsTerminal(int fd) => isatty(fd) == 1;

    private static void Clear(byte[] termios, int offset, uint bits)
    {
        var value = BitConverter.ToUInt32(termios, offset) & ~bits;
        BitConverter.TryWriteBytes(termios.AsSpan(offset, 4), value);
    }

    [DllImport("libc", SetLastError = true)] private static extern int tcgetattr(int fd, byte[] termios);
    [DllImport("libc", SetLastError = true)] private static extern int tcsetattr(int fd, int action, byte[] termios);
    [DllImport("libc")] private static extern void cfmakeraw(byte[] termios);
    [DllImport("libc")] private static extern int isatty(int fd);
}
