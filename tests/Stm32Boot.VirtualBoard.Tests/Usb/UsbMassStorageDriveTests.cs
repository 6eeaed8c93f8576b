using System.Buffers.Binary;
using Stm32Boot.VirtualBoard.Usb;
using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Usb;

/// The emulated thumb drive on its own, at transaction level: chapter 9, Bulk-Only Transport, SCSI, knobs.
public sealed class UsbMassStorageDriveTests : IDisposable
{
    private const byte TEST_UNIT_READY = 0x00, INQUIRY = 0x12, READ_CAPACITY_10 = 0x25, READ_10 = 0x28, WRITE_10 = 0x2A;
    private const ulong Millisecond = 1_000_000_000;

    private readonly ScratchImage _image = new(64 * 512);
    private readonly List<IDisposable> _drives = new();

    public void Dispose()
    {
        foreach (var drive in _drives) drive.Dispose();
        _image.Dispose();
    }

    private BusHost Plug(UsbDriveOptions? options = null, string? path = null)
    {
        var drive = new UsbMassStorageDrive(path ?? _image.FilePath, options);
        _drives.Add(drive);
        var host = new BusHost(drive);
        host.PowerUp();
        return host;
    }

    private BusHost Configured(UsbDriveOptions? options = null)
    {
        var host = Plug(options);
        host.Enumerate();
        return host;
    }

    private static byte[] Read10(uint lba, ushort blocks)
    {
        var cdb = new byte[10];
        cdb[0] = READ_10;
        BinaryPrimitives.WriteUInt32BigEndian(cdb.AsSpan(2), lba);
        BinaryPrimitives.WriteUInt16BigEndian(cdb.AsSpan(7), blocks);
        return cdb;
    }

    [Fact]
    public void The_device_descriptor_says_full_speed_with_a_64_byte_control_endpoint()
    {
        var host = Plug();
        var (response, device) = host.ControlIn(new UsbSetupPacket(0x80, 6, 0x0100, 0, 64));

        Assert.Equal(UsbResponse.Ack, response);
        Assert.Equal(18, device.Length);
        Assert.Equal([18, 1, 0x00, 0x02, 0, 0, 0, 64], device[..8]);
        Assert.Equal(1, device[17]); // one configuration
    }

    [Fact]
    public void The_configuration_has_one_bulk_only_scsi_interface_with_bulk_in_81h_and_out_02h()
    {
        var host = Plug();
        var (_, header) = host.ControlIn(new UsbSetupPacket(0x80, 6, 0x0200, 0, 9));
        var total = header[2] | header[3] << 8;
        var (_, config) = host.ControlIn(new UsbSetupPacket(0x80, 6, 0x0200, 0, (ushort)total));

        Assert.Equal(32, total);
        Assert.Equal(32, config.Length);
        Assert.Equal([9, 4, 0, 0, 2, 0x08, 0x06, 0x50, 0], config[9..18]);
        Assert.Equal([7, 5, 0x81, 2, 64, 0, 0], config[18..25]);
        Assert.Equal([7, 5, 0x02, 2, 64, 0, 0], config[25..32]);
    }

    [Fact]
    public void The_serial_number_string_has_12_hex_digits_as_BOT_requires()
    {
        var host = Plug();
        var (_, serial) = host.ControlIn(new UsbSetupPacket(0x80, 6, 0x0303, 0x0409, 255));
        var text = System.Text.Encoding.Unicode.GetString(serial, 2, serial.Length - 2);
        Assert.Matches("^[0-9A-F]{12,}$", text);
        Assert.Equal(UsbResponse.Stall, host.ControlIn(new UsbSetupPacket(0x80, 6, 0x0600, 0, 10)).Response); // no qualifier at full speed
    }

    [Fact]
    public void A_powered_device_answers_nothing_until_a_bus_reset()
    {
        var drive = new UsbMassStorageDrive(_image.FilePath);
        _drives.Add(drive);
        drive.PowerChanged(true, 0);
        Assert.Equal(UsbResponse.None, drive.Setup(0, new UsbSetupPacket(0x80, 6, 0x0100, 0, 18).ToBytes(), 0));
        drive.BusReset(0);
        Assert.Equal(UsbResponse.Ack, drive.Setup(0, new UsbSetupPacket(0x80, 6, 0x0100, 0, 18).ToBytes(), 0));
    }

