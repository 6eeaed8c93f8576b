using System.Text;

namespace Stm32Boot.Tests.Uart;

/// <summary>
/// An AN3155 bootloader for the STM32L475 in the test process, written from AN3155 and the byte streams
/// stm32flash 0.7 was observed to exchange on a pty, not from the client it tests.
/// Like ST's ROM bootloader it has no frame timeout (a half-received frame waits forever) and programs only
/// erased flash, so a client that loses step or writes a block twice is caught. It only reads and writes the
/// application header and image, [0x08020000, 0x08100000). Faults are injected through the properties; every
/// byte on the line is recorded in <see cref="Transcript"/>.
/// </summary>
public sealed class FakeBootloader : IDisposable
{
    public const uint FlashBase = 0x08000000;
    public const int FlashSize = 0x100000;
    public const int PageSize = 0x800;
    public const uint ApplicationBase = 0x08020000;
    public const uint ImageBase = 0x08020800;
    private const int Pages = FlashSize / PageSize;
    private const int FirstApplicationPage = (int)(ApplicationBase - FlashBase) / PageSize;

    private const byte Ack = 0x79, Nack = 0x1F, Busy = 0x76;

    private readonly Stream link;
    private readonly Thread thread;
    private readonly List<(bool FromHost, byte Value)> transcript = [];
    private Exception? failure;
    private readonly byte[] receiveBuffer = new byte[4096];
    private int received, receivedCount;
    private int writes;
    private bool inApplication;

    /// <param name="startInApplication">Start as the application's console, which answers `update` by resetting
    /// into the bootloader with the banner lines the real firmware prints.</param>
    public FakeBootloader(Stream link, bool startInApplication = false)
    {
        this.link = link;
        inApplication = startInApplication;
        thread = new Thread(Run) { IsBackground = true, Name = "fake AN3155 bootloader" };
        thread.Start();
    }

    public byte[] Flash { get; } = Enumerable.Repeat((byte)0xFF, FlashSize).ToArray();

    public ushort ProductId { get; init; } = 0x0415;

    public byte[] Commands { get; init; } = [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44];

    /// <summary>Addresses of the Write Memory blocks programmed, in order.</summary>
    public List<uint> WrittenBlocks { get; } = [];

    /// <summary>The page lists of the Extended Erase commands carried out, in order.</summary>
    public List<int[]> Erases { get; } = [];

    public uint? StartedAt { get; private set; }

    /// <summary>The Write Memory (counted from 0) whose final ACK is lost on the line; the block is programmed.</summary>
    public int? LoseAckOfWrite { get; set; }

    /// <summary>The Write Memory (counted from 0) one of whose data bytes is lost on the line.</summary>
    public int? LoseDataByteOfWrite { get; set; }

    /// <summary>The next <see cref="GarbleTimes"/> times this command arrives, the ACK for it reaches the host as 0x00.</summary>
    public byte? GarbleAckOfCommand { get; set; }

    public int GarbleTimes { get; set; } = 1;

    /// <summary>A worn flash byte: once programmed, it reads back with bit 0 cleared.</summary>
    public uint? WeakCell { get; set; }

    /// <summary>BUSY bytes sent before each Extended Erase ACK.</summary>
    public int BusyBeforeEraseAck { get; set; }

    /// <summary>Read protection (RDP level 1): Read Memory is NACKed at its command byte (AN3155).</summary>
    public bool ReadProtected { get; init; }

    /// <summary>Go is NACKed after its address, as a bootloader that checks the image and refuses it does.</summary>
    public bool RefuseGo { get; init; }

    public byte[] Read(uint address, int length) => Flash.AsSpan((int)(address - FlashBase), length).ToArray();

    /// <summary>The line as text, one line per direction change: "&gt; 01 FE" from the host, "&lt; 79 31 00 00 79" to it.</summary>
    public string Transcript
    {
        get
        {
            lock (transcript)
            {
                var text = new StringBuilder();
                for (var i = 0; i < transcript.Count; i++)
                {
                    if (i == 0 || transcript[i].FromHost != transcript[i - 1].FromHost)
                        text.Append(i == 0 ? "" : "\n").Append(transcript[i].FromHost ? ">" : "<");
                    text.Append($" {transcript[i].Value:X2}");
                }

                return text.ToString();
            }
        }
    }

    public void ClearTranscript()
    {
        lock (transcript)
            transcript.Clear();
    }

    /// <summary>Closes the line and rethrows whatever broke the fake itself (a bug in the test, not in the client).</summary>
    public void Dispose()
    {
        link.Dispose();
        thread.Join();
        if (failure is not null)
            throw new InvalidOperationException("The fake bootloader failed.", failure);
    }

    private void Run()
    {
        try
        {
            if (inApplication)
                RunApplication();
            while (!inApplication && StartedAt is null)
                RunBootloader();
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ObjectDisposedException)
        {
            // The host closed the line.
        }
        catch (Exception e)
        {
            failure = e;
        }
    }

    private void RunApplication()
    {
        var line = new StringBuilder();
        while (true)
        {
            var c = (char)Receive();
            if (c is not ('\r' or '\n'))
            {
                line.Append(c);
                Send(Encoding.ASCII.GetBytes(c.ToString()));
                continue;
            }

            if (line.ToString() == "update")
            {
                Send("\r\nentering bootloader (backup-register request)\r\nL475 bootloader 1.0.0 board 0x04150001\r\nstay: update requested by application\r\n"u8);
                inApplication = false;
                return;
            }

            Send(Encoding.ASCII.GetBytes($"\r\nunknown command '{line}' (try: version, info, update, erase-header)\r\n> "));
            line.Clear();
        }
    }

