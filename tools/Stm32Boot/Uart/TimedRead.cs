using System.Diagnostics;
using System.Net.Sockets;

namespace Stm32Boot.Uart;

/// <summary>
/// Reads from a link with a time limit per read, through <see cref="Stream.ReadTimeout"/>: the one timeout
/// mechanism that a serial port, a TCP socket and a test pipe all offer without closing the stream when it fires.
/// Each stream reports an expired read its own way; this class turns them all into "nothing arrived".
/// </summary>
internal static class TimedRead
{
    public static void RequireTimeouts(Stream stream)
    {
        if (!stream.CanRead || !stream.CanWrite)
            throw new ArgumentException("The link stream must be readable and writable.", nameof(stream));
        if (!stream.CanTimeout)
            throw new ArgumentException("The link stream must support read timeouts (Stream.CanTimeout), as SerialPort.BaseStream and " +
                                        "NetworkStream do: every reply of the bootloader is awaited with a time limit.", nameof(stream));
    }

    /// <summary>Reads at least one byte into <paramref name="buffer"/>; 0 if none arrived within <paramref name="timeout"/>.</summary>
    public static int Some(Stream stream, Span<byte> buffer, TimeSpan timeout)
    {
        // A serial port takes 0 as "return at once" and a socket as "wait forever": never pass 0.
        stream.ReadTimeout = (int)Math.Clamp(Math.Ceiling(timeout.TotalMilliseconds), 1, int.MaxValue);
        int count;
        try
        {
            count = stream.Read(buffer);
        }
        catch (Exception e) when (IsTimeout(e))
        {
            return 0;
        }

        return count > 0 ? count : throw new EndOfStreamException("The link was closed at the other end (board or emulator gone, cable unplugged?).");
    }

    public static bool Byte(Stream stream, TimeSpan timeout, out byte value)
    {
        Span<byte> one = stackalloc byte[1];
        var got = Some(stream, one, timeout) == 1;
        value = one[0];
        return got;
    }

    /// <summary>Discards whatever arrives until the line has been silent for <paramref name="quiet"/>; false if it
    /// still talks after <paramref name="limit"/>.</summary>
    public static bool Drain(Stream stream, TimeSpan quiet, TimeSpan limit)
    {
        var buffer = new byte[256];
        var start = Stopwatch.GetTimestamp();
        while (Some(stream, buffer, quiet) > 0)
            if (Stopwatch.GetElapsedTime(start) > limit)
                return false;
        return true;
    }

    // SerialPort's stream and test pipes throw TimeoutException; NetworkStream wraps the socket's TimedOut
    // (EAGAIN) in an IOException.
    private static bool IsTimeout(Exception e) =>
        e is TimeoutException || e is IOException { InnerException: SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock } };
}