    [Fact]
    public void Set_address_takes_effect_after_its_status_stage()
    {
        var host = Plug();
        var drive = (UsbMassStorageDrive)host.Device;
        Assert.Equal(UsbResponse.Ack, drive.Setup(0, new UsbSetupPacket(0x00, 5, 7, 0, 0).ToBytes(), 0));
        Assert.Equal(0, drive.Address);
        var status = drive.In(0, 0, new byte[64], 0);
        Assert.Equal((UsbResponse.Data, 0), (status.Response, status.Length));
        Assert.Equal(7, drive.Address);
        Assert.Equal(UsbResponse.None, drive.Setup(0, new UsbSetupPacket(0x80, 6, 0x0100, 0, 18).ToBytes(), 0));
        host.Address = 7;
        Assert.Equal(18, host.ControlIn(new UsbSetupPacket(0x80, 6, 0x0100, 0, 18)).Data.Length);
    }

    [Fact]
    public void An_unsupported_request_stalls_endpoint_0_until_the_next_setup()
    {
        var host = Plug();
        Assert.Equal(UsbResponse.Stall, host.ControlIn(new UsbSetupPacket(0x80, 6, 0x0700, 0, 9)).Response);
        Assert.Equal(UsbResponse.Stall, host.Device.In(0, 0, new byte[64], 0).Response);
        Assert.Equal(UsbResponse.Ack, host.ControlIn(new UsbSetupPacket(0x80, 6, 0x0100, 0, 18)).Response);
    }

    [Fact]
    public void Class_requests_wait_for_the_configuration_and_get_max_lun_counts_the_luns()
    {
        var host = Plug(new UsbDriveOptions { LunCount = 2 });
        var getMaxLun = new UsbSetupPacket(0xA1, 0xFE, 0, 0, 1);
        Assert.Equal(UsbResponse.Stall, host.ControlIn(getMaxLun).Response);
        host.Enumerate();
        Assert.Equal([1], host.ControlIn(getMaxLun).Data);
        Assert.Equal([0], Configured().ControlIn(getMaxLun).Data);
    }

    [Fact]
    public void Inquiry_reports_a_removable_direct_access_device()
    {
        var host = Configured();
        var outcome = host.Scsi(36, true, [INQUIRY, 0, 0, 0, 36, 0]);

        Assert.Equal(36, outcome.Data.Length);
        Assert.Equal(0x00, outcome.Data[0]);
        Assert.Equal(0x80, outcome.Data[1]);
        Assert.Equal("VIRTUAL ", System.Text.Encoding.ASCII.GetString(outcome.Data, 8, 8));
        Assert.Equal(new BusHost.Csw(0x5342_5355, 0x1234_5678, 0, 0), outcome.Csw);
    }

    [Fact]
    public void Read_capacity_and_read10_return_the_image()
    {
        var host = Configured();
        var capacity = host.Scsi(8, true, [READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0]).Data;
        Assert.Equal(63u, BinaryPrimitives.ReadUInt32BigEndian(capacity));
        Assert.Equal(512u, BinaryPrimitives.ReadUInt32BigEndian(capacity.AsSpan(4)));

        var read = host.Scsi(3 * 512, true, Read10(5, 3));
        Assert.Equal(ScratchImage.Bytes(5 * 512, 3 * 512), read.Data);
        Assert.Equal((0u, (byte)0), (read.Csw.Residue, read.Csw.Status));
        Assert.Equal([READ_CAPACITY_10, READ_10], ((UsbMassStorageDrive)host.Device).Commands);
    }

    [Fact]
    public void A_short_reply_ends_with_a_short_packet_and_reports_the_residue()
    {
        var outcome = Configured().Scsi(64, true, [INQUIRY, 0, 0, 0, 64, 0]); // case 5: Hi > Di
        Assert.Equal(36, outcome.Data.Length);
        Assert.False(outcome.DataPhaseStalled);
        Assert.Equal((28u, (byte)0), (outcome.Csw.Residue, outcome.Csw.Status));
    }

    [Fact]
    public void Less_data_on_a_packet_boundary_ends_with_a_stall()
    {
        var outcome = Configured().Scsi(1024, true, Read10(0, 1)); // case 5, Di a multiple of 64
        Assert.Equal(512, outcome.Data.Length);
        Assert.True(outcome.DataPhaseStalled);
        Assert.Equal((512u, (byte)0), (outcome.Csw.Residue, outcome.Csw.Status));
    }

