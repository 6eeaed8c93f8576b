using System.Buffers.Binary;
using System.Diagnostics;
using Stm32Boot.VirtualBoard.Usb;
using Xunit;
using Xunit.Abstractions;
using static Stm32Boot.VirtualBoard.Tests.Usb.OtgHost;

namespace Stm32Boot.VirtualBoard.Tests.Usb;

/// Channels, FIFOs, the request queue and transactions on the emulated bus, with the thumb drive on the port.
public sealed class OtgFsTransferTests : IDisposable
{
    private const byte READ_10 = 0x28;

    private readonly OtgHost _host = new();
    private readonly ScratchImage _image = new(1024 * 512);
    private readonly UsbMassStorageDrive _drive;
    private readonly ITestOutputHelper _output;

    public OtgFsTransferTests(ITestOutputHelper output)
    {
        _output = output;
        _drive = new UsbMassStorageDrive(_image.FilePath);
        _host.Otg.Attach(_drive);
        _host.BringUp();
    }

    public void Dispose()
    {
        _drive.Dispose();
        _image.Dispose();
    }

    private static readonly UsbSetupPacket GetDeviceDescriptor = new(0x80, 6, 0x0100, 0, 18);

    private static byte[] Read10(uint lba, ushort blocks)
    {
        var cdb = new byte[10];
        cdb[0] = READ_10;
        BinaryPrimitives.WriteUInt32BigEndian(cdb.AsSpan(2), lba);
        BinaryPrimitives.WriteUInt16BigEndian(cdb.AsSpan(7), blocks);
        return cdb;
    }

    /// Channel 1 sends CBWs to Bulk-Out 02h, channel 2 reads Bulk-In 81h.
    private (Outcome Outcome, byte[] Data) Scsi(byte[] cdb, int length, ref uint outToggle, ref uint inToggle)
    {
        var cbw = BusHost.Cbw(7, (uint)length, true, 0, cdb);
        var outcome = _host.Out(1, Characteristics(1, 2, false, BULK, 64), cbw, ref outToggle);
        if (outcome != Outcome.Done) return (outcome, []);
        var (dataOutcome, data) = _host.In(2, Characteristics(1, 1, true, BULK, 64), length, ref inToggle);
        if (dataOutcome != Outcome.Done) return (dataOutcome, data);
        var (cswOutcome, csw) = _host.In(2, Characteristics(1, 1, true, BULK, 64), 13, ref inToggle);
        Assert.Equal(Outcome.Done, cswOutcome);
        Assert.Equal(13, csw.Length);
        Assert.Equal(0, csw[12]);
        return (Outcome.Done, data);
    }

    [Fact]
    public void A_control_read_goes_through_the_receive_FIFO_as_RM0351_describes()
    {
        var dpid = SETUP;
        Assert.Equal(Outcome.Done, _host.Out(0, Characteristics(0, 0, false, CONTROL, 64), GetDeviceDescriptor.ToBytes(), ref dpid));
        Assert.Equal(DATA1, dpid); // SETUP is followed by DATA1
        Assert.Equal(0u, _host.Read(HCCHAR(0)) & CHENA); // the core disabled the OUT channel itself

        _host.Write(HCTSIZ(0), 64u | 1u << 19 | DATA1 << 29);
        _host.Write(HCCHAR(0), Characteristics(0, 0, true, CONTROL, 64) | CHENA);
        _host.WaitUntil(() => (_host.Read(GINTSTS) & RXFLVL) != 0, Millisecond, "the packet");
        var status = _host.Read(GRXSTSP);
        Assert.Equal(PKTSTS_DATA << 17 | DATA1 << 15 | 18u << 4, status); // channel 0, 18 bytes, DATA1
        var words = Enumerable.Range(0, 5).Select(_ => _host.Read(FIFO(0))).ToArray();
        Assert.Equal(0x0200_0112u, words[0]); // bLength 18, bDescriptorType 1, bcdUSB 2.00
        Assert.Equal(ACK, _host.Read(HCINT(0)) & (ACK | XFRC));
        Assert.Equal(PKTSTS_COMPLETE << 17, _host.Read(GRXSTSP) & ~(3u << 15));
        Assert.Equal(XFRC, _host.Read(HCINT(0)) & XFRC); // raised when the "transfer completed" status is popped
        Assert.Equal(CHENA, _host.Read(HCCHAR(0)) & CHENA); // an IN channel waits to be halted

        _host.Write(HCCHAR(0), _host.Read(HCCHAR(0)) | CHDIS | CHENA);
        _host.WaitUntil(() => (_host.Read(GINTSTS) & RXFLVL) != 0, Millisecond, "the halt status");
        Assert.Equal(PKTSTS_HALTED << 17, _host.Read(GRXSTSP));
        Assert.Equal(CHH, _host.Read(HCINT(0)) & CHH);
        Assert.Equal(0u, _host.Read(HCCHAR(0)) & (CHENA | CHDIS));
        _host.AssertNoFaults();
    }

