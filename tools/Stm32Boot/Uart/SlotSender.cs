using System.Diagnostics;
using System.Text;

namespace Stm32Boot.Uart;

/// <summary>How a slot update ended: the transfer, and the application's answer line.</summary>
public sealed record SlotSendResult(XmodemReport Transfer, string Answer);

/// <summary>
/// Updates a running application that has a second slot (SlotMode swap) through its console: optionally types its
/// `receive` command, sends the slot image over XMODEM-1K (<see cref="XmodemSender"/>) and reads its answer. The
/// application writes the image into the secondary slot, has the bootloader's policy verify it, and answers
/// "receive: installing A.B.C.D at reset" before it resets into the bootloader, which installs it; any other
/// "receive: " line is its reason for installing nothing (application/src/commands.c).
/// </summary>
public sealed class SlotSender(Stream stream)
{
    public static readonly byte[] ReceiveCommand = "receive\r"u8.ToArray();
    public const string LinePrefix = "receive: ";
    public const string ReadyPrefix = "receive: ready";
    public const string VerifiedPrefix = "receive: verified ";
    public const string InstallingPrefix = "receive: installing ";

    private static readonly TimeSpan StaleQuiet = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan StaleLimit = TimeSpan.FromSeconds(1);

    /// <summary>For the receiver's first 'C' (see <see cref="XmodemSender.HandshakeTimeout"/>).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>For each block's answer (see <see cref="XmodemSender.AnswerTimeout"/>) and for the application's answer
    /// line after the transfer.</summary>
    public TimeSpan AnswerTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Every console line the application prints (echo, answers).</summary>
    public Action<string>? OnLine { get; init; }

    /// <param name="image">The slot image.</param>
    /// <param name="start">Type `receive` first; otherwise the command must be running already.</param>
    public SlotSendResult Send(SlotImage image, bool start, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        TimedRead.RequireTimeouts(stream);
        if (start)
        {
            // What the console printed before (a boot banner in a pty's buffer) answers nothing we asked.
            TimedRead.Drain(stream, StaleQuiet, StaleLimit);
            stream.Write(ReceiveCommand);
            stream.Flush();
        }

        var sender = new XmodemSender(stream)
        {
            HandshakeTimeout = HandshakeTimeout,
            AnswerTimeout = AnswerTimeout,
            OnLine = line =>
            {
                OnLine?.Invoke(line);
                if ((line.StartsWith(LinePrefix, StringComparison.Ordinal) && !line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
                    || line.Contains("unknown command 'receive'", StringComparison.Ordinal))
                    throw new Stm32BootException($"the application does not receive: '{line}'");
            },
        };
        sender.WaitForReceiver(cancellationToken);
        XmodemReport report;
        try
        {
            report = sender.Send(image.Bytes, progress, cancellationToken);
        }
        catch (XmodemException e) when (e.Failure == XmodemFailure.CancelledByReceiver)
        {
            var reason = ReadAnswer();
            throw new Stm32BootException($"{e.Message} The application says: '{reason ?? "nothing"}'; nothing was installed.");
        }

        var answer = ReadAnswer() ?? throw new Stm32BootException(
            $"no answer from the application within {AnswerTimeout.TotalSeconds:0} s of the end of the transfer.");
        if (!answer.StartsWith(InstallingPrefix, StringComparison.Ordinal))
            throw new Stm32BootException($"the application did not install the image: '{answer}'");
        return new SlotSendResult(report, answer);
    }

    /// <summary>The application's first "receive: " line that is not the verification's (which it prints before
    /// "installing"); null if none came in time.</summary>
    private string? ReadAnswer()
    {
        var line = new StringBuilder();
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            var left = AnswerTimeout - Stopwatch.GetElapsedTime(start);
            if (left <= TimeSpan.Zero || !TimedRead.Byte(stream, left, out var b))
                return null;
            if (b != '\n')
            {
                // The rest of a cancel (CAN) and other control bytes are no text.
                if (b is >= 0x20 and < 0x7F)
                    line.Append((char)b);
                continue;
            }

            var text = line.ToString();
            line.Clear();
            OnLine?.Invoke(text);
            if (text.StartsWith(LinePrefix, StringComparison.Ordinal) && !text.StartsWith(VerifiedPrefix, StringComparison.Ordinal))
                return text;
        }
    }
}