    [Fact]
    public void More_data_than_the_host_asked_for_is_a_phase_error()
    {
        var outcome = Configured().Scsi(512, true, Read10(0, 2)); // case 7: Hi < Di
        Assert.Equal(512, outcome.Data.Length);
        Assert.Equal(2, outcome.Csw.Status);
        Assert.Equal(2, Configured().Scsi(0, true, [INQUIRY, 0, 0, 0, 36, 0]).Csw.Status); // case 2: Hn < Di
    }

    [Fact]
    public void A_host_expecting_data_from_a_command_without_any_gets_a_stall_and_the_residue()
    {
        var host = Configured();
        var expectsIn = host.Scsi(16, true, [TEST_UNIT_READY, 0, 0, 0, 0, 0]); // case 4: Hi > Dn
        Assert.True(expectsIn.DataPhaseStalled);
        Assert.Equal((16u, (byte)0), (expectsIn.Csw.Residue, expectsIn.Csw.Status));
        var sendsOut = host.Scsi(16, false, [TEST_UNIT_READY, 0, 0, 0, 0, 0]); // case 9: Ho > Dn
        Assert.True(sendsOut.DataPhaseStalled);
        Assert.Equal((16u, (byte)0), (sendsOut.Csw.Residue, sendsOut.Csw.Status));
    }

    [Fact]
    public void Write10_is_refused_because_the_medium_is_write_protected()
    {
        var host = Configured();
        var cdb = Read10(0, 1);
        cdb[0] = WRITE_10;
        var outcome = host.Scsi(512, false, cdb);
        Assert.True(outcome.DataPhaseStalled);
        Assert.Equal((512u, (byte)1), (outcome.Csw.Residue, outcome.Csw.Status));
        Assert.Equal(((byte)0x07, (byte)0x27, (byte)0x00), host.Sense());
    }

    [Fact]
    public void Errors_leave_sense_data_that_request_sense_reports_once()
    {
        var host = Configured();
        Assert.Equal(1, host.Scsi(512, true, Read10(64, 1)).Csw.Status);
        Assert.Equal(((byte)0x05, (byte)0x21, (byte)0x00), host.Sense()); // LBA out of range
        Assert.Equal(((byte)0x00, (byte)0x00, (byte)0x00), host.Sense());
        Assert.Equal(1, host.Scsi(0, true, [0xEE, 0, 0, 0, 0, 0]).Csw.Status);
        Assert.Equal(((byte)0x05, (byte)0x20, (byte)0x00), host.Sense()); // invalid command operation code
    }

    [Fact]
    public void An_invalid_CBW_stalls_both_pipes_until_a_reset_recovery()
    {
        var host = Configured();
        var cbw = BusHost.Cbw(1, 0, false, 0, TEST_UNIT_READY);
        Assert.Equal(UsbResponse.Ack, host.Out(UsbMassStorageDrive.BulkOut, cbw[..30]));
        Assert.Equal(UsbResponse.Stall, host.In(UsbMassStorageDrive.BulkIn, new byte[64]).Response);
        Assert.Equal(UsbResponse.Stall, host.Out(UsbMassStorageDrive.BulkOut, cbw));

        host.ClearHalt(UsbMassStorageDrive.BulkIn); // not enough: the halt stays until a Bulk-Only reset
        Assert.Equal(UsbResponse.Stall, host.In(UsbMassStorageDrive.BulkIn, new byte[64]).Response);

        Assert.Equal(UsbResponse.Ack, host.ControlOut(new UsbSetupPacket(0x21, 0xFF, 0, 0, 0)));
        host.ClearHalt(UsbMassStorageDrive.BulkIn);
        host.ClearHalt(UsbMassStorageDrive.BulkOut);
        Assert.Equal(0, host.Scsi(0, true, [TEST_UNIT_READY, 0, 0, 0, 0, 0]).Csw.Status);
    }

    [Fact]
    public void A_repeated_OUT_packet_is_acknowledged_and_ignored()
    {
        var host = Configured();
        var drive = (UsbMassStorageDrive)host.Device;
        var cbw = BusHost.Cbw(9, 0, false, 0, TEST_UNIT_READY);
        Assert.Equal(UsbResponse.Ack, drive.Out(1, 2, UsbDataPid.Data0, cbw, 0));
        Assert.Equal(UsbResponse.Ack, drive.Out(1, 2, UsbDataPid.Data0, cbw, 0)); // our ACK was "lost": same toggle
        Assert.Single(drive.Commands);
    }

