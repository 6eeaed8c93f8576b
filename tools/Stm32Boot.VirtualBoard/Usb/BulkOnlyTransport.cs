// USB Mass Storage Class Bulk-Only Transport 1.0, device side: a 31-byte CBW arrives on Bulk-Out, the data phase
// follows on Bulk-In, a 13-byte CSW closes the command. The thirteen host/device expectation cases of §6.7 decide the
// residue, the STALLs and the phase errors; an invalid CBW stalls both pipes until a Reset Recovery (§6.6.1, §5.3.4).
// This drive has no command with a data-out phase (the medium is write-protected), so Ho commands meet Dn or Di.
// Test knobs: a command that fails with a STALL, one that ends in a phase error, NAK for a while, a slow medium,
// and a cable pulled after so many bytes.
using System.Buffers.Binary;

namespace Stm32Boot.VirtualBoard.Usb;

internal sealed class BulkOnlyTransport
{
    private const uint CbwSignature = 0x4342_5355, CswSignature = 0x5342_5355;
    private const int CbwLength = 31, CswLength = 13;
    private const byte StatusPassed = 0, StatusFailed = 1, StatusPhaseError = 2;

    private enum Phase { Command, DataIn, Status }

    private readonly ScsiDisk _scsi;
    private readonly byte _inEndpoint, _outEndpoint;
    private readonly int _maxPacket;
    private readonly Action<byte> _halt;
    private readonly Action _unplug;
    private readonly Dictionary<byte, int> _stallCommands = new(), _phaseErrorCommands = new();
    private readonly List<byte> _commands = new();
    private Phase _phase;
    private bool _resetRecoveryNeeded;
    private uint _tag, _residue;
    private byte _status;
    private ScsiData? _data;
    private long _dataLength, _dataSent;
    private bool _stallAfterData;
    private ulong _dataStartPs, _nakUntilPs, _nakDurationPs;
    private long _unplugAfterBytes = -1;

    public BulkOnlyTransport(ScsiDisk scsi, byte inEndpoint, byte outEndpoint, int maxPacket, Action<byte> halt, Action unplug)
    {
        _scsi = scsi;
        _inEndpoint = inEndpoint;
        _outEndpoint = outEndpoint;
        _maxPacket = maxPacket;
        _halt = halt;
        _unplug = unplug;
    }

    /// Operation codes of every command received since power-on, in order.
    public IReadOnlyList<byte> Commands => _commands;

    /// Bulk-In payload bytes sent since power-on (data phases and CSWs).
    public long BytesSent { get; private set; }

    /// Every medium sector takes this long to read: its data is NAKed until then.
    public ulong SectorLatencyPs { get; set; }

    /// A Bulk-Only Mass Storage Reset cannot lift the stalls of an invalid CBW until the host clears them after it.
    public bool MayClearHalt => !_resetRecoveryNeeded;

    public void StallCommand(byte opcode, int times) => _stallCommands[opcode] = times;
    public void PhaseErrorOnCommand(byte opcode, int times) => _phaseErrorCommands[opcode] = times;
    /// From the next bulk transaction on, every bulk transaction is NAKed for that long.
    public void NakFor(ulong durationPs) => _nakDurationPs = durationPs;
    public void UnplugAfterBytes(long bytes) => _unplugAfterBytes = BytesSent + bytes;

    public void PowerOn()
    {
        _commands.Clear();
        BytesSent = 0;
        _nakUntilPs = 0;
        Reset();
    }

    /// Bulk-Only Mass Storage Reset (§3.1): ready for the next CBW; the host then clears the halts.
    public void Reset()
    {
        _phase = Phase.Command;
        _resetRecoveryNeeded = false;
        _data = null;
    }

    public UsbResponse Out(ReadOnlySpan<byte> packet, ulong nowPs)
    {
        if (Busy(nowPs)) return UsbResponse.Nak;
        if (_phase != Phase.Command)
        {
            // The host sends while the device has data or a CSW for it: nothing here takes data-out.
            _halt(_outEndpoint);
            return UsbResponse.Stall;
        }
        if (packet.Length != CbwLength || BinaryPrimitives.ReadUInt32LittleEndian(packet) != CbwSignature ||
            (packet[14] & 0x1F) is 0 or > 16)
        {
            _resetRecoveryNeeded = true;
            _halt(_inEndpoint);
            _halt(_outEndpoint);
            return UsbResponse.Ack;
        }
        StartCommand(packet, nowPs);
        return UsbResponse.Ack;
    }

