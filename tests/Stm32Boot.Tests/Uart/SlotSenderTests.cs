using Stm32Boot.Uart;
using Xunit;

namespace Stm32Boot.Tests.Uart;

/// <summary>`stm32boot send`'s parts: the slot image, and the XMODEM-1K sender against <see cref="FakeReceiver"/>.</summary>
public class SlotSenderTests
{
    private static readonly MemoryMap Map = TestSettings.Defaults.MemoryMap;

    private static SlotSender Sender(Stream host, List<string>? lines = null) => new(host)
    {
        HandshakeTimeout = TimeSpan.FromSeconds(5),
        AnswerTimeout = TimeSpan.FromMilliseconds(500),
        OnLine = line => lines?.Add(line),
    };

    /// <summary>A header page with a few bytes, a gap, and an image of 5000 bytes: 2048 + 5000 bytes, 7 blocks.</summary>
    private static SlotImage Image()
    {
        var memory = new MemoryImage();
        memory.Write(Map.Header.Base, [0x4C, 0x34, 0x41, 0x50]);
        memory.Write(Map.Image.Base, Enumerable.Range(0, 5000).Select(i => (byte)(i * 13 + 7)).ToArray());
        return SlotImage.Create(memory, Map, "test.hex");
    }

    [Fact]
    public void Crc16_is_crc16_xmodem_and_a_frame_is_stx_number_complement_data_crc()
    {
        Assert.Equal(0x31C3, Xmodem.Crc16("123456789"u8));
        var data = Enumerable.Range(0, Xmodem.BlockSize).Select(i => (byte)i).ToArray();
        var frame = Xmodem.Frame(258, data);
        Assert.Equal([Xmodem.Stx, 0x02, 0xFD], frame[..3]);
        Assert.Equal(data, frame[3..^2]);
        Assert.Equal(Xmodem.Crc16(data), (ushort)(frame[^2] << 8 | frame[^1]));
        Assert.Equal(Xmodem.Soh, Xmodem.Frame(1, new byte[Xmodem.ShortBlockSize])[0]);
    }

    [Fact]
    public void The_slot_image_runs_from_the_header_page_with_gaps_erased_and_the_last_block_padded()
    {
        var image = Image();

        Assert.Equal(Map.Slot, image.Slot);
        Assert.Equal(Map.Header.Base, image.Slot.Base);
        Assert.Equal(Map.Image.End, image.Slot.End);
        Assert.Equal(2048 + 5000, image.DataLength);
        Assert.Equal(7 * 1024, image.Bytes.Length);
        Assert.Equal([0x4C, 0x34, 0x41, 0x50], image.Bytes[..4]);
        Assert.All(image.Bytes[4..2048], b => Assert.Equal(0xFF, b));
        Assert.Equal(7, image.Bytes[2048]);
        Assert.All(image.Bytes[(2048 + 5000)..], b => Assert.Equal(Xmodem.Pad, b));
    }

    [Fact]
    public void An_image_outside_the_slot_is_refused_in_one_line()
    {
        var below = new MemoryImage();
        below.Write(Map.Bootloader.Base, [1, 2, 3, 4]);
        below.Write(Map.Header.Base, [1, 2, 3, 4]);

        var e = Assert.Throws<Stm32BootException>(() => SlotImage.Create(below, Map, "boot.hex"));

        Assert.Equal($"'boot.hex' does not fit the slot: its bytes lie at 0x08000000–0x08020003, beyond the {Map.Slot} " +
                     $"({Map.Slot.Size / 1024} KB).", e.Message);
    }

    [Fact]
    public void Start_types_receive_then_sends_every_block_once_and_returns_the_installing_line()
    {
        var (host, device) = DuplexPipe.Create();
        var lines = new List<string>();
        var image = Image();
        var progress = new List<long>();
        SlotSendResult result;
        using (var receiver = new FakeReceiver(device))
        {
            result = Sender(host, lines).Send(image, start: true, new SyncProgress(progress.Add));

            Assert.Equal(image.Bytes, receiver.Received.ToArray());
            Assert.Equal([1, 2, 3, 4, 5, 6, 7], receiver.Blocks);
            Assert.Equal(2, receiver.EotCount); // EOT NAK EOT ACK
        }

        Assert.Equal("receive: installing 1.0.0.2 at reset", result.Answer);
        Assert.Equal((7, 0), (result.Transfer.Blocks, result.Transfer.Resent));
        Assert.Equal(["> receive", "receive: ready for XMODEM-1K, send the slot image now", "receive: verified 1.0.0.2 (12288 bytes): ok",
                      "receive: installing 1.0.0.2 at reset"], lines);
        Assert.Equal(image.Bytes.Length, progress[^1]);
        host.Dispose();
    }