    private void RunBootloader()
    {
        // Until the sync byte arrives, the auto-baud detector has nothing to lock on and other bytes are lost.
        while (Receive() != 0x7F)
        {
        }

        Send([Ack]);
        while (StartedAt is null)
        {
            var command = Receive();
            if (Receive() != (byte)~command)
            {
                Send([Nack]);
                continue;
            }

            if (!Commands.Contains(command))
            {
                Send([Nack]);
                continue;
            }

            if (GarbleAckOfCommand == command && GarbleTimes > 0)
            {
                GarbleTimes--;
                Send([0x00]);
            }
            else if (command == 0x11 && ReadProtected)
            {
                Send([Nack]);
                continue;
            }
            else
            {
                Send([Ack]);
            }

            switch (command)
            {
                case 0x00:
                    Send([(byte)Commands.Length, 0x31, .. Commands, Ack]);
                    break;
                case 0x01:
                    Send([0x31, 0x00, 0x00, Ack]);
                    break;
                case 0x02:
                    Send([0x01, (byte)(ProductId >> 8), (byte)ProductId, Ack]);
                    break;
                case 0x11:
                    ReadMemory();
                    break;
                case 0x21:
                    Go();
                    break;
                case 0x31:
                    WriteMemory();
                    break;
                case 0x44:
                    ExtendedErase();
                    break;
            }
        }
    }

    // The ACK for the command byte went out with the dispatch above; these handle the rest of each frame.

    private void ReadMemory()
    {
        if (ReceiveAddress(a => InApplication(a, 1)) is not { } address)
            return;
        Send([Ack]);
        var n = Receive();
        if (Receive() != (byte)~n || !InApplication(address, n + 1))
        {
            Send([Nack]);
            return;
        }

        Send([Ack, .. Read(address, n + 1)]);
    }

    private void WriteMemory()
    {
        if (ReceiveAddress(a => InApplication(a, 1)) is not { } address)
            return;
        Send([Ack]);
        var index = writes++;
        var n = Receive();
        var data = new byte[n + 1];
        for (var i = 0; i < data.Length; i++)
        {
            if (i == 9 && LoseDataByteOfWrite == index)
            {
                LoseDataByteOfWrite = null;
                Receive();
            }

            data[i] = Receive();
        }

        var checksum = Receive();
        var offset = (int)(address - FlashBase);
        if (checksum != data.Aggregate(n, (x, b) => (byte)(x ^ b)) || address % 4 != 0 || data.Length % 4 != 0 || !InApplication(address, data.Length) ||
            Flash.AsSpan(offset, data.Length).ContainsAnyExcept((byte)0xFF))
        {
            Send([Nack]);
            return;
        }

        data.CopyTo(Flash, offset);
        if (WeakCell is { } weak && weak >= address && weak < address + data.Length)
            Flash[weak - FlashBase] &= 0xFE;
        WrittenBlocks.Add(address);
        if (LoseAckOfWrite == index)
        {
            LoseAckOfWrite = null;
            return;
        }

        Send([Ack]);
    }

    private void ExtendedErase()
    {
        var countBytes = ReceiveMany(2);
        var count = (countBytes[0] << 8 | countBytes[1]) + 1;
        // Refused at once, before the page list: a bootloader collecting 65536 page numbers would wait forever.
        if (count > Pages)
        {
            Send([Nack]);
            return;
        }

        var list = ReceiveMany(2 * count);
        var checksum = Receive();
        var pages = Enumerable.Range(0, count).Select(i => list[2 * i] << 8 | list[2 * i + 1]).ToArray();
        if (checksum != countBytes.Concat(list).Aggregate((byte)0, (x, b) => (byte)(x ^ b)) || pages.Any(p => p is < FirstApplicationPage or >= Pages))
        {
            Send([Nack]);
            return;
        }

        foreach (var page in pages)
            Flash.AsSpan(page * PageSize, PageSize).Fill(0xFF);
        Erases.Add(pages);
        for (var i = 0; i < BusyBeforeEraseAck; i++)
            Send([Busy]);
        Send([Ack]);
    }

    private void Go()
    {
        if (ReceiveAddress(a => a is ApplicationBase or ImageBase && !RefuseGo) is not { } address)
            return;
        StartedAt = address;
        Send([Ack]);
    }

    /// <summary>Four address bytes and their XOR; NACK and null unless the check passes and the address is
    /// <paramref name="allowed"/> (the caller then sends the ACK).</summary>
    private uint? ReceiveAddress(Func<uint, bool> allowed)
    {
        var bytes = ReceiveMany(4);
        var address = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
        if (Receive() != (byte)(bytes[0] ^ bytes[1] ^ bytes[2] ^ bytes[3]) || !allowed(address))
        {
            Send([Nack]);
            return null;
        }

        return address;
    }

    private static bool InApplication(uint address, int length) =>
        address >= ApplicationBase && address + (ulong)length <= FlashBase + (ulong)FlashSize;

    private byte Receive()
    {
        // Whole chunks, not byte by byte: a serial port's stream costs about a millisecond per read.
        if (received == receivedCount)
        {
            receivedCount = link.Read(receiveBuffer);
            received = 0;
            if (receivedCount == 0)
                throw new EndOfStreamException();
        }

        var value = receiveBuffer[received++];
        lock (transcript)
            transcript.Add((true, value));
        return value;
    }

    private byte[] ReceiveMany(int count)
    {
        var bytes = new byte[count];
        for (var i = 0; i < count; i++)
            bytes[i] = Receive();
        return bytes;
    }

    private void Send(ReadOnlySpan<byte> bytes)
    {
        lock (transcript)
            foreach (var b in bytes)
                transcript.Add((false, b));
        link.Write(bytes);
        link.Flush();
    }
}
