// The SCSI target behind the drive's Bulk-Only Transport: the commands a USB thumb drive answers — SPC-3 INQUIRY,
// TEST UNIT READY, REQUEST SENSE, MODE SENSE(6), PREVENT ALLOW MEDIUM REMOVAL; SBC-2 READ CAPACITY(10) and READ(10);
// WRITE(10) refused because the medium is write-protected — with fixed-format sense data per logical unit. LUN 0
// holds the disk image; further LUNs are empty card slots ("medium not present"), as on a multi-card reader.
using System.Buffers.Binary;
using System.Text;

namespace Stm32Boot.VirtualBoard.Usb;

internal sealed class ScsiDisk
{
    public const byte TEST_UNIT_READY = 0x00, REQUEST_SENSE = 0x03, INQUIRY = 0x12, MODE_SENSE_6 = 0x1A,
        PREVENT_ALLOW_MEDIUM_REMOVAL = 0x1E, READ_CAPACITY_10 = 0x25, READ_10 = 0x28, WRITE_10 = 0x2A;

    // Sense keys (SPC-3 Table 27) with their additional sense codes (SPC-3 Table 28)
    private const byte NO_SENSE = 0x0, NOT_READY = 0x2, MEDIUM_ERROR = 0x3, ILLEGAL_REQUEST = 0x5, DATA_PROTECT = 0x7;
    private static readonly Sense Ok = new(NO_SENSE, 0, 0);
    private static readonly Sense BecomingReady = new(NOT_READY, 0x04, 0x01);
    private static readonly Sense MediumNotPresent = new(NOT_READY, 0x3A, 0x00);
    private static readonly Sense UnrecoveredReadError = new(MEDIUM_ERROR, 0x11, 0x00);
    private static readonly Sense InvalidOperationCode = new(ILLEGAL_REQUEST, 0x20, 0x00);
    private static readonly Sense LbaOutOfRange = new(ILLEGAL_REQUEST, 0x21, 0x00);
    private static readonly Sense InvalidFieldInCdb = new(ILLEGAL_REQUEST, 0x24, 0x00);
    private static readonly Sense LogicalUnitNotSupported = new(ILLEGAL_REQUEST, 0x25, 0x00);
    private static readonly Sense WriteProtected = new(DATA_PROTECT, 0x27, 0x00);

    private readonly record struct Sense(byte Key, byte Asc, byte Ascq);

    private readonly DiskImage _image;
    private readonly Sense[] _sense;
    private readonly ulong _startUpPs;
    /// ChangeSectorOnRead: per LUN 0 sector, the READ(10) from which it reads as the data given, and READ(10)s so far.
    private readonly Dictionary<long, (int FromRead, byte[] Data, int Reads)> _changes = new();
    private ulong _readyAtPs;

    public ScsiDisk(DiskImage image, int lunCount, ulong startUpPs)
    {
        _image = image;
        _sense = new Sense[lunCount];
        _startUpPs = startUpPs;
    }

    public int LunCount => _sense.Length;

    /// The drive got power: its medium reports "becoming ready" until the start-up time has passed.
    public void PowerOn(ulong nowPs)
    {
        _readyAtPs = nowPs + _startUpPs;
        Array.Fill(_sense, Ok);
    }

    /// From its fromRead-th READ(10) on (counting from 1), sector lba reads as data (a test knob).
    public void ChangeSectorOnRead(long lba, int fromRead, byte[] data)
    {
        if (fromRead < 1) throw new ArgumentOutOfRangeException(nameof(fromRead), fromRead, "READ(10)s count from 1.");
        if (lba < 0 || lba >= _image.SectorCount || data.Length != _image.SectorSize)
            throw new ArgumentException($"sector {lba} of {_image.SectorCount} with {data.Length} bytes: a change is one whole sector of the medium ({_image.SectorSize} bytes).");
        _changes[lba] = (fromRead, (byte[])data.Clone(), 0);
    }

    /// The command fails as a damaged medium would make it fail (a test knob).
    public ScsiResult FailWithMediumError(byte lun) => Check(lun, UnrecoveredReadError);

