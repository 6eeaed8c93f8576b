// A USB host reduced to the transactions on the wire (no controller): it sends tokens to a function, keeps the
// host's data toggles and assembles control transfers and Bulk-Only commands, so the drive's chapter 9, BOT and
// SCSI behaviour can be tested on its own.
using System.Buffers.Binary;
using Stm32Boot.VirtualBoard.Usb;

namespace Stm32Boot.VirtualBoard.Tests.Usb;

public sealed class BusHost(IUsbFunction device)
{
    public const ulong Microsecond = 1_000_000;
    private readonly Dictionary<byte, UsbDataPid> _toggles = new();
    private readonly byte[] _packet = new byte[1023];

    public IUsbFunction Device => device;
    public ulong NowPs { get; set; }
    public byte Address { get; set; }

    public sealed record Csw(uint Signature, uint Tag, uint Residue, byte Status);
    public sealed record ScsiOutcome(byte[] Data, Csw Csw, bool DataPhaseStalled);

    /// VBUS on, then a bus reset: the Default state at address 0.
    public void PowerUp()
    {
        device.PowerChanged(true, NowPs);
        device.BusReset(NowPs);
        Address = 0;
        _toggles.Clear();
    }

    /// SET_ADDRESS 1 and SET_CONFIGURATION 1, as a host does after reading the descriptors.
    public void Enumerate()
    {
        Assert(ControlOut(new UsbSetupPacket(0x00, 5, 1, 0, 0)) == UsbResponse.Ack, "SET_ADDRESS");
        Address = 1;
        Assert(ControlOut(new UsbSetupPacket(0x00, 9, 1, 0, 0)) == UsbResponse.Ack, "SET_CONFIGURATION");
        _toggles.Clear();
    }

    /// SETUP, IN data packets until a short one (or wLength), then the zero-length status OUT. Returns the
    /// first non-data answer (STALL) with what arrived before it.
    public (UsbResponse Response, byte[] Data) ControlIn(UsbSetupPacket setup, int maxPacket = 64)
    {
        var response = device.Setup(Address, setup.ToBytes(), NowPs);
        if (response != UsbResponse.Ack) return (response, []);
        var data = new List<byte>();
        var expected = UsbDataPid.Data1;
        while (true)
        {
            var result = device.In(Address, 0, _packet, NowPs);
            if (result.Response != UsbResponse.Data) return (result.Response, data.ToArray());
            Assert(result.Pid == expected, $"control data PID {result.Pid}, expected {expected}");
            expected = Flip(expected);
            data.AddRange(_packet.AsSpan(0, result.Length).ToArray());
            if (result.Length < maxPacket || data.Count >= setup.Length) break;
        }
        return (device.Out(Address, 0, UsbDataPid.Data1, [], NowPs), data.ToArray());
    }

    /// SETUP without a data stage, then the zero-length status IN; returns the status stage's answer.
    public UsbResponse ControlOut(UsbSetupPacket setup)
    {
        var response = device.Setup(Address, setup.ToBytes(), NowPs);
        if (response != UsbResponse.Ack) return response;
        var status = device.In(Address, 0, _packet, NowPs);
        if (status.Response != UsbResponse.Data) return status.Response;
        Assert(status.Length == 0 && status.Pid == UsbDataPid.Data1, "the status stage is a zero-length DATA1 packet");
        return UsbResponse.Ack;
    }

    public UsbResponse ClearHalt(byte endpoint)
    {
        var response = ControlOut(new UsbSetupPacket(0x02, 1, 0, endpoint, 0));
        if (response == UsbResponse.Ack) _toggles[endpoint] = UsbDataPid.Data0;
        return response;
    }

    /// One OUT packet with the host's toggle; the toggle moves on with an ACK.
    public UsbResponse Out(byte endpoint, ReadOnlySpan<byte> packet)
    {
        var pid = _toggles.GetValueOrDefault(endpoint);
        var response = device.Out(Address, endpoint, pid, packet, NowPs);
        if (response == UsbResponse.Ack) _toggles[endpoint] = Flip(pid);
        return response;
    }

    /// One IN transaction; a data packet with the expected toggle moves it on.
    public UsbInResult In(byte endpoint, Span<byte> packet)
    {
        var address = (byte)(endpoint | 0x80);
        var result = device.In(Address, endpoint, packet, NowPs);
        if (result.Response == UsbResponse.Data)
        {
            Assert(result.Pid == _toggles.GetValueOrDefault(address), $"IN data PID {result.Pid} out of sequence");
            _toggles[address] = Flip(result.Pid);
        }
        return result;
    }