    [Fact]
    public void The_medium_is_not_ready_during_its_start_up_time()
    {
        var host = Configured(new UsbDriveOptions { StartUpPs = 50 * Millisecond });
        Assert.Equal(1, host.Scsi(0, true, [TEST_UNIT_READY, 0, 0, 0, 0, 0]).Csw.Status);
        Assert.Equal(((byte)0x02, (byte)0x04, (byte)0x01), host.Sense());
        host.NowPs += 50 * Millisecond;
        Assert.Equal(0, host.Scsi(0, true, [TEST_UNIT_READY, 0, 0, 0, 0, 0]).Csw.Status);
    }

    [Fact]
    public void A_second_lun_is_an_empty_slot_and_a_missing_lun_says_so()
    {
        var host = Configured(new UsbDriveOptions { LunCount = 2 });
        Assert.Equal(1, host.Scsi(0, true, [TEST_UNIT_READY, 0, 0, 0, 0, 0], lun: 1).Csw.Status);
        Assert.Equal(((byte)0x02, (byte)0x3A, (byte)0x00), host.Sense(lun: 1));
        Assert.Equal(0x7F, host.Scsi(36, true, [INQUIRY, 0, 0, 0, 36, 0], lun: 5).Data[0]);
        Assert.Equal(((byte)0x05, (byte)0x25, (byte)0x00), host.Sense(lun: 5));
    }

    [Fact]
    public void A_4096_byte_sector_drive_counts_in_4096_byte_blocks()
    {
        using var image = new ScratchImage(8 * 4096);
        var host = new BusHost(new UsbMassStorageDrive(image.FilePath, new UsbDriveOptions { SectorSize = 4096 }));
        _drives.Add((IDisposable)host.Device);
        host.PowerUp();
        host.Enumerate();
        var capacity = host.Scsi(8, true, [READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0]).Data;
        Assert.Equal((7u, 4096u), (BinaryPrimitives.ReadUInt32BigEndian(capacity), BinaryPrimitives.ReadUInt32BigEndian(capacity.AsSpan(4))));
        Assert.Equal(ScratchImage.Bytes(4096, 4096), host.Scsi(4096, true, Read10(1, 1)).Data);
    }

    [Fact]
    public void An_image_that_is_not_whole_sectors_is_refused_with_the_reason()
    {
        using var odd = new ScratchImage(1000);
        Assert.Contains("1000 bytes is not a whole, non-zero number of 512-byte sectors",
            Assert.Throws<ArgumentException>(() => new UsbMassStorageDrive(odd.FilePath)).Message);
        using var small = new ScratchImage(3 * 512);
        Assert.Contains("1536 bytes is not a whole, non-zero number of 4096-byte sectors",
            Assert.Throws<ArgumentException>(() => new UsbMassStorageDrive(small.FilePath, new UsbDriveOptions { SectorSize = 4096 })).Message);
        Assert.Contains("no such disk image", Assert.Throws<ArgumentException>(() => new UsbMassStorageDrive("/nonexistent/x.img")).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new UsbMassStorageDrive(_image.FilePath, new UsbDriveOptions { SectorSize = 520 }));
    }

    [Fact]
    public void A_stalled_command_fails_with_a_medium_error_once()
    {
        var host = Configured();
        ((UsbMassStorageDrive)host.Device).StallCommand(READ_10);
        var failed = host.Scsi(512, true, Read10(0, 1));
        Assert.True(failed.DataPhaseStalled);
        Assert.Equal((512u, (byte)1), (failed.Csw.Residue, failed.Csw.Status));
        Assert.Equal(((byte)0x03, (byte)0x11, (byte)0x00), host.Sense());
        Assert.Equal(0, host.Scsi(512, true, Read10(0, 1)).Csw.Status);
    }

    [Fact]
    public void A_sector_changed_on_its_second_read_reads_as_given_from_then_on_and_only_that_sector()
    {
        var host = Configured();
        var other = Enumerable.Repeat((byte)0xA5, 512).ToArray();
        ((UsbMassStorageDrive)host.Device).ChangeSectorOnRead(3, 2, other);

        Assert.Equal(ScratchImage.Bytes(3 * 512, 512), host.Scsi(512, true, Read10(3, 1)).Data);
        // The second READ(10) that covers sector 3 reads two sectors: 2 as the file holds it, 3 changed.
        var second = host.Scsi(1024, true, Read10(2, 2)).Data;
        Assert.Equal(ScratchImage.Bytes(2 * 512, 512), second[..512]);
        Assert.Equal(other, second[512..]);
        Assert.Equal(other, host.Scsi(512, true, Read10(3, 1)).Data);
        Assert.Equal(ScratchImage.Bytes(4 * 512, 512), host.Scsi(512, true, Read10(4, 1)).Data);
        Assert.Equal(ScratchImage.Bytes(3 * 512, 512), File.ReadAllBytes(_image.FilePath)[(3 * 512)..(4 * 512)]);
    }