    public ScsiResult Execute(byte lun, ReadOnlySpan<byte> cdb, ulong nowPs)
    {
        var opcode = cdb[0];
        // SPC-3 §6.4.2, §6.27: a LUN that does not exist still answers INQUIRY and REQUEST SENSE.
        if (lun >= LunCount)
            return opcode switch
            {
                INQUIRY => Inquiry(lun, cdb, supported: false),
                REQUEST_SENSE => SenseData(LogicalUnitNotSupported, cdb),
                _ => new ScsiResult(false, null),
            };
        if (opcode == REQUEST_SENSE)
        {
            var sense = _sense[lun];
            _sense[lun] = Ok; // reporting the sense clears it
            return SenseData(sense, cdb);
        }
        if (opcode == INQUIRY) return Inquiry(lun, cdb, supported: true);
        // Every other command reports on the medium first: a slot without one, or one still spinning up.
        if (lun > 0) return Check(lun, MediumNotPresent);
        if (nowPs < _readyAtPs) return Check(lun, BecomingReady);
        return opcode switch
        {
            TEST_UNIT_READY or PREVENT_ALLOW_MEDIUM_REMOVAL => Good(lun, null),
            READ_CAPACITY_10 => ReadCapacity(lun),
            READ_10 => Read10(lun, cdb),
            MODE_SENSE_6 => ModeSense6(lun, cdb),
            WRITE_10 => Check(lun, WriteProtected),
            _ => Check(lun, InvalidOperationCode),
        };
    }

    private ScsiResult Good(byte lun, ScsiData? data)
    {
        _sense[lun] = Ok;
        return new ScsiResult(true, data);
    }

    private ScsiResult Check(byte lun, Sense sense)
    {
        _sense[lun] = sense;
        return new ScsiResult(false, null);
    }

    /// SPC-3 §6.4.2: 36 bytes of standard data; a LUN that does not exist reports peripheral qualifier 011b.
    /// INQUIRY leaves the sense data alone.
    private ScsiResult Inquiry(byte lun, ReadOnlySpan<byte> cdb, bool supported)
    {
        // No vital product data pages.
        if ((cdb[1] & 1) != 0 || cdb[2] != 0) return supported ? Check(lun, InvalidFieldInCdb) : new ScsiResult(false, null);
        var data = new byte[36];
        data[0] = supported ? (byte)0x00 : (byte)0x7F; // direct-access block device
        data[1] = 0x80; // removable medium
        data[2] = 0x04; // SPC-2
        data[3] = 0x02; // response data format 2
        data[4] = 31;   // additional length
        // Vendor (8 characters), product (16), revision (4), space-padded ASCII.
        Encoding.ASCII.GetBytes("VIRTUAL " + "USB FLASH DRIVE " + "1.00").CopyTo(data, 8);
        return new ScsiResult(true, ScsiData.Bytes(data, cdb[3] << 8 | cdb[4]));
    }

    /// SPC-3 §6.27: fixed-format sense data (response code 70h).
    private static ScsiResult SenseData(Sense sense, ReadOnlySpan<byte> cdb)
    {
        var data = new byte[18];
        data[0] = 0x70;
        data[2] = sense.Key;
        data[7] = 10; // additional sense length
        data[12] = sense.Asc;
        data[13] = sense.Ascq;
        return new ScsiResult(true, ScsiData.Bytes(data, cdb[4]));
    }

    /// SBC-2 §5.10: the last LBA and the block length, big-endian.
    private ScsiResult ReadCapacity(byte lun)
    {
        var data = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(data, (uint)Math.Min(_image.SectorCount - 1, 0xFFFF_FFFF));
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(4), (uint)_image.SectorSize);
        return Good(lun, ScsiData.Bytes(data, data.Length));
    }

    /// SBC-2 §5.6: LBA (4 bytes) and transfer length in blocks (2 bytes), big-endian; 0 blocks moves no data.
    private ScsiResult Read10(byte lun, ReadOnlySpan<byte> cdb)
    {
        long lba = BinaryPrimitives.ReadUInt32BigEndian(cdb[2..]);
        long blocks = BinaryPrimitives.ReadUInt16BigEndian(cdb[7..]);
        if (lba + blocks > _image.SectorCount) return Check(lun, LbaOutOfRange);
        foreach (var (sector, change) in _changes.Where(c => c.Key >= lba && c.Key < lba + blocks).ToList())
        {
            _changes[sector] = change with { Reads = change.Reads + 1 };
            if (change.Reads + 1 == change.FromRead) _image.ReplaceSector(sector, change.Data);
        }
        return Good(lun, blocks == 0 ? null : ScsiData.Medium(_image, lba, blocks));
    }

    /// SPC-3 §6.9: a mode parameter header alone, with the write-protect bit set; no block descriptors or pages.
    private ScsiResult ModeSense6(byte lun, ReadOnlySpan<byte> cdb)
    {
        var page = cdb[2] & 0x3F;
        if (page is not (0x00 or 0x3F)) return Check(lun, InvalidFieldInCdb);
        byte[] header = [3, 0, 0x80, 0];
        return Good(lun, ScsiData.Bytes(header, cdb[4]));
    }
}
