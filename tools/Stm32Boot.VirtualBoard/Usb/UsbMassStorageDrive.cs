// The emulated USB thumb drive: a full-speed device with one interface of class Mass Storage (08h), subclass SCSI
// transparent (06h), protocol Bulk-Only (50h), bulk endpoints IN 81h and OUT 02h of 64 bytes (BOT 1.0 §4), behind
// which a write-protected SCSI disk reads a disk image file. The runtime knobs make it misbehave for tests.
namespace Stm32Boot.VirtualBoard.Usb;

public sealed class UsbMassStorageDrive : UsbDevice, IDisposable
{
    public const byte BulkIn = 0x81, BulkOut = 0x02;
    private const int BulkMaxPacket = 64;
    // Class requests (BOT 1.0 §3.1, §3.2)
    private const byte GET_MAX_LUN = 0xFE, BULK_ONLY_MASS_STORAGE_RESET = 0xFF;
    private const byte ClassInterfaceOut = 0x21, ClassInterfaceIn = 0xA1;

    private readonly UsbDriveOptions _options;
    private readonly DiskImage _image;
    private readonly ScsiDisk _scsi;
    private readonly BulkOnlyTransport _transport;

    public UsbMassStorageDrive(string imagePath, UsbDriveOptions? options = null)
        : base(UsbDescriptors.Device(0, 64, 0x1209, 0x0001),
               UsbDescriptors.Configuration(1,
                   UsbDescriptors.Interface(0, 2, 0x08, 0x06, 0x50),
                   UsbDescriptors.Endpoint(BulkIn, UsbDescriptors.TransferBulk, BulkMaxPacket, 0),
                   UsbDescriptors.Endpoint(BulkOut, UsbDescriptors.TransferBulk, BulkMaxPacket, 0)),
               // BOT 1.0 §4.1.1: the serial number has at least 12 hexadecimal digits.
               ["Stm32Boot", "Virtual USB Drive", "0123456789AB"])
    {
        _options = options ?? new UsbDriveOptions();
        _options.Validate();
        _image = new DiskImage(imagePath, _options.SectorSize);
        _scsi = new ScsiDisk(_image, _options.LunCount, _options.StartUpPs);
        _transport = new BulkOnlyTransport(_scsi, BulkIn, BulkOut, BulkMaxPacket, Halt, Unplug);
    }

    public override UsbSpeed Speed => UsbSpeed.Full;
    public override ulong ConnectDelayPs => _options.ConnectDelayPs;
    public string ImagePath => _image.Path;

    /// Operation codes of the SCSI commands received since VBUS came on, in order.
    public IReadOnlyList<byte> Commands => _transport.Commands;

    /// Bulk-In payload bytes sent since VBUS came on (data and CSWs).
    public long BytesSent => _transport.BytesSent;

    /// A slow medium: every sector's data is NAKed until this long after the previous one (virtual time).
    public ulong SectorLatencyPs
    {
        get => _transport.SectorLatencyPs;
        set => _transport.SectorLatencyPs = value;
    }

    /// The next `times` commands with this operation code fail: the data pipe STALLs, the CSW reports "command
    /// failed" and REQUEST SENSE a medium error.
    public void StallCommand(byte opcode, int times = 1) => _transport.StallCommand(opcode, times);

    /// The next `times` commands with this operation code end in a phase error: the host must do a Reset Recovery.
    public void PhaseErrorOnCommand(byte opcode, int times = 1) => _transport.PhaseErrorOnCommand(opcode, times);

    /// From the next bulk transaction on, the drive NAKs every bulk transaction for that long (a busy medium).
    public void NakFor(ulong durationPs) => _transport.NakFor(durationPs);

    /// From its fromRead-th READ(10) on (counting from 1, every READ(10) that covers it), sector lba of the medium
    /// reads as data: a drive that serves other bytes to a second read than to the first, as a failing medium or a
    /// controller built to deceive does. The image file is not changed.
    public void ChangeSectorOnRead(long lba, int fromRead, byte[] data) => _scsi.ChangeSectorOnRead(lba, fromRead, data);

    /// The drive leaves the socket once it has sent this many more Bulk-In bytes, in the middle of a transfer.
    public void UnplugAfterBytes(long bytes) => _transport.UnplugAfterBytes(bytes);

    protected override void OnPowerChanged(bool powered, ulong nowPs)
    {
        if (!powered) return;
        _scsi.PowerOn(nowPs);
        _transport.PowerOn();
    }

    protected override void OnConfigured() => _transport.Reset();

    protected override bool MayClearHalt(byte endpoint) => _transport.MayClearHalt;

    protected override UsbControlReply OnClassRequest(UsbSetupPacket setup, ulong nowPs)
    {
        if (setup.Index != 0 || setup.Value != 0) return UsbControlReply.Stall();
        return (setup.RequestTypeByte, setup.Request, setup.Length) switch
        {
            (ClassInterfaceIn, GET_MAX_LUN, 1) => UsbControlReply.In([(byte)(_scsi.LunCount - 1)]),
            (ClassInterfaceOut, BULK_ONLY_MASS_STORAGE_RESET, 0) => UsbControlReply.Ok(_transport.Reset),
            _ => UsbControlReply.Stall(),
        };
    }

    protected override UsbResponse OnEndpointOut(byte endpoint, ReadOnlySpan<byte> packet, ulong nowPs) =>
        _transport.Out(packet, nowPs);

    protected override UsbInResult OnEndpointIn(byte endpoint, Span<byte> packet, ulong nowPs) =>
        _transport.In(packet, nowPs);

    public void Dispose() => _image.Dispose();
}