    [Fact]
    public void A_phase_error_knob_makes_the_CSW_report_it()
    {
        var host = Configured();
        ((UsbMassStorageDrive)host.Device).PhaseErrorOnCommand(READ_10);
        var outcome = host.Scsi(512, true, Read10(0, 1));
        Assert.True(outcome.DataPhaseStalled);
        Assert.Equal(2, outcome.Csw.Status);
    }

    [Fact]
    public void Nak_for_a_while_delays_every_bulk_transaction()
    {
        var host = Configured();
        ((UsbMassStorageDrive)host.Device).NakFor(5 * Millisecond);
        var cbw = BusHost.Cbw(1, 0, false, 0, TEST_UNIT_READY);
        Assert.Equal(UsbResponse.Nak, host.Out(UsbMassStorageDrive.BulkOut, cbw));
        host.NowPs += 4 * Millisecond;
        Assert.Equal(UsbResponse.Nak, host.Out(UsbMassStorageDrive.BulkOut, cbw));
        host.NowPs += Millisecond;
        Assert.Equal(UsbResponse.Ack, host.Out(UsbMassStorageDrive.BulkOut, cbw));
    }

    [Fact]
    public void A_slow_medium_releases_each_sector_after_its_latency()
    {
        var host = Configured();
        ((UsbMassStorageDrive)host.Device).SectorLatencyPs = 2 * Millisecond;
        var start = host.NowPs;
        var read = host.Scsi(4 * 512, true, Read10(0, 4));
        Assert.Equal(ScratchImage.Bytes(0, 2048), read.Data);
        Assert.InRange(host.NowPs - start, 8 * Millisecond, 8 * Millisecond + 20 * BusHost.Microsecond);
    }

    [Fact]
    public void The_drive_can_unplug_itself_in_the_middle_of_a_transfer()
    {
        var host = Configured();
        var drive = (UsbMassStorageDrive)host.Device;
        var unplugged = false;
        drive.Unplugged += () => unplugged = true;
        drive.UnplugAfterBytes(700);
        host.Out(UsbMassStorageDrive.BulkOut, BusHost.Cbw(1, 1024, true, 0, Read10(0, 2)));
        for (var i = 0; i < 16 && !unplugged; i++) host.In(UsbMassStorageDrive.BulkIn, new byte[64]);
        Assert.True(unplugged);
        Assert.Equal(704, drive.BytesSent); // the packet that crossed 700 bytes
    }

    [Fact]
    public void Power_off_forgets_the_address_and_configuration()
    {
        var host = Configured();
        host.Device.PowerChanged(false, 0);
        host.Device.PowerChanged(true, 0);
        Assert.Equal(UsbResponse.None, host.ControlOut(new UsbSetupPacket(0x00, 9, 1, 0, 0)));
        host.Device.BusReset(0);
        host.Address = 0;
        // Back in the Default state: no configuration before an address.
        Assert.Equal(UsbResponse.Stall, host.ControlOut(new UsbSetupPacket(0x00, 9, 1, 0, 0)));
        Assert.Equal(UsbResponse.Stall, host.ControlIn(new UsbSetupPacket(0xA1, 0xFE, 0, 0, 1)).Response);
    }

    [Fact]
    public void A_hub_and_a_keyboard_enumerate_with_their_own_classes()
    {
        var hub = new BusHost(new UsbHubDevice());
        hub.PowerUp();
        Assert.Equal(0x09, hub.ControlIn(new UsbSetupPacket(0x80, 6, 0x0100, 0, 18)).Data[4]);
        var keyboard = new BusHost(new UsbKeyboardDevice());
        keyboard.PowerUp();
        var config = keyboard.ControlIn(new UsbSetupPacket(0x80, 6, 0x0200, 0, 255)).Data;
        Assert.Equal(34, config.Length);
        Assert.Equal(0x03, config[9 + 5]);
        keyboard.Enumerate();
        Assert.Equal(UsbResponse.Nak, keyboard.In(0x01, new byte[64]).Response);
        Assert.Equal(UsbResponse.Stall, keyboard.ControlIn(new UsbSetupPacket(0xA1, 0xFE, 0, 0, 1)).Response);
    }
}