    public UsbInResult In(Span<byte> packet, ulong nowPs)
    {
        if (Busy(nowPs) || _phase == Phase.Command) return UsbInResult.Handshake(UsbResponse.Nak);
        int length;
        if (_phase == Phase.DataIn)
        {
            if (_data!.SectorSize is { } sectorSize &&
                nowPs < _dataStartPs + (ulong)(_dataSent / sectorSize + 1) * SectorLatencyPs)
                return UsbInResult.Handshake(UsbResponse.Nak);
            length = (int)Math.Min(packet.Length, _dataLength - _dataSent);
            _data.CopyTo(_dataSent, packet[..length]);
            _dataSent += length;
            if (_dataSent == _dataLength)
            {
                _phase = Phase.Status;
                // Less data than the host asked for, ending on a full packet: the STALL ends the data phase (§6.7.2).
                if (_stallAfterData) _halt(_inEndpoint);
            }
        }
        else
        {
            WriteCsw(packet);
            length = CswLength;
            _phase = Phase.Command;
        }
        BytesSent += length;
        if (_unplugAfterBytes >= 0 && BytesSent >= _unplugAfterBytes)
        {
            _unplugAfterBytes = -1;
            _unplug();
        }
        return new UsbInResult(UsbResponse.Data, UsbDataPid.Data0, length);
    }

    private bool Busy(ulong nowPs)
    {
        if (_nakDurationPs > 0)
        {
            _nakUntilPs = nowPs + _nakDurationPs;
            _nakDurationPs = 0;
        }
        return nowPs < _nakUntilPs;
    }

    private void StartCommand(ReadOnlySpan<byte> cbw, ulong nowPs)
    {
        _tag = BinaryPrimitives.ReadUInt32LittleEndian(cbw[4..]);
        long hostLength = BinaryPrimitives.ReadUInt32LittleEndian(cbw[8..]);
        var hostIn = (cbw[12] & 0x80) != 0;
        var lun = (byte)(cbw[13] & 0xF);
        var cdb = cbw.Slice(15, cbw[14] & 0x1F);
        var opcode = cdb[0];
        _commands.Add(opcode);
        if (TakeKnob(_phaseErrorCommands, opcode))
        {
            if (hostLength > 0) _halt(hostIn ? _inEndpoint : _outEndpoint);
            EndCommand(StatusPhaseError, (uint)hostLength);
            return;
        }
        var result = TakeKnob(_stallCommands, opcode) ? _scsi.FailWithMediumError(lun) : _scsi.Execute(lun, cdb, nowPs);
        var status = result.Good ? StatusPassed : StatusFailed;
        var deviceLength = result.Data?.Length ?? 0;
        if (hostLength == 0)
            EndCommand(deviceLength > 0 ? StatusPhaseError : status, 0); // cases 1-2
        else if (!hostIn)
        {
            _halt(_outEndpoint); // cases 9-10: the device takes no data-out
            EndCommand(deviceLength > 0 ? StatusPhaseError : status, (uint)hostLength);
        }
        else if (deviceLength == 0)
        {
            _halt(_inEndpoint); // case 4
            EndCommand(status, (uint)hostLength);
        }
        else
        {
            // Cases 5-7: the device sends what it has, up to what the host asked for; more is a phase error.
            _data = result.Data;
            _dataLength = Math.Min(deviceLength, hostLength);
            _dataSent = 0;
            _dataStartPs = nowPs;
            _status = deviceLength > hostLength ? StatusPhaseError : status;
            _residue = (uint)(hostLength - _dataLength);
            _stallAfterData = _dataLength < hostLength && _dataLength % _maxPacket == 0;
            _phase = Phase.DataIn;
        }
    }

    private void EndCommand(byte status, uint residue)
    {
        _status = status;
        _residue = residue;
        _data = null;
        _phase = Phase.Status;
    }

    private void WriteCsw(Span<byte> packet)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(packet, CswSignature);
        BinaryPrimitives.WriteUInt32LittleEndian(packet[4..], _tag);
        BinaryPrimitives.WriteUInt32LittleEndian(packet[8..], _residue);
        packet[12] = _status;
    }

    private static bool TakeKnob(Dictionary<byte, int> knob, byte opcode)
    {
        if (!knob.TryGetValue(opcode, out var times) || times == 0) return false;
        knob[opcode] = times - 1;
        return true;
    }
}
