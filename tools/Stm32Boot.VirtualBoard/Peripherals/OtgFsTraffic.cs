// What the OTG_FS host port carried, counted as the model runs it in virtual time (for benchmarks: the share of an
// update spent on USB is measured here, not estimated): transactions on the wire and their bus time, payload bytes,
// and how long a host channel was enabled — the time a polling driver spends waiting for its transfers.
using Stm32Boot.VirtualBoard.Usb;

namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed class OtgFsTraffic
{
    private ulong? _busySincePs;
    private ulong _closedBusyPs;
    private long _transactions, _naks, _inBytes, _outBytes;
    private ulong _wirePs;

    /// The totals since the board was created (power cycles included), up to nowPs.
    public OtgFsTrafficTotals Totals(ulong nowPs) =>
        new(_transactions, _naks, _inBytes, _outBytes, _wirePs, _closedBusyPs + (_busySincePs is { } since ? nowPs - since : 0));

    /// One transaction on the wire: token, data (if any) and handshake or the time-out, durationPs of bus time.
    internal void AddTransaction(UsbResponse response, bool isIn, int dataBytes, ulong durationPs)
    {
        _transactions++;
        _wirePs += durationPs;
        if (response == UsbResponse.Nak) _naks++;
        if (isIn) _inBytes += response == UsbResponse.Data ? dataBytes : 0;
        else _outBytes += dataBytes;
    }

    /// Called whenever a channel may have been enabled or halted: opens or closes the busy interval.
    internal void NoteChannels(bool anyEnabled, ulong nowPs)
    {
        if (anyEnabled && _busySincePs is null) _busySincePs = nowPs;
        else if (!anyEnabled && _busySincePs is { } since)
        {
            _closedBusyPs += nowPs - since;
            _busySincePs = null;
        }
    }
}

/// Transactions (NAKed: how many the device answered NAK), payload bytes each way, bus time of the transactions, and
/// time with at least one host channel enabled.
public sealed record OtgFsTrafficTotals(long Transactions, long Naks, long InBytes, long OutBytes, ulong WirePs, ulong ChannelBusyPs)
{
    public static OtgFsTrafficTotals operator -(OtgFsTrafficTotals a, OtgFsTrafficTotals b) =>
        new(a.Transactions - b.Transactions, a.Naks - b.Naks, a.InBytes - b.InBytes, a.OutBytes - b.OutBytes,
            a.WirePs - b.WirePs, a.ChannelBusyPs - b.ChannelBusyPs);
}
