using System.Buffers.Binary;
using System.Diagnostics;

namespace Stm32Boot.Uart;

/// <summary>
/// The host side of ST's AN3155 USART bootloader protocol, over any stream with read timeouts (a serial port,
/// a pty, a TCP socket, a test pipe). Each method is one command. A reply that does not come, or comes garbled,
/// makes the client resynchronise with the bootloader and repeat the command, up to <see cref="Retries"/> times;
/// a NACK is final. Either way the <see cref="An3155Exception"/> names the command and the step that failed.
/// </summary>
public sealed class An3155Client
{
    // Resynchronising sends this byte to complete whatever frame the bootloader is still collecting, so that it
    // answers and goes back to waiting for a command. A frame of it can never pass the bootloader's checks, so
    // the fill never writes, erases or starts anything: a command pair 80 80 is not a byte and its complement;
    // an address frame XORs to 0, not 0x80; a Write Memory block of N + 1 = 129 bytes is not a multiple of 4 and
    // its XOR over 130 equal bytes is 0; an Extended Erase count of 0x8081 pages exceeds any device. 0x7F, the
    // sync byte, would be wrong here: a Write Memory block of 0x7F bytes has a valid checksum.
    private const byte Filler = 0x80;

    // Enough filler to complete, from any point, the longest frame a bootloader may be collecting: a Write Memory
    // block (N, 256 bytes, checksum), or a longer frame this client sent itself (a long Extended Erase list).
    private const int MinFillerLength = 1 + An3155.MaxBlockLength + 1;

    // The first time a new link is tried, stale bytes may still be arriving (a console echo); a peer that keeps
    // talking for this long is not a bootloader waiting for sync.
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(3);

    private readonly Stream stream;
    private int longestFrame;

    public An3155Client(Stream stream)
    {
        TimedRead.RequireTimeouts(stream);
        this.stream = stream;
    }

    public An3155Timeouts Timeouts { get; init; } = new();

    /// <summary>How often a command is repeated after a lost or garbled reply.</summary>
    public int Retries { get; init; } = 3;

    /// <summary>Called with the failure before each repetition, so a user sees a flaky line.</summary>
    public Action<An3155Exception>? Retrying { get; init; }

    /// <summary>
    /// Starts the session: sync byte 0x7F, answered by ACK (a fresh bootloader, which measures the baud rate on
    /// it) or NACK (one that is synchronised already and takes 7F 7F for a bad command).
    /// </summary>
    public void Connect()
    {
        if (!TimedRead.Drain(stream, Timeouts.Quiet, DrainLimit))
            throw new An3155Exception(null, An3155Failure.UnexpectedReply,
                $"the link keeps sending data for more than {DrainLimit.TotalSeconds:0} s, so no bootloader is waiting for sync on it " +
                "(is the application running its console there?).");
        for (var attempt = 0; attempt < 2; attempt++)
            if (TrySync())
                return;
        try
        {
            // No answer to two sync bytes: a bootloader may still be in the middle of a frame of an earlier session.
            Resync(null);
        }
        catch (An3155Exception e) when (e.Failure == An3155Failure.NoAnswer)
        {
            throw new An3155Exception(null, An3155Failure.NoAnswer,
                "no answer: no bootloader is listening on this link. Is the board in update mode, and do port, baud rate and parity match?");
        }
    }

    /// <summary>Get Version (0x01): the protocol version and the two option bytes.</summary>
    public (byte Version, byte[] OptionBytes) GetVersion() => WithRetries(An3155Command.GetVersion, () =>
    {
        SendCommand(An3155Command.GetVersion);
        var reply = Receive(An3155Command.GetVersion, 3, "the version and option bytes");
        ExpectAck(An3155Command.GetVersion, "the end of its answer", Timeouts.Reply, "");
        return (reply[0], reply[1..]);
    });

    /// <summary>Get (0x00): the protocol version and the command codes the bootloader accepts.</summary>
    public (byte Version, byte[] Commands) Get() => WithRetries(An3155Command.Get, () =>
    {
        SendCommand(An3155Command.Get);
        var reply = ReceiveCounted(An3155Command.Get, "the version and command list");
        return (reply[0], reply[1..]);
    });

