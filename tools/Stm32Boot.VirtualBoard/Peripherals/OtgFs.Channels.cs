// OTG_FS, continued: host channels in slave mode (RM0351 §47.15, "Host programming model"). The application
// programs HCTSIZ and HCCHAR; every write of CHENA to an IN channel, and the last word of every OUT packet written to
// the channel's FIFO window, puts one request into the non-periodic request queue (8 entries); the core works the
// queue in order, one transaction at a time inside the current frame. IN data lands in the receive FIFO behind a
// status word (GRXSTSP); "transfer complete", "toggle error" and "channel halted" come as status words too, and
// their HCINT bit is set when the application pops them. The core halts an OUT channel when its transfer completes;
// an IN channel only when the application disables it (CHDIS with CHENA).
using Stm32Boot.VirtualBoard.Peripherals.Usb;
using Stm32Boot.VirtualBoard.Usb;
using static Stm32Boot.VirtualBoard.Peripherals.Usb.OtgFsChannel;

namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed partial class OtgFs
{
    private const uint OTG_HCCHAR = 0x00, OTG_HCINT = 0x08, OTG_HCINTMSK = 0x0C, OTG_HCTSIZ = 0x10;
    /// HNPTXSTS.NPTQXSAV at reset: the depth of the non-periodic request queue.
    private const int RequestQueueDepth = 8;
    /// Full speed: bulk and control packets carry at most 64 bytes (USB 2.0 §5.5.3, §5.8.3).
    private const int FullSpeedMaxPacket = 64;
    // HNPTXSTS.NPTXQTOP: terminate flag, type (00 IN/OUT token, 01 zero-length OUT, 11 channel halt), channel.
    private const uint NPTXQTOP_TERMINATE = 1u << 0, NPTXQTOP_ZERO_LENGTH = 1u << 1, NPTXQTOP_HALT = 3u << 1;

    private enum RequestKind { In, Out, Halt }

    /// One request queue entry; an OUT request carries the packet the application wrote for it.
    private sealed record Request(RequestKind Kind, int Channel, byte[] Packet)
    {
        public int Words => (Packet.Length + 3) / 4;
    }

    /// A transaction on the wire: what the device answered, to be applied when the transaction ends.
    private sealed record Transaction(Request Request, UsbResponse Response, UsbDataPid Pid, byte[] Data, long LinkGeneration);

    private readonly OtgFsChannel[] _channels;
    private readonly OtgFsFifoRam _fifo = new();
    private readonly List<Request> _requests = new();
    private readonly VirtualTimer _transactionTimer;
    /// What the port carried and how long its channels were busy, for benchmarks.
    public OtgFsTraffic Traffic { get; } = new();
    private readonly byte[] _inPacket = new byte[1023];
    private Transaction? _onTheWire;
    private uint _haintmsk;
    private bool _fifoLayoutChecked;
    /// Data words of the IN packet whose status the application popped, still to be read from a FIFO window.
    private int _receiveDataWords;

    private void ResetChannels()
    {
        foreach (var channel in _channels) channel.Reset();
        _requests.Clear();
        _onTheWire = null;
        _fifo.Clear();
        _fifoLayoutChecked = false;
        _receiveDataWords = 0;
        NoteChannels();
    }

    private uint Haint
    {
        get
        {
            var haint = 0u;
            foreach (var channel in _channels)
                if ((channel.Hcint & channel.Hcintmsk) != 0) haint |= 1u << channel.Number;
            return haint;
        }
    }

    private int NonPeriodicTxDepth => (int)(_hnptxfsiz >> 16);

    private uint Hnptxsts
    {
        get
        {
            var free = (uint)Math.Max(0, NonPeriodicTxDepth - _fifo.NonPeriodicTxUsed) & 0xFFFF;
            var top = 0u;
            if (_requests.Count > 0)
            {
                var head = _requests[0];
                top = (uint)head.Channel << 3;
                if (head.Kind == RequestKind.Halt) top |= NPTXQTOP_HALT;
                else if (head.Kind == RequestKind.Out && head.Packet.Length == 0) top |= NPTXQTOP_ZERO_LENGTH;
                if (_requests.Skip(1).All(r => r.Channel != head.Channel)) top |= NPTXQTOP_TERMINATE;
            }
            return free | ((uint)(RequestQueueDepth - _requests.Count) << 16) | (top << 24);
        }
    }

    private OtgFsChannel? ChannelAt(uint offset, string access)
    {
        var index = (offset - OTG_HCCHAR0) / ChannelStride;
        if (index < ChannelCount) return _channels[index];
        Board.Fault($"OTG_FS: {access} of host channel {index} (offset 0x{offset:X3}): the STM32L475's OTG_FS has " +
                    $"{ChannelCount} host channels (RM0351 §47.3).");
        return null;
    }

    private uint ReadChannelRegister(uint offset)
    {
        if (ChannelAt(offset, "read") is not { } channel) return 0;
        switch ((offset - OTG_HCCHAR0) % ChannelStride)
        {
            case OTG_HCCHAR: return channel.Hcchar;
            case OTG_HCINT: return channel.Hcint;
            case OTG_HCINTMSK: return channel.Hcintmsk;
            case OTG_HCTSIZ: return channel.Hctsiz;
            default:
                Unmodelled(offset, "read"); // HCSPLT and HCDMA exist on OTG_HS only
                return 0;
        }
    }

    private void WriteChannelRegister(uint offset, uint value, uint mask)
    {
        if (ChannelAt(offset, "write") is not { } channel) return;
        switch ((offset - OTG_HCCHAR0) % ChannelStride)
        {
            case OTG_HCCHAR: WriteHcchar(channel, value & mask, Merge(channel.Hcchar, value, mask)); break;
            case OTG_HCINT: channel.Hcint &= ~(value & mask & OTG_HCINT_ALL); break;
            case OTG_HCINTMSK: channel.Hcintmsk = Merge(channel.Hcintmsk, value, mask) & OTG_HCINT_ALL; break;
            case OTG_HCTSIZ:
                if (channel.Enabled)
                {
                    Board.Fault($"OTG_FS: HCTSIZ{channel.Number} written while {channel.Describe()} is enabled: program " +
                                "it before setting CHENA, and after the channel halted (RM0351 §47.15, channel initialization).");
                    return;
                }
                channel.Hctsiz = Merge(channel.Hctsiz, value, mask) & (OTG_HCTSIZ_XFRSIZ | OTG_HCTSIZ_PKTCNT | OTG_HCTSIZ_DPID);
                break;
            default: Unmodelled(offset, "write"); break;
        }
    }

    /// CHENA and CHDIS can only be set (rs). CHENA alone enables the channel (or, on an enabled IN channel, asks for
    /// one more IN transaction); CHENA with CHDIS (written now or still set) asks the core to halt it; CHDIS without
    /// CHENA drops the channel's posted requests (RM0351 §47.15, "Halting a channel").
    private void WriteHcchar(OtgFsChannel channel, uint written, uint next)
    {
        const uint controlBits = OTG_HCCHAR_CHENA | OTG_HCCHAR_CHDIS;
        if (channel.Enabled && ((next ^ channel.Hcchar) & OTG_HCCHAR_CONFIG) != 0)
        {
            Board.Fault($"OTG_FS: HCCHAR{channel.Number} changed from 0x{channel.Hcchar:X8} to 0x{next:X8} while the " +
                        "channel is enabled; halt it and wait for CHH before reprogramming (RM0351 §47.15).");
            return;
        }
        channel.Hcchar = (next & ~controlBits) | (channel.Hcchar & controlBits) | (written & OTG_HCCHAR_CHDIS);
        if ((written & OTG_HCCHAR_CHENA) == 0)
        {
            if ((written & OTG_HCCHAR_CHDIS) != 0) DropPostedRequests(channel);
            return;
        }
        if ((channel.Hcchar & OTG_HCCHAR_CHDIS) != 0) RequestHalt(channel);
        else if (!channel.Enabled) EnableChannel(channel);
        else if (channel.IsIn) QueueInRequest(channel);
        Schedule();
    }

    private void EnableChannel(OtgFsChannel channel)
    {
        if (!CheckTransferSetup(channel)) return;
        channel.Hcchar |= OTG_HCCHAR_CHENA;
        if (channel.IsIn) QueueInRequest(channel);
        // A zero-length OUT packet has nothing to write into the FIFO: the enable itself queues it.
        else if (channel.TransferSize == 0) QueueRequest(new Request(RequestKind.Out, channel.Number, []));
    }

    private void QueueInRequest(OtgFsChannel channel)
    {
        if (channel.InTransferDone)
        {
            Board.Fault($"OTG_FS: CHENA written to {channel.Describe()} whose IN transfer is complete: halt it (CHDIS " +
                        "with CHENA), wait for CHH, then program HCTSIZ for the next transfer (RM0351 §47.15).");
            return;
        }
        QueueRequest(new Request(RequestKind.In, channel.Number, []));
    }

    private bool QueueRequest(Request request)
    {
        if (_requests.Count < RequestQueueDepth)
        {
            _requests.Add(request);
            return true;
        }
        Board.Fault($"OTG_FS: the non-periodic request queue is full (HNPTXSTS.NPTQXSAV = 0) when channel " +
                    $"{request.Channel} adds a {request.Kind} request; check NPTQXSAV before enabling a channel or " +
                    "writing a packet (RM0351 §47.15).");
        return false;
    }

    /// RM0351 §47.15, "Halting a channel": the disable request is written into the request queue like any other, so
    /// "before disabling a channel, the application must ensure that there is at least one free space available in
    /// the non-periodic request queue"; with the queue full it may first flush the channel's posted requests with
    /// CHDIS alone. The space is judged when CHDIS with CHENA is written, before the core flushes anything.
    private void RequestHalt(OtgFsChannel channel)
    {
        if (channel.HaltPending) return;
        if (channel.IsIn && !CheckFifoLayout()) return;
        if (_requests.Count >= RequestQueueDepth)
        {
            Board.Fault($"OTG_FS: {channel.Describe()} asked to halt (HCCHAR.CHDIS with CHENA) while the non-periodic " +
                        "request queue is full (HNPTXSTS.NPTQXSAV = 0): the halt request needs a free entry. Wait for " +
                        "NPTQXSAV > 0, or flush the channel's posted requests with CHDIS alone first (RM0351 §47.15, " +
                        "\"Halting a channel\").");
            return;
        }
        DropPostedRequests(channel);
        if (!QueueRequest(new Request(RequestKind.Halt, channel.Number, []))) return;
        channel.Hcchar |= OTG_HCCHAR_CHENA | OTG_HCCHAR_CHDIS;
        channel.HaltPending = true;
    }

    /// Requests of the channel not yet on the wire leave the queue; their OUT packets leave the transmit FIFO.
    private void DropPostedRequests(OtgFsChannel channel)
    {
        foreach (var request in _requests.Where(r => r.Channel == channel.Number && r.Kind != RequestKind.Halt))
            if (request.Kind == RequestKind.Out) _fifo.ReleaseNonPeriodicTx(request.Words);
        _requests.RemoveAll(r => r.Channel == channel.Number && r.Kind != RequestKind.Halt);
    }

    /// What RM0351 requires before CHENA, checked where silicon would silently misbehave.
    private bool CheckTransferSetup(OtgFsChannel channel)
    {
        if (!CheckFifoLayout()) return false;
        string? problem = null;
        var mps = channel.MaxPacketSize;
        var type = channel.EndpointType;
        if (type is EPTYP_ISOCHRONOUS or EPTYP_INTERRUPT)
            problem = "periodic (isochronous/interrupt) channels are not modelled by the virtual board";
        else if (mps is 0 or > FullSpeedMaxPacket)
            problem = $"MPSIZ = {mps}: full-speed control and bulk endpoints take 1..{FullSpeedMaxPacket} bytes";
        else if (channel.PacketCount == 0) problem = "HCTSIZ.PKTCNT = 0: a transfer has at least one packet";
        else if (channel.Dpid == DPID_DATA2) problem = "HCTSIZ.DPID = DATA2 exists only for high-speed isochronous";
        else if (channel.Dpid == DPID_SETUP && (type != EPTYP_CONTROL || channel.IsIn))
            problem = "HCTSIZ.DPID = SETUP needs an OUT control channel";
        else if (!channel.IsIn && channel.PacketCount < (channel.TransferSize + mps - 1) / mps)
            problem = $"HCTSIZ.PKTCNT = {channel.PacketCount} cannot carry XFRSIZ = {channel.TransferSize} bytes in {mps}-byte packets";
        else if (channel.IsIn && (_grxfsiz & 0xFFFF) < (mps + 3) / 4 + 2)
            problem = $"the receive FIFO ({_grxfsiz & 0xFFFF} words) cannot hold a {mps}-byte packet and its two status words";
        else if (!channel.IsIn && NonPeriodicTxDepth < (mps + 3) / 4)
            problem = $"the non-periodic transmit FIFO ({NonPeriodicTxDepth} words) cannot hold a {mps}-byte packet";
        if (problem is null) return true;
        Board.Fault($"OTG_FS: enabling {channel.Describe()}: {problem} (RM0351 §47.15).");
        return false;
    }

    /// GRXFSIZ and HNPTXFSIZ must carve two disjoint FIFOs out of the 1.25 KB RAM before the first transfer.
    private bool CheckFifoLayout()
    {
        if (_fifoLayoutChecked) return true;
        var rxDepth = (int)(_grxfsiz & 0xFFFF);
        var txStart = (int)(_hnptxfsiz & 0xFFFF);
        var txDepth = NonPeriodicTxDepth;
        var problem =
            rxDepth is < 16 or > 256 ? $"GRXFSIZ.RXFD = {rxDepth} words is outside 16..256" :
            txDepth is < 16 or > 256 ? $"HNPTXFSIZ.NPTXFD = {txDepth} words is outside 16..256" :
            txStart < rxDepth ? $"the non-periodic transmit FIFO (HNPTXFSIZ.NPTXFSA = {txStart}) overlaps the receive FIFO (words 0..{rxDepth - 1})" :
            txStart + txDepth > OtgFsFifoRam.Words ? $"the non-periodic transmit FIFO ends at word {txStart + txDepth}, past the {OtgFsFifoRam.Words}-word (1.25 KB) FIFO RAM" :
            null;
        if (problem is not null)
        {
            Board.Fault($"OTG_FS: FIFO RAM layout: {problem}; program GRXFSIZ and HNPTXFSIZ before the first transfer " +
                        "(RM0351 §47.15, host initialization).");
            return false;
        }
        _fifo.Rx.Configure(0, rxDepth);
        _fifo.ConfigureNonPeriodicTx(txStart, txDepth);
        _fifoLayoutChecked = true;
        return true;
    }

    private void WriteFifoSize(string register, ref uint field, uint next, int wordsHeld)
    {
        if (next == field) return;
        if (wordsHeld > 0)
        {
            Board.Fault($"OTG_FS: {register} changed while its FIFO holds {wordsHeld} word(s); flush the FIFO " +
                        "(GRSTCTL.RXFFLSH/TXFFLSH) before resizing it (RM0351 §47.14).");
            return;
        }
        field = next;
        _fifoLayoutChecked = false;
    }

    private void FlushReceiveFifo()
    {
        _fifo.Rx.Flush();
        _receiveDataWords = 0;
        Schedule();
    }

    /// The packets go, and with them the OUT requests that would have sent them.
    private void FlushNonPeriodicTransmitFifo()
    {
        _fifo.FlushNonPeriodicTx();
        _requests.RemoveAll(r => r.Kind == RequestKind.Out && r.Packet.Length > 0);
        foreach (var channel in _channels) channel.PacketBeingWritten.Clear();
    }

    /// The application writes an OUT packet word by word into its channel's FIFO window; the last word of the
    /// packet (MPSIZ bytes, or what is left of XFRSIZ) queues the OUT request (RM0351 §47.15, "Writing the transmit
    /// FIFO"). XFRSIZ counts down as packets enter the FIFO; PKTCNT as the device acknowledges them.
    private void PushTransmitData(uint offset, uint value, uint mask)
    {
        var index = (int)((offset - FifoWindows) / FifoWindowSize);
        if (index >= ChannelCount)
        {
            Unmodelled(offset, "write");
            return;
        }
        var channel = _channels[index];
        string? problem = null;
        if (mask != 0xFFFF_FFFF) problem = "the transmit FIFO takes 32-bit writes only; pad the last word";
        else if (!channel.Enabled || channel.HaltPending) problem = "the channel is not enabled: set HCCHAR.CHENA before writing its packets";
        else if (channel.IsIn) problem = "it is an IN channel";
        else if (channel.TransferSize == 0) problem = "HCTSIZ.XFRSIZ bytes are already written";
        else if (_fifo.NonPeriodicTxUsed >= NonPeriodicTxDepth) problem = "the non-periodic transmit FIFO is full (HNPTXSTS.NPTXFSAV = 0)";
        if (problem is not null)
        {
            Board.Fault($"OTG_FS: write of 0x{value:X8} to the FIFO of {channel.Describe()}: {problem} (RM0351 §47.15).");
            return;
        }
        _fifo.WriteNonPeriodicTx(value);
        Span<byte> bytes = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        channel.PacketBeingWritten.AddRange(bytes);
        var packetLength = Math.Min(channel.MaxPacketSize, channel.TransferSize);
        if (channel.PacketBeingWritten.Count < packetLength) return;
        var packet = channel.PacketBeingWritten.GetRange(0, packetLength).ToArray();
        channel.PacketBeingWritten.Clear();
        if (!QueueRequest(new Request(RequestKind.Out, channel.Number, packet))) return;
        channel.TransferSize -= packetLength;
        Schedule();
    }

    /// GRXSTSR/GRXSTSP (RM0351 §47.15, "Reading the receive FIFO"): the status word of the next entry. Popping the
    /// status of a completed transfer, a toggle error or a halted channel raises its HCINT bit.
    private uint ReadReceiveStatus(bool pop)
    {
        var register = pop ? "GRXSTSP" : "GRXSTSR";
        if (_receiveDataWords > 0)
        {
            Board.Fault($"OTG_FS: {register} read while {_receiveDataWords} data word(s) of the last IN packet are still " +
                        "in the receive FIFO: read BCNT bytes from a FIFO window first (RM0351 §47.15).");
            return 0;
        }
        if (_fifo.Rx.Count == 0)
        {
            Board.Fault($"OTG_FS: {register} read with the receive FIFO empty (GINTSTS.RXFLVL = 0): there is no status " +
                        "to read; wait for RXFLVL.");
            return 0;
        }
        if (!pop) return _fifo.Rx.Peek();
        var status = _fifo.Rx.Pop();
        var channel = _channels[status & 0xF];
        switch ((status >> OTG_GRXSTS_PKTSTS_Pos) & 0xF)
        {
            case PKTSTS_IN_DATA: _receiveDataWords = (int)(((status >> OTG_GRXSTS_BCNT_Pos) & 0x7FF) + 3) / 4; break;
            case PKTSTS_IN_COMPLETE: channel.Hcint |= OTG_HCINT_XFRC; break;
            case PKTSTS_TOGGLE_ERROR: channel.Hcint |= OTG_HCINT_DTERR; break;
            case PKTSTS_HALTED:
                channel.Hcint |= OTG_HCINT_CHH;
                channel.Disable();
                break;
        }
        Schedule();
        UpdateIrq();
        return status;
    }

    /// A read of any channel's FIFO window pops the next data word of the IN packet whose status was popped.
    private uint PopReceiveData(uint offset)
    {
        if ((offset - FifoWindows) / FifoWindowSize >= ChannelCount)
        {
            Unmodelled(offset, "read");
            return 0;
        }
        if (_receiveDataWords == 0)
        {
            Board.Fault("OTG_FS: FIFO window read with no IN data to read: pop the packet's status first (GRXSTSP, " +
                        "PKTSTS = 0010) and read only its BCNT bytes (RM0351 §47.15).");
            return 0;
        }
        _receiveDataWords--;
        var word = _fifo.Rx.Pop();
        Schedule();
        UpdateIrq();
        return word;
    }

    /// Starts the head of the request queue when the wire is free; halts need no bus time.
    private void Schedule()
    {
        while (_onTheWire is null && _requests.Count > 0 && _hostMode)
        {
            var request = _requests[0];
            var channel = _channels[request.Channel];
            if (request.Kind == RequestKind.Halt)
            {
                if (channel.IsIn && _fifo.Rx.Free < 1) break; // the halt status waits for room
                _requests.RemoveAt(0);
                Halt(channel);
                continue;
            }
            if (!StartTransaction(request, channel)) break;
            _requests.RemoveAt(0);
        }
        // Every enable and halt passes through here (HCCHAR writes, popped halt statuses, completed OUT transfers).
        NoteChannels();
    }

    private void NoteChannels()
    {
        // A loop, not LINQ: this runs at every FIFO word the firmware pops.
        var anyEnabled = false;
        foreach (var channel in _channels) anyEnabled |= channel.Enabled;
        Traffic.NoteChannels(anyEnabled, Board.Clock.NowPs);
    }

    private void Halt(OtgFsChannel channel)
    {
        if (channel.IsIn) PushStatus(channel, PKTSTS_HALTED, [], UsbDataPid.Data0);
        else
        {
            channel.Hcint |= OTG_HCINT_CHH;
            channel.Disable();
        }
        UpdateIrq();
    }

    /// Returns false when the transaction must wait: for the next frame, or for room in the receive FIFO.
    private bool StartTransaction(Request request, OtgFsChannel channel)
    {
        var isIn = request.Kind == RequestKind.In;
        if (isIn && _fifo.Rx.Free < (channel.MaxPacketSize + 3) / 4 + 2) return false;
        if (!PhyReady($"a transaction on {channel.Describe()}")) return false;
        var nowPs = Board.Clock.NowPs;
        var startPs = nowPs;
        UsbInResult answer;
        if (!_portEnabled) answer = UsbInResult.Handshake(UsbResponse.None); // nothing listens to a disabled port
        else
        {
            if (!CheckPortSpeed(channel)) return false;
            // Nothing starts before the SOF is out, or runs into the end-of-frame guard time.
            startPs = Math.Max(nowPs, _frameStartPs + FullSpeedBus.StartOfFrame);
            var longest = isIn ? FullSpeedBus.In(channel.MaxPacketSize) : FullSpeedBus.Out(request.Packet.Length);
            if (startPs + longest + FullSpeedBus.Ps(FullSpeedBus.EndOfFrameBits) > _frameStartPs + FramePeriodPs) return false;
            answer = AskDevice(request, channel, startPs);
        }
        if (!isIn) _fifo.ReleaseNonPeriodicTx(request.Words); // the core reads the packet out as it sends it
        var duration = (isIn, answer.Response) switch
        {
            (true, UsbResponse.Data) => FullSpeedBus.In(answer.Length),
            (true, UsbResponse.None) => FullSpeedBus.InNoAnswer,
            (true, _) => FullSpeedBus.InHandshake,
            (false, UsbResponse.None) => FullSpeedBus.OutNoAnswer(request.Packet.Length),
            _ => FullSpeedBus.Out(request.Packet.Length),
        };
        Traffic.AddTransaction(answer.Response, isIn, isIn ? answer.Length : request.Packet.Length, duration);
        var data = answer.Response == UsbResponse.Data ? _inPacket.AsSpan(0, answer.Length).ToArray() : [];
        _onTheWire = new Transaction(request, answer.Response, answer.Pid, data, _linkGeneration);
        _transactionTimer.Arm(startPs + duration, EndTransaction);
        return true;
    }

    /// HCFG.FSLSPCS must match the device (48 MHz PHY clock for full speed), and so must HCCHAR.LSDEV.
    private bool CheckPortSpeed(OtgFsChannel channel)
    {
        var fullSpeed = _device!.Speed == UsbSpeed.Full;
        var phyClock = _hcfg & OTG_HCFG_FSLSPCS;
        string? problem = null;
        if (fullSpeed && phyClock != FSLSPCS_48MHZ)
            problem = $"HCFG.FSLSPCS = {phyClock} with a full-speed device: select the 48 MHz PHY clock (01)";
        else if (!fullSpeed && phyClock is not (FSLSPCS_48MHZ or FSLSPCS_6MHZ))
            problem = $"HCFG.FSLSPCS = {phyClock} is reserved";
        else if (channel.LowSpeedDevice == fullSpeed)
            problem = $"HCCHAR.LSDEV = {(channel.LowSpeedDevice ? 1 : 0)} but the device on the port is {(fullSpeed ? "full" : "low")} speed (HPRT.PSPD)";
        if (problem is null) return true;
        Board.Fault($"OTG_FS: a transaction on {channel.Describe()}: {problem} (RM0351 §47.14).");
        return false;
    }

    /// The token reaches the device at startPs; a device pulled out while answering leaves silence on the wire.
    private UsbInResult AskDevice(Request request, OtgFsChannel channel, ulong startPs)
    {
        var device = _device!;
        var generation = _linkGeneration;
        UsbInResult answer;
        if (request.Kind == RequestKind.In)
            answer = device.In(channel.DeviceAddress, channel.EndpointNumber, _inPacket, startPs);
        else if (channel.Dpid == DPID_SETUP)
            answer = UsbInResult.Handshake(device.Setup(channel.DeviceAddress, request.Packet, startPs));
        else
            answer = UsbInResult.Handshake(device.Out(channel.DeviceAddress, channel.EndpointNumber,
                channel.Dpid == DPID_DATA1 ? UsbDataPid.Data1 : UsbDataPid.Data0, request.Packet, startPs));
        return generation == _linkGeneration ? answer : UsbInResult.Handshake(UsbResponse.None);
    }

    private void EndTransaction()
    {
        var transaction = _onTheWire!;
        _onTheWire = null;
        var channel = _channels[transaction.Request.Channel];
        // The link went down while the packet was on the wire: no answer reached the host.
        var response = transaction.LinkGeneration == _linkGeneration ? transaction.Response : UsbResponse.None;
        if (transaction.Request.Kind == RequestKind.In) EndIn(channel, response, transaction);
        else EndOut(channel, response);
        UpdateIrq();
        Schedule();
    }

    private void EndIn(OtgFsChannel channel, UsbResponse response, Transaction transaction)
    {
        switch (response)
        {
            case UsbResponse.Data:
                var data = transaction.Data;
                var expected = channel.Dpid == DPID_DATA1 ? UsbDataPid.Data1 : UsbDataPid.Data0;
                if (data.Length > channel.MaxPacketSize) channel.Hcint |= OTG_HCINT_BBERR;
                // USB 2.0 §8.6.4: a packet with the wrong toggle is acknowledged but its data dropped.
                else if (transaction.Pid != expected) PushStatus(channel, PKTSTS_TOGGLE_ERROR, [], transaction.Pid);
                else if (data.Length > channel.TransferSize)
                    Board.Fault($"OTG_FS: {channel.Describe()} received a {data.Length}-byte packet with only " +
                                $"{channel.TransferSize} bytes left in HCTSIZ.XFRSIZ; program XFRSIZ for IN as a multiple " +
                                "of MPSIZ (RM0351 §47.14, OTG_HCTSIZx).");
                else AcceptIn(channel, data, transaction.Pid);
                break;
            case UsbResponse.Nak: channel.Hcint |= OTG_HCINT_NAK; break;
            case UsbResponse.Stall: channel.Hcint |= OTG_HCINT_STALL; break;
            default: channel.Hcint |= OTG_HCINT_TXERR; break;
        }
    }

    /// A short packet or the last counted one ends the transfer: "IN transfer completed" follows the data.
    private void AcceptIn(OtgFsChannel channel, byte[] data, UsbDataPid pid)
    {
        PushStatus(channel, PKTSTS_IN_DATA, data, pid);
        channel.TransferSize -= data.Length;
        channel.PacketCount--;
        channel.Dpid = pid == UsbDataPid.Data1 ? DPID_DATA0 : DPID_DATA1;
        channel.Hcint |= OTG_HCINT_ACK;
        if (data.Length == channel.MaxPacketSize && channel.PacketCount > 0) return;
        PushStatus(channel, PKTSTS_IN_COMPLETE, [], pid);
        channel.InTransferDone = true;
        DropPostedRequests(channel);
    }

    private void EndOut(OtgFsChannel channel, UsbResponse response)
    {
        switch (response)
        {
            case UsbResponse.Ack:
                channel.PacketCount--;
                channel.Dpid = channel.Dpid == DPID_DATA1 ? DPID_DATA0 : DPID_DATA1; // SETUP is followed by DATA1
                channel.Hcint |= OTG_HCINT_ACK;
                if (channel.PacketCount > 0) break;
                channel.Hcint |= OTG_HCINT_XFRC | OTG_HCINT_CHH;
                DropPostedRequests(channel);
                channel.Disable();
                break;
            case UsbResponse.Nak: channel.Hcint |= OTG_HCINT_NAK; break;
            case UsbResponse.Stall: channel.Hcint |= OTG_HCINT_STALL; break;
            default: channel.Hcint |= OTG_HCINT_TXERR; break;
        }
    }

    /// A receive FIFO entry: the status word, then the packet's bytes in little-endian words.
    private void PushStatus(OtgFsChannel channel, uint packetStatus, ReadOnlySpan<byte> data, UsbDataPid pid)
    {
        var dpid = pid == UsbDataPid.Data1 ? DPID_DATA1 : DPID_DATA0;
        _fifo.Rx.Push((uint)channel.Number | ((uint)data.Length << OTG_GRXSTS_BCNT_Pos) | (dpid << OTG_GRXSTS_DPID_Pos) |
                      (packetStatus << OTG_GRXSTS_PKTSTS_Pos));
        for (var i = 0; i < data.Length; i += 4)
        {
            var word = 0u;
            for (var b = 0; b < 4 && i + b < data.Length; b++) word |= (uint)data[i + b] << (8 * b);
            _fifo.Rx.Push(word);
        }
    }
}