    [Fact]
    public void Enumeration_reads_descriptors_and_configures_the_drive()
    {
        var (outcome, device) = _host.Control(0, GetDeviceDescriptor);
        Assert.Equal(Outcome.Done, outcome);
        Assert.Equal(18, device.Length);
        _host.Enumerate();
        Assert.Equal((1, 1), (_drive.Address, _drive.Configuration));
        Assert.Equal(Outcome.TransactionError, _host.Control(0, GetDeviceDescriptor).Outcome); // nobody at address 0
    }

    [Fact]
    public void A_64_byte_packet_takes_about_50_us_and_a_frame_holds_at_most_19()
    {
        _host.Enumerate();
        uint outToggle = DATA0, inToggle = DATA0;
        _host.Out(1, Characteristics(1, 2, false, BULK, 64), BusHost.Cbw(1, 64 * 512, true, 0, Read10(0, 64)), ref outToggle);
        var arrivals = new List<ulong>();
        var frames = new List<uint>();
        _host.Write(HCTSIZ(2), 64u * 512 | 512u << 19 | inToggle << 29);
        _host.Write(HCCHAR(2), Characteristics(1, 1, true, BULK, 64) | CHENA);
        // Keep 4 IN requests queued so the bus, not this driver, sets the pace.
        for (var i = 0; i < 3; i++) _host.Write(HCCHAR(2), _host.Read(HCCHAR(2)) | CHENA);
        while (arrivals.Count < 120)
        {
            _host.Step(Microsecond);
            while ((_host.Read(GINTSTS) & RXFLVL) != 0)
            {
                var status = _host.Read(GRXSTSP);
                for (var i = 0; i < ((status >> 4) & 0x7FF) / 4; i++) _host.Read(FIFO(2));
                arrivals.Add(_host.NowPs);
                frames.Add(_host.Read(HFNUM) & 0x3FFF);
                _host.Write(HCCHAR(2), _host.Read(HCCHAR(2)) | CHENA);
            }
        }
        var gaps = arrivals.Zip(arrivals.Skip(1), (a, b) => b - a).ToList();
        Assert.InRange(gaps.Min(), 50 * Microsecond, 52 * Microsecond); // 609 bit times at 12 Mbit/s
        // Whole frames only: the first and the last one are cut by the start and the end of the measurement.
        var perFrame = frames.GroupBy(f => f).Select(g => g.Count()).ToList()[1..^1];
        Assert.All(perFrame, count => Assert.Equal(19, count));
    }

    [Fact]
    public void Reading_256_KB_through_the_registers_is_bus_bound_and_fast_in_wall_time()
    {
        _host.Enumerate();
        uint outToggle = DATA0, inToggle = DATA0;
        byte[] ReadAll()
        {
            var read = new List<byte>();
            for (uint lba = 0; lba < 512; lba += 64)
            {
                var (outcome, data) = Scsi(Read10(lba, 64), 64 * 512, ref outToggle, ref inToggle);
                Assert.Equal(Outcome.Done, outcome);
                read.AddRange(data);
            }
            return read.ToArray();
        }
        Assert.Equal(ScratchImage.Bytes(0, 256 * 1024), ReadAll()); // also warms the JIT up
        var wall = Stopwatch.StartNew();
        var start = _host.NowPs;
        var again = ReadAll();
        wall.Stop();
        var virtualMs = (_host.NowPs - start) / (double)Millisecond;
        _output.WriteLine($"256 KB: {virtualMs:F1} ms of virtual time, {wall.Elapsed.TotalMilliseconds:F0} ms of wall time");
        Assert.Equal(256 * 1024, again.Length);
        Assert.InRange(virtualMs, 4096 / 19.0, 4096 / 18.0); // 19 packets of 64 bytes a millisecond at most
        Assert.True(wall.Elapsed < TimeSpan.FromSeconds(1), $"256 KB took {wall.Elapsed.TotalMilliseconds:F0} ms of wall time");
    }