    /// <summary>Get ID (0x02): the product id, e.g. 0x0415.</summary>
    public ushort GetId() => WithRetries(An3155Command.GetId, () =>
    {
        SendCommand(An3155Command.GetId);
        var reply = ReceiveCounted(An3155Command.GetId, "the product id");
        return reply.Length == 2
            ? BinaryPrimitives.ReadUInt16BigEndian(reply)
            : throw new An3155Exception(An3155Command.GetId, An3155Failure.UnexpectedReply,
                $"the answer holds {reply.Length} bytes ({Convert.ToHexString(reply)}), but a product id is 2.");
    });

    /// <summary>Get Version, Get and Get ID, in the order stm32flash sends them.</summary>
    public BootloaderInfo Probe()
    {
        var (version, optionBytes) = GetVersion();
        var (_, commands) = Get();
        return new BootloaderInfo(version, optionBytes, commands, GetId());
    }

    /// <summary>Read Memory (0x11): 1 to 256 bytes from <paramref name="address"/>. A bootloader under read
    /// protection refuses the command itself: <see cref="An3155Failure.ReadProtected"/>.</summary>
    public byte[] ReadMemory(uint address, int length)
    {
        RequireBlock(address, length);
        return WithRetries(An3155Command.ReadMemory, () => ReadOnce(address, length));
    }

    /// <summary>
    /// Write Memory (0x31): 1 to 256 bytes, address and length multiples of 4. When the reply to a block is lost,
    /// the block is read back before it is sent again, because flash cannot be programmed twice without an
    /// erase: a block that arrived is not written a second time.
    /// </summary>
    public void WriteMemory(uint address, ReadOnlySpan<byte> data)
    {
        RequireBlock(address, data.Length);
        if (address % An3155.WriteAlignment != 0 || data.Length % An3155.WriteAlignment != 0)
            throw new ArgumentException($"Write Memory needs an address and a length that are multiples of {An3155.WriteAlignment}; " +
                                        $"got {data.Length} bytes at {HexNumber.Format(address)}.", nameof(data));
        var block = data.ToArray();
        var sent = false;
        WithRetries(An3155Command.WriteMemory, () =>
        {
            if (sent && ReadBackMatches(address, block))
                return true;
            sent = true;
            SendCommand(An3155Command.WriteMemory);
            SendAddress(An3155Command.WriteMemory, address, "it writes only inside the application header and image.");
            var frame = new byte[block.Length + 2];
            frame[0] = (byte)(block.Length - 1);
            block.CopyTo(frame, 1);
            frame[^1] = Xor(frame.AsSpan(0, frame.Length - 1));
            Send(frame);
            ExpectAck(An3155Command.WriteMemory, $"the {block.Length}-byte block for {HexNumber.Format(address)}", Timeouts.WriteBlock,
                "it did not program the block (a checksum error on the line, flash that is not erased there, or an image this repository's " +
                "bootloader refuses: it keeps the old application where it can, and its next banner names the reason, 'update refused: ...').");
            return true;
        });
    }

