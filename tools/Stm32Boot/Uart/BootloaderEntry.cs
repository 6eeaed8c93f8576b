using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Stm32Boot.Uart;

/// <summary>
/// Reaching the bootloader without touching the board: send the running application a console command (its
/// `update` sets the update request and resets), then wait for the bootloader's banner to report update mode
/// ("stay: update requested by application").
/// </summary>
public static class BootloaderEntry
{
    /// <summary>The line the bootloader prints when it stays in update mode, whatever the reason.</summary>
    public const string StayPrefix = "stay: ";

    /// <summary>The line it prints before it starts the application instead.</summary>
    public const string BootPrefix = "boot: ";

    private static readonly TimeSpan StaleQuiet = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan StaleLimit = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Turns the --enter text into bytes: \r, \n, \t, \\ and \xHH escapes, everything else as ASCII. The text must
    /// end with \r or \n, which is what makes the console run the command.
    /// </summary>
    public static byte[] ParseCommand(string text)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c > 0x7E || (c < 0x20 && c is not ('\r' or '\n' or '\t')))
                throw new Stm32BootException($"--enter '{text}': character {i + 1} is not printable ASCII; write control characters as \\r, \\n, \\t or \\xHH.");
            if (c != '\\')
            {
                bytes.Add((byte)c);
                continue;
            }

            var escape = i + 1 < text.Length ? text[++i] : '\0';
            switch (escape)
            {
                case 'r': bytes.Add((byte)'\r'); break;
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case '\\': bytes.Add((byte)'\\'); break;
                case 'x' when i + 2 < text.Length && byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value):
                    bytes.Add(value);
                    i += 2;
                    break;
                default:
                    throw new Stm32BootException($"--enter '{text}': the escape at character {i} is not one of \\r, \\n, \\t, \\\\ or \\xHH (two hex digits).");
            }
        }

        if (bytes.Count == 0 || bytes[^1] is not ((byte)'\r' or (byte)'\n'))
            throw new Stm32BootException($"--enter '{text}' must end with \\r or \\n, which makes the application's console run it (e.g. --enter \"update\\r\").");
        return [.. bytes];
    }

    /// <summary>How long a bootloader in update mode may take to answer the sync byte: it answers from its receive
    /// loop at once (AN3155: ACK, or NACK when synchronised already), so this only covers the link's latency.</summary>
    public static readonly TimeSpan SyncProbeWait = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Whether a bootloader in update mode listens on the link already (a blank board, B1 held at reset, an earlier
    /// session): one AN3155 sync byte 0x7F, in the link's current (flash) framing, answered with ACK or NACK. An
    /// application's console takes the byte for DEL on an empty line (nothing happens) or, at another baud rate, for a
    /// garbled character, which the caller clears with a line end before it types its command.
    /// </summary>
    public static bool AnswersSync(Stream stream)
    {
        TimedRead.RequireTimeouts(stream);
        TimedRead.Drain(stream, StaleQuiet, StaleLimit);
        stream.Write([An3155.Sync]);
        stream.Flush();
        var buffer = new byte[64];
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < SyncProbeWait)
        {
            var count = TimedRead.Some(stream, buffer, SyncProbeWait - Stopwatch.GetElapsedTime(start));
            if (buffer.AsSpan(0, count).IndexOfAny(An3155.Ack, An3155.Nack) >= 0)
                return true;
        }

        return false;
    }

    /// <summary>Sends <paramref name="command"/> and returns the bootloader's "stay: …" line.</summary>
    /// <param name="timeout">How long the reset and the bootloader's checks may take until that line.</param>
    /// <param name="onLine">Sees every line that arrives meanwhile (the echo, the application's reply, the banner).</param>
    public static string Enter(Stream stream, byte[] command, TimeSpan timeout, Action<string>? onLine = null)
    {
        TimedRead.RequireTimeouts(stream);
        // What the board printed before (its last boot banner, still in a pty's buffer) answers nothing we asked.
        // A console that never falls silent gets the command anyway.
        TimedRead.Drain(stream, StaleQuiet, StaleLimit);
        stream.Write(command);
        stream.Flush();
        var line = new StringBuilder();
        var buffer = new byte[256];
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < timeout)
        {
            var count = TimedRead.Some(stream, buffer, timeout - Stopwatch.GetElapsedTime(start));
            foreach (var b in buffer.AsSpan(0, count))
            {
                if (b != '\n')
                {
                    if (b != '\r')
                        line.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
                    continue;
                }

                var text = line.ToString();
                line.Clear();
                onLine?.Invoke(text);
                if (text.StartsWith(StayPrefix, StringComparison.Ordinal))
                    return text;
                if (text.StartsWith(BootPrefix, StringComparison.Ordinal))
                    throw new Stm32BootException($"the bootloader started the application again ('{text}') instead of staying in update mode: " +
                                                 "the command did not request an update. Check the --enter command, or hold B1 while resetting the board.");
            }
        }

        throw new Stm32BootException($"no '{StayPrefix}…' line from the bootloader within {timeout.TotalSeconds:0.#} s of sending the --enter command: " +
                                     $"is the application running, with its console on this port at {UartFraming.Console}? " +
                                     "Otherwise put the board in update mode by hand: hold B1 (USER) and press RESET.");
    }
}