    [Fact]
    public void A_naked_block_and_a_lost_ack_are_sent_again_and_stored_once()
    {
        var (host, device) = DuplexPipe.Create();
        var image = Image();
        SlotSendResult result;
        using (var receiver = new FakeReceiver(device, receiveRunning: true) { NakOnce = [2], LoseAck = [4] })
        {
            result = Sender(host).Send(image, start: false);

            Assert.Equal(image.Bytes, receiver.Received.ToArray());
            // Block 2 twice (NAK), block 4 twice (its ACK lost: the copy is acknowledged, not stored again).
            Assert.Equal([1, 2, 2, 3, 4, 4, 5, 6, 7], receiver.Blocks);
        }

        Assert.Equal(2, result.Transfer.Resent);
        host.Dispose();
    }

    [Fact]
    public void Handshakes_left_on_the_line_do_not_make_block_1_go_twice()
    {
        var (host, device) = DuplexPipe.Create();
        using (var receiver = new FakeReceiver(device, receiveRunning: true) { StaleHandshakes = 3 })
        {
            Sender(host).Send(Image(), start: false);

            Assert.Equal([1, 2, 3, 4, 5, 6, 7], receiver.Blocks);
        }

        host.Dispose();
    }

    [Fact]
    public void A_refusal_mid_transfer_is_reported_with_the_application_reason()
    {
        var (host, device) = DuplexPipe.Create();
        var refusal = "receive: block at offset 2048 refused: image not signed";
        using var receiver = new FakeReceiver(device) { CancelAt = (3, refusal) };

        var e = Assert.Throws<Stm32BootException>(() => Sender(host).Send(Image(), start: true));

        Assert.Equal($"XMODEM: the receiver cancelled the transfer at block 3 of 7. The application says: '{refusal}'; nothing was installed.", e.Message);
        host.Dispose();
    }

    [Fact]
    public void A_build_without_a_second_slot_says_so_before_anything_is_sent()
    {
        var (host, device) = DuplexPipe.Create();
        using var receiver = new FakeReceiver(device) { Refusal = "receive: needs SlotMode swap (this build has one slot)" };

        var e = Assert.Throws<Stm32BootException>(() => Sender(host).Send(Image(), start: true));

        Assert.Equal("the application does not receive: 'receive: needs SlotMode swap (this build has one slot)'", e.Message);
        Assert.Empty(receiver.Blocks);
        host.Dispose();
    }

    [Fact]
    public void An_image_the_application_does_not_verify_is_its_answer()
    {
        var (host, device) = DuplexPipe.Create();
        using var receiver = new FakeReceiver(device) { Answer = ["receive: not installed: bad signature"] };

        var e = Assert.Throws<Stm32BootException>(() => Sender(host).Send(Image(), start: true));

        Assert.Equal("the application did not install the image: 'receive: not installed: bad signature'", e.Message);
        host.Dispose();
    }

    [Fact]
    public void No_receiver_is_a_timeout_naming_receive()
    {
        var (host, _) = DuplexPipe.Create();
        var sender = new SlotSender(host) { HandshakeTimeout = TimeSpan.FromMilliseconds(300) };

        var e = Assert.Throws<XmodemException>(() => sender.Send(Image(), start: false));

        Assert.Equal(XmodemFailure.NoReceiver, e.Failure);
        Assert.Contains("`receive`", e.Message);
        host.Dispose();
    }

    [Fact]
    public void A_receiver_that_never_acknowledges_is_cancelled_after_the_retries()
    {
        var (host, device) = DuplexPipe.Create();
        device.Write([Xmodem.CrcRequest]);
        var sender = new XmodemSender(host) { AnswerTimeout = TimeSpan.FromMilliseconds(20), MaxRetries = 2 };
        sender.WaitForReceiver();

        var e = Assert.Throws<XmodemException>(() => sender.Send(new byte[100]));

        Assert.Equal(XmodemFailure.TooManyRetries, e.Failure);
        // Three copies of block 1 (the first and two retries), then the cancel.
        var sent = new byte[3 * (Xmodem.BlockSize + Xmodem.FrameOverhead) + 5];
        device.ReadTimeout = 1000;
        var count = 0;
        while (count < sent.Length)
            count += device.Read(sent.AsSpan(count));
        Assert.Equal(Enumerable.Repeat(Xmodem.Can, 5), sent[^5..]);
        host.Dispose();
    }

    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