    [Fact]
    public void A_NAKing_drive_gives_NAK_interrupts_until_it_is_ready()
    {
        _host.Enumerate();
        _drive.NakFor(3 * Millisecond);
        uint toggle = DATA0;
        var start = _host.NowPs;
        Assert.Equal(Outcome.Nak, _host.Out(1, Characteristics(1, 2, false, BULK, 64), BusHost.Cbw(1, 0, false, 0, 0x00), ref toggle, nakLimit: 0));
        Assert.Equal(DATA0, toggle); // a NAK leaves the toggle
        Assert.Equal(Outcome.Done, _host.Out(1, Characteristics(1, 2, false, BULK, 64), BusHost.Cbw(1, 0, false, 0, 0x00), ref toggle));
        Assert.InRange(_host.NowPs - start, 3 * Millisecond, 4 * Millisecond);
    }

    [Fact]
    public void A_stalled_command_reports_STALL_on_the_channel()
    {
        _host.Enumerate();
        _drive.StallCommand(READ_10);
        uint outToggle = DATA0, inToggle = DATA0;
        Assert.Equal(Outcome.Stall, Scsi(Read10(0, 1), 512, ref outToggle, ref inToggle).Outcome);
    }

    [Fact]
    public void A_wrong_data_toggle_is_a_toggle_error_and_the_data_is_dropped()
    {
        _host.Enumerate();
        uint outToggle = DATA0, inToggle = DATA1; // the drive starts Bulk-In with DATA0
        _host.Out(1, Characteristics(1, 2, false, BULK, 64), BusHost.Cbw(1, 512, true, 0, Read10(0, 1)), ref outToggle);
        var (outcome, data) = _host.In(2, Characteristics(1, 1, true, BULK, 64), 512, ref inToggle);
        Assert.Equal(Outcome.ToggleError, outcome);
        Assert.Empty(data);
    }

    [Fact]
    public void A_packet_longer_than_MPSIZ_is_babble()
    {
        Assert.Equal(Outcome.Babble, _host.Control(0, GetDeviceDescriptor, maxPacket0: 8).Outcome);
    }

    [Fact]
    public void Pulling_the_drive_out_mid_transfer_fails_the_transaction_and_raises_DISCINT()
    {
        _host.Enumerate();
        _drive.UnplugAfterBytes(1000);
        uint outToggle = DATA0, inToggle = DATA0;
        var (outcome, data) = Scsi(Read10(0, 8), 8 * 512, ref outToggle, ref inToggle);
        Assert.Equal(Outcome.Disconnected, outcome);
        Assert.Equal(960, data.Length); // the packet that crossed 1000 bytes never arrived
        Assert.Null(_host.Otg.Device);
        Assert.Equal(0u, _host.Read(HPRT) & (PCSTS | PENA));
    }

    [Fact]
    public void Each_CHENA_of_an_IN_channel_takes_a_request_queue_entry()
    {
        _host.Write(HCTSIZ(3), 64u | 1u << 19);
        _host.Write(HCCHAR(3), Characteristics(9, 1, true, BULK, 64) | CHENA); // nobody at address 9: no answer
        Assert.Equal(8u, (_host.Read(HNPTXSTS) >> 16) & 0xFF); // the first request went on the wire at once
        _host.Write(HCCHAR(3), _host.Read(HCCHAR(3)) | CHENA);
        Assert.Equal(7u, (_host.Read(HNPTXSTS) >> 16) & 0xFF);
        Assert.Equal(3u << 27 | 1u << 24, _host.Read(HNPTXSTS) & 0x7F00_0000); // top: an IN token of channel 3, its last
        for (var i = 0; i < 7; i++) _host.Write(HCCHAR(3), _host.Read(HCCHAR(3)) | CHENA);
        Assert.Equal(0u, (_host.Read(HNPTXSTS) >> 16) & 0xFF);
        _host.Write(HCCHAR(3), _host.Read(HCCHAR(3)) | CHENA);
        Assert.Contains(_host.Board.Faults, f => f.Contains("request queue is full"));
    }

    [Fact]
    public void A_halt_needs_a_free_request_queue_entry_when_it_is_asked_for()
    {
        _host.Write(HCTSIZ(3), 64u | 1u << 19);
        _host.Write(HCCHAR(3), Characteristics(9, 1, true, BULK, 64) | CHENA); // nobody at address 9: no answer
        for (var i = 0; i < 8; i++) _host.Write(HCCHAR(3), _host.Read(HCCHAR(3)) | CHENA);
        Assert.Equal(0u, (_host.Read(HNPTXSTS) >> 16) & 0xFF);

        _host.Write(HCCHAR(3), _host.Read(HCCHAR(3)) | CHDIS | CHENA);

        Assert.Contains(_host.Board.Faults, f => f.Contains("asked to halt (HCCHAR.CHDIS with CHENA) while the non-periodic request queue is full") &&
                                                 f.Contains("\"Halting a channel\""));
    }