    /// <summary>Extended Erase (0x44) of the pages with these global numbers (bank 2 continues bank 1's numbering).</summary>
    public void ExtendedErase(IReadOnlyList<ushort> pages)
    {
        // 0xFFF0 and above are the mass and bank erase codes, not page counts.
        if (pages.Count is 0 or >= 0xFFF0)
            throw new ArgumentOutOfRangeException(nameof(pages), pages.Count, "Extended Erase takes 1 to 65519 page numbers.");
        WithRetries(An3155Command.ExtendedErase, () =>
        {
            SendCommand(An3155Command.ExtendedErase);
            var frame = new byte[2 + 2 * pages.Count + 1];
            BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)(pages.Count - 1));
            for (var i = 0; i < pages.Count; i++)
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2 + 2 * i), pages[i]);
            frame[^1] = Xor(frame.AsSpan(0, frame.Length - 1));
            Send(frame);
            var range = pages.Count == 1 ? $"page {pages[0]}" : $"{pages.Count} pages {pages[0]}–{pages[^1]}";
            ExpectAck(An3155Command.ExtendedErase, $"the erase of {range}", Timeouts.Erase(pages.Count),
                "it erases only the application header and image pages.");
            return true;
        });
    }

    /// <summary>Go (0x21): the bootloader starts the code whose vector table is at <paramref name="address"/>.</summary>
    public void Go(uint address) => WithRetries(An3155Command.Go, () =>
    {
        SendCommand(An3155Command.Go);
        try
        {
            SendAddress(An3155Command.Go, address, "it starts only an image it accepts (check the file with `stm32boot info`).");
        }
        catch (An3155Exception e) when (e.Retryable)
        {
            // Repeating is unsafe: the address may have arrived and the board be starting the application now.
            throw new An3155Exception(An3155Command.Go, An3155Failure.Unconfirmed,
                $"{e.Detail} The board may have started the application anyway: watch its console, or reset it.");
        }

        return true;
    });

    /// <summary>Whether a block whose ACK was lost is in flash already. Under read protection nobody can tell, and
    /// the block is sent again: this repository's bootloader takes identical bytes again as a no-op.</summary>
    private bool ReadBackMatches(uint address, byte[] block)
    {
        try
        {
            return ReadOnce(address, block.Length).AsSpan().SequenceEqual(block);
        }
        catch (An3155Exception e) when (e.Failure == An3155Failure.ReadProtected)
        {
            return false;
        }
    }

    private byte[] ReadOnce(uint address, int length)
    {
        try
        {
            SendCommand(An3155Command.ReadMemory);
        }
        catch (An3155Exception e) when (e.Failure == An3155Failure.Nack)
        {
            throw new An3155Exception(An3155Command.ReadMemory, An3155Failure.ReadProtected,
                "the bootloader answered NACK (0x1F) to the command itself: read protection is active (RDP level 1), nothing can be read back.");
        }
        SendAddress(An3155Command.ReadMemory, address, "it reads only inside the application header and image.");
        var count = (byte)(length - 1);
        Send([count, (byte)~count]);
        ExpectAck(An3155Command.ReadMemory, $"the length {length}", Timeouts.Reply, $"it refused to read {length} bytes at {HexNumber.Format(address)}.");
        return Receive(An3155Command.ReadMemory, length, $"the data from {HexNumber.Format(address)}");
    }

    private bool TrySync()
    {
        Send([An3155.Sync]);
        if (!TimedRead.Byte(stream, Timeouts.Reply, out var reply))
            return false;
        if (reply is An3155.Ack or An3155.Nack)
            return true;
        TimedRead.Drain(stream, Timeouts.Quiet, DrainLimit);
        return false;
    }

    /// <summary>
    /// Brings the bootloader back to waiting for a command after a lost or garbled byte, when neither side knows
    /// how far the other got: fill up the frame it may be collecting (it answers), let its answers die down, then
    /// complete the command pair a fill byte may have started (it answers NACK). No answer at all means it lost
    /// its synchronisation (it restarted), so sync afresh.
    /// </summary>
    private void Resync(An3155Command? command)
    {
        if (!TimedRead.Drain(stream, Timeouts.Reply, DrainLimit))
            throw new An3155Exception(command, An3155Failure.Unconfirmed, "lost step with the bootloader, and the line does not fall silent to resynchronise.");
        Send(Enumerable.Repeat(Filler, Math.Max(MinFillerLength, longestFrame)).ToArray());
        if (!TimedRead.Byte(stream, Timeouts.Reply, out _))
        {
            if (TrySync())
                return;
            throw new An3155Exception(command, An3155Failure.NoAnswer, "lost step with the bootloader, and it answers neither a frame fill nor the sync byte.");
        }

        TimedRead.Drain(stream, Timeouts.Reply, DrainLimit);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            Send([Filler]);
            if (!TimedRead.Byte(stream, Timeouts.Reply, out var reply))
                continue;
            if (reply == An3155.Nack)
                return;
            throw new An3155Exception(command, An3155Failure.Unconfirmed, $"lost step with the bootloader, which answers 0x{reply:X2} to a bad command instead of NACK.");
        }

        throw new An3155Exception(command, An3155Failure.NoAnswer, "lost step with the bootloader, which does not answer a bad command pair with NACK.");
    }

    private T WithRetries<T>(An3155Command command, Func<T> exchange)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return exchange();
            }
            catch (An3155Exception e) when (e.Retryable)
            {
                if (attempt > Retries)
                {
                    if (Retries == 0)
                        throw;
                    throw new An3155Exception(command, e.Failure, $"{e.Detail.TrimEnd('.')}; tried {attempt} times, resynchronising in between.");
                }

                Retrying?.Invoke(e);
                Resync(command);
            }
        }
    }

    private void SendCommand(An3155Command command)
    {
        Send([(byte)command, (byte)~(byte)command]);
        ExpectAck(command, "the command", Timeouts.Reply, "the bootloader does not offer this command.");
    }

    private void SendAddress(An3155Command command, uint address, string nackMeaning)
    {
        var frame = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(frame, address);
        frame[4] = Xor(frame.AsSpan(0, 4));
        Send(frame);
        ExpectAck(command, $"the address {HexNumber.Format(address)}", Timeouts.Reply, nackMeaning);
    }

    /// <summary>Waits for ACK; BUSY (0x76) restarts the wait, as stm32flash does.</summary>
    private void ExpectAck(An3155Command command, string step, TimeSpan timeout, string nackMeaning)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (!TimedRead.Byte(stream, remaining, out var reply))
                throw new An3155Exception(command, An3155Failure.NoAnswer, $"no answer within {timeout.TotalMilliseconds:0} ms to {step}.");
            switch (reply)
            {
                case An3155.Ack:
                    return;
                case An3155.Nack:
                    throw new An3155Exception(command, An3155Failure.Nack,
                        $"the bootloader answered NACK (0x1F) to {step}{(nackMeaning.Length > 0 ? ": " + nackMeaning : ".")}");
                case An3155.Busy:
                    deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
                    break;
                default:
                    throw new An3155Exception(command, An3155Failure.UnexpectedReply, $"expected ACK (0x79) or NACK (0x1F) after {step}, got 0x{reply:X2}.");
            }
        }
    }

    /// <summary>An answer of the form N, N + 1 bytes, ACK (Get, Get ID).</summary>
    private byte[] ReceiveCounted(An3155Command command, string what)
    {
        var count = Receive(command, 1, $"the length of {what}")[0] + 1;
        var reply = Receive(command, count, what);
        ExpectAck(command, "the end of its answer", Timeouts.Reply, "");
        return reply;
    }

    private byte[] Receive(An3155Command command, int length, string what)
    {
        var buffer = new byte[length];
        for (var got = 0; got < length;)
        {
            var count = TimedRead.Some(stream, buffer.AsSpan(got), Timeouts.Reply);
            if (count == 0)
                throw new An3155Exception(command, An3155Failure.NoAnswer,
                    $"only {got} of the {length} bytes of {what} arrived within {Timeouts.Reply.TotalMilliseconds:0} ms.");
            got += count;
        }

        return buffer;
    }

    private void Send(ReadOnlySpan<byte> bytes)
    {
        longestFrame = Math.Max(longestFrame, bytes.Length);
        stream.Write(bytes);
        stream.Flush();
    }

    private static void RequireBlock(uint address, int length)
    {
        if (length is < 1 or > An3155.MaxBlockLength)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"A block is 1 to {An3155.MaxBlockLength} bytes.");
        if (address + (ulong)length > 1UL << 32)
            throw new ArgumentOutOfRangeException(nameof(address), address, "The block runs past the end of the 32-bit address space.");
    }

    private static byte Xor(ReadOnlySpan<byte> bytes)
    {
        byte x = 0;
        foreach (var b in bytes)
            x ^= b;
        return x;
    }
}