    /// IN packets until a short one or length bytes; NAKs are retried 10 µs later (up to a second).
    public (UsbResponse Response, byte[] Data) BulkIn(byte endpoint, int length)
    {
        var data = new List<byte>();
        var deadline = NowPs + 1_000_000 * Microsecond;
        while (data.Count < length)
        {
            var result = In(endpoint, _packet);
            if (result.Response == UsbResponse.Nak && NowPs < deadline)
            {
                NowPs += 10 * Microsecond;
                continue;
            }
            if (result.Response != UsbResponse.Data) return (result.Response, data.ToArray());
            data.AddRange(_packet.AsSpan(0, result.Length).ToArray());
            if (result.Length < 64) break;
        }
        return (UsbResponse.Data, data.ToArray());
    }

    public static byte[] Cbw(uint tag, uint length, bool dataIn, byte lun, params byte[] cdb)
    {
        var cbw = new byte[31];
        BinaryPrimitives.WriteUInt32LittleEndian(cbw, 0x4342_5355);
        BinaryPrimitives.WriteUInt32LittleEndian(cbw.AsSpan(4), tag);
        BinaryPrimitives.WriteUInt32LittleEndian(cbw.AsSpan(8), length);
        cbw[12] = dataIn ? (byte)0x80 : (byte)0;
        cbw[13] = lun;
        cbw[14] = (byte)cdb.Length;
        cdb.CopyTo(cbw, 15);
        return cbw;
    }

    /// A whole Bulk-Only command the way BOT 1.0 §5.3 tells a host: CBW, data phase (clearing a STALL that ends
    /// it), CSW (clearing a STALL once before it).
    public ScsiOutcome Scsi(uint length, bool dataIn, byte[] cdb, byte lun = 0, uint tag = 0x1234_5678)
    {
        Assert(Out(UsbMassStorageDrive.BulkOut, Cbw(tag, length, dataIn, lun, cdb)) == UsbResponse.Ack, "CBW accepted");
        byte[] data = [];
        var stalled = false;
        if (length > 0 && dataIn)
        {
            (var response, data) = BulkIn(UsbMassStorageDrive.BulkIn, (int)length);
            stalled = response == UsbResponse.Stall;
            if (stalled) Assert(ClearHalt(UsbMassStorageDrive.BulkIn) == UsbResponse.Ack, "clear Bulk-In halt");
        }
        else if (length > 0)
        {
            var response = Out(UsbMassStorageDrive.BulkOut, new byte[Math.Min(64, length)]);
            stalled = response == UsbResponse.Stall;
            if (stalled) Assert(ClearHalt(UsbMassStorageDrive.BulkOut) == UsbResponse.Ack, "clear Bulk-Out halt");
        }
        return new ScsiOutcome(data, ReadCsw(), stalled);
    }

    public Csw ReadCsw()
    {
        var (response, csw) = BulkIn(UsbMassStorageDrive.BulkIn, 13);
        if (response == UsbResponse.Stall)
        {
            Assert(ClearHalt(UsbMassStorageDrive.BulkIn) == UsbResponse.Ack, "clear Bulk-In halt before the CSW");
            (response, csw) = BulkIn(UsbMassStorageDrive.BulkIn, 13);
        }
        Assert(response == UsbResponse.Data && csw.Length == 13, $"a 13-byte CSW, got {response} with {csw.Length} bytes");
        return new Csw(BinaryPrimitives.ReadUInt32LittleEndian(csw), BinaryPrimitives.ReadUInt32LittleEndian(csw.AsSpan(4)),
                       BinaryPrimitives.ReadUInt32LittleEndian(csw.AsSpan(8)), csw[12]);
    }

    /// REQUEST SENSE: (sense key, ASC, ASCQ).
    public (byte Key, byte Asc, byte Ascq) Sense(byte lun = 0)
    {
        var outcome = Scsi(18, true, [0x03, 0, 0, 0, 18, 0], lun);
        return (outcome.Data[2], outcome.Data[12], outcome.Data[13]);
    }

    private static UsbDataPid Flip(UsbDataPid pid) => pid == UsbDataPid.Data0 ? UsbDataPid.Data1 : UsbDataPid.Data0;

    private static void Assert(bool condition, string what)
    {
        if (!condition) throw new Xunit.Sdk.XunitException($"bus host: {what}");
    }
}