    [Fact]
    public void With_the_queue_full_CHDIS_alone_flushes_the_posted_requests_and_the_halt_then_goes_through()
    {
        _host.Write(HCTSIZ(3), 64u | 1u << 19);
        _host.Write(HCCHAR(3), Characteristics(9, 1, true, BULK, 64) | CHENA);
        for (var i = 0; i < 8; i++) _host.Write(HCCHAR(3), _host.Read(HCCHAR(3)) | CHENA);

        _host.Write(HCCHAR(3), (_host.Read(HCCHAR(3)) & ~CHENA) | CHDIS);
        Assert.Equal(8u, (_host.Read(HNPTXSTS) >> 16) & 0xFF);
        _host.Halt(3);

        Assert.Equal(0u, _host.Read(HCCHAR(3)) & (CHENA | CHDIS));
        _host.AssertNoFaults();
    }

    [Fact]
    public void A_NAKed_IN_token_leaves_the_channel_enabled_until_it_is_halted_and_started_again()
    {
        _host.Enumerate();
        uint outToggle = DATA0, inToggle = DATA0;
        _host.Out(1, Characteristics(1, 2, false, BULK, 64), BusHost.Cbw(1, 512, true, 0, Read10(0, 1)), ref outToggle);
        _drive.NakFor(2 * Millisecond);
        _host.Write(HCINT(2), HCINT_ALL);
        _host.Write(HCTSIZ(2), 64u | 1u << 19 | inToggle << 29);
        _host.Write(HCCHAR(2), Characteristics(1, 1, true, BULK, 64) | CHENA);
        _host.WaitUntil(() => (_host.Read(HCINT(2)) & NAK) != 0, Millisecond, "the NAK");
        _host.Step(100 * Microsecond);

        // Slave mode: the NAK used the one IN request up; the channel is enabled, nothing is queued, nothing moves.
        Assert.Equal(CHENA, _host.Read(HCCHAR(2)) & (CHENA | CHDIS));
        Assert.Equal(8u, (_host.Read(HNPTXSTS) >> 16) & 0xFF);
        Assert.Equal(0u, _host.Read(GINTSTS) & RXFLVL);
        _host.Halt(2);
        _host.Step(2 * Millisecond);
        var (outcome, data) = _host.In(2, Characteristics(1, 1, true, BULK, 64), 512, ref inToggle);
        Assert.Equal(Outcome.Done, outcome);
        Assert.Equal(512, data.Length);
    }

    [Fact]
    public void A_transaction_nobody_answers_is_a_transaction_error()
    {
        uint dpid = DATA0;
        var start = _host.NowPs;
        var (outcome, _) = _host.In(3, Characteristics(9, 1, true, BULK, 64), 64, ref dpid);
        Assert.Equal(Outcome.TransactionError, outcome);
        Assert.InRange(_host.NowPs - start, 4 * Microsecond, 10 * Microsecond);
    }

    [Fact]
    public void Reprogramming_an_enabled_channel_stops_the_run()
    {
        _host.Write(HCTSIZ(3), 64u | 1u << 19);
        _host.Write(HCCHAR(3), Characteristics(9, 1, true, BULK, 64) | CHENA);
        _host.Write(HCTSIZ(3), 128u | 2u << 19);
        Assert.Contains(_host.Board.Faults, f => f.Contains("HCTSIZ3 written while channel 3"));
    }

    [Fact]
    public void A_FIFO_layout_that_overflows_the_1_25_KB_RAM_stops_the_run()
    {
        _host.Write(HNPTXFSIZ, (256u << 16) | 128);
        _host.Write(HCTSIZ(3), 64u | 1u << 19);
        _host.Write(HCCHAR(3), Characteristics(1, 1, true, BULK, 64) | CHENA);
        Assert.Contains(_host.Board.Faults, f => f.Contains("ends at word 384, past the 320-word"));
    }

    [Fact]
    public void Reading_the_FIFO_before_popping_a_status_stops_the_run()
    {
        _host.Read(FIFO(0));
        Assert.Contains(_host.Board.Faults, f => f.Contains("pop the packet's status first"));
    }
}
