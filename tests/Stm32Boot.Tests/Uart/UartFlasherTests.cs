using Stm32Boot.Uart;
using Xunit;

namespace Stm32Boot.Tests.Uart;

/// <summary>Whole flash runs against the fake bootloader, from the files the build produces.</summary>
public class UartFlasherTests(TinyArmElfFixture fixture) : IClassFixture<TinyArmElfFixture>
{
    private static readonly BuildSettings Settings = TestSettings.Defaults;
    private static readonly FlashOptions VerifyAndGo = new(0x0415, Verify: true, Go: true);

    private static void AssertFlashHolds(FakeBootloader bootloader, MemoryImage image)
    {
        foreach (var segment in image.Segments)
            Assert.Equal(segment.Data, bootloader.Read(segment.Address, segment.Data.Length));
    }

    private static MemoryImage Stamped(string elf) => Stamper.Stamp(elf, Settings).Image;

    /// <summary>The fake lists exactly this repository's bootloader's commands, so the header page goes first.</summary>
    [Fact]
    public void A_stamped_application_is_erased_written_header_first_verified_and_started()
    {
        using var session = new FakeSession();
        var image = Stamped(fixture.ElfPath);
        var plan = FlashPlan.Create(image, Settings.MemoryMap, "application.hex");
        var progress = new List<FlashProgress>();

        var report = UartFlasher.Flash(session.Client, plan, VerifyAndGo, new InlineProgress(progress.Add));

        AssertFlashHolds(session.Bootloader, image);
        Assert.True(report.HeaderFirst);
        Assert.Equal(FakeBootloader.ApplicationBase, session.Bootloader.WrittenBlocks[0]);
        Assert.Equal(plan.WithHeaderFirst().Blocks.Select(b => b.Address), session.Bootloader.WrittenBlocks);
        Assert.Equal([plan.ErasePages.Select(p => (int)p).ToArray()], session.Bootloader.Erases);
        Assert.Equal(FakeBootloader.ImageBase, session.Bootloader.StartedAt);
        Assert.Equal(((uint?)FakeBootloader.ImageBase, (ushort)0x0415), (report.StartedAt, report.Bootloader.ProductId));
        Assert.Empty(report.Mismatches);
        Assert.Equal((plan.WriteBytes, plan.WriteBytes, plan.ErasePages.Count), (report.WrittenBytes, report.VerifiedBytes, report.ErasedPages));
        Assert.StartsWith("> 7F\n< 79\n> 01 FE\n< 79 31 00 00 79\n> 00 FF\n", session.Bootloader.Transcript);
        Assert.EndsWith("> 21 DE\n< 79\n> 08 02 08 00 02\n< 79", session.Bootloader.Transcript);

        Assert.Equal([FlashPhase.Erase, FlashPhase.Write, FlashPhase.Verify], progress.Select(p => p.Phase).Distinct());
        Assert.All(progress.GroupBy(p => p.Phase), phase =>
        {
            Assert.Equal(phase.Select(p => p.Done).Order(), phase.Select(p => p.Done));
            Assert.Equal(phase.Last().Total, phase.Last().Done);
        });
    }

    /// <summary>ST's ROM bootloader on the STM32L47x/L48x answers Get Version and Get ID as this one does, but its Get
    /// also lists the protection commands (AN3155 §2): it programs every block at once, so the header goes last.</summary>
    [Theory]
    [InlineData(new byte[] { 0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0x63, 0x73, 0x82, 0x92 })]       // protocol 3.1
    [InlineData(new byte[] { 0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0x63, 0x73, 0x82, 0x92, 0xA1 })] // 3.3, with Get Checksum
    [InlineData(new byte[] { 0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0xA1 })]                         // another subset
    public void Any_other_bootloader_gets_the_header_last(byte[] commands)
    {
        using var session = new FakeSession(device => new FakeBootloader(device) { Commands = commands });
        var image = Stamped(fixture.ElfPath);
        var plan = FlashPlan.Create(image, Settings.MemoryMap, "application.hex");

        var report = UartFlasher.Flash(session.Client, plan, VerifyAndGo);

        AssertFlashHolds(session.Bootloader, image);
        Assert.False(report.HeaderFirst);
        Assert.Equal(FakeBootloader.ApplicationBase, session.Bootloader.WrittenBlocks[^1]);
        Assert.Equal(plan.Blocks.Select(b => b.Address), session.Bootloader.WrittenBlocks);
    }

    [Fact]
    public void A_large_image_is_erased_in_chunks_of_32_pages()
    {
        using var session = new FakeSession();
        var image = ImageAssert.From((0x08020800, Enumerable.Range(0, 35 * 2048).Select(i => (byte)(i * 7)).ToArray()));
        var plan = FlashPlan.Create(image, Settings.MemoryMap, "big.bin");

        UartFlasher.Flash(session.Client, plan, new FlashOptions(0x0415, Verify: false, Go: false));

        Assert.Equal([32, 4], session.Bootloader.Erases.Select(pages => pages.Length));
        Assert.Equal(Enumerable.Range(64, 36), session.Bootloader.Erases.SelectMany(pages => pages));
        AssertFlashHolds(session.Bootloader, image);
        Assert.Null(session.Bootloader.StartedAt);
    }

    [Fact]
    public void A_binary_at_an_address_flashes_the_same_bytes_as_its_hex()
    {
        using var scratch = new ScratchDirectory();
        var stamp = Stamper.Stamp(fixture.ElfPath, Settings);
        var written = stamp.WriteTo(scratch.Path, "application");
        using var fromBin = new FakeSession();
        using var fromHex = new FakeSession();

        var bin = FirmwareFile.Load(written[1] + "@0x08020000");
        var hex = FirmwareFile.Load(written[0]);
        UartFlasher.Flash(fromBin.Client, FlashPlan.Create(bin.Image, Settings.MemoryMap, bin.Path), VerifyAndGo);
        UartFlasher.Flash(fromHex.Client, FlashPlan.Create(hex.Image, Settings.MemoryMap, hex.Path), VerifyAndGo);

        AssertFlashHolds(fromBin.Bootloader, stamp.Image);
        Assert.Equal(fromHex.Bootloader.Flash, fromBin.Bootloader.Flash);
    }

    [Fact]
    public void An_elf_flashes_its_load_image()
    {
        using var scratch = new ScratchDirectory();
        var elfPath = Stamper.Stamp(fixture.ElfPath, Settings).WriteTo(scratch.Path, "application")[2];
        var elf = FirmwareFile.Load(elfPath);
        using var session = new FakeSession();

        var report = UartFlasher.Flash(session.Client, FlashPlan.Create(elf.Image, Settings.MemoryMap, elf.Path), VerifyAndGo);

        Assert.Empty(report.Mismatches);
        AssertFlashHolds(session.Bootloader, elf.Image);
        Assert.True(ImageInspector.Inspect(ImageAssert.From((0x08020000, session.Bootloader.Read(0x08020000, 0x10000))), Settings.MemoryMap, Settings.BoardId).Accepted);
    }

    [Fact]
    public void A_byte_that_reads_back_differently_is_reported_and_the_application_not_started()
    {
        // The reset vector's low byte: odd (Thumb), so the worn bit 0 shows.
        using var session = new FakeSession(device => new FakeBootloader(device) { WeakCell = 0x08020804 });
        var image = Stamped(fixture.ElfPath);
        var expected = image.Read(0x08020804, 1, 0xFF)[0];
        var plan = FlashPlan.Create(image, Settings.MemoryMap, "application.hex");

        var report = UartFlasher.Flash(session.Client, plan, VerifyAndGo);

        var mismatch = Assert.Single(report.Mismatches);
        Assert.Equal(new VerifyMismatch(0x08020804, expected, (byte)(expected & 0xFE), 1), mismatch);
        Assert.Null(report.StartedAt);
        Assert.Null(session.Bootloader.StartedAt);
        Assert.DoesNotContain("> 21 DE", session.Bootloader.Transcript);
    }

    [Fact]
    public void Under_read_protection_verify_is_the_device_CRC_check_that_Go_runs()
    {
        using var session = new FakeSession(device => new FakeBootloader(device) { ReadProtected = true });
        var image = Stamped(fixture.ElfPath);
        var plan = FlashPlan.Create(image, Settings.MemoryMap, "application.hex");

        var report = UartFlasher.Flash(session.Client, plan, VerifyAndGo);

        AssertFlashHolds(session.Bootloader, image);
        Assert.True(report.VerifiedByDevice);
        Assert.False(report.RefusedByDevice);
        Assert.Equal(FakeBootloader.ImageBase, report.StartedAt);
        Assert.Empty(report.Mismatches);
        // One Read Memory, before anything is erased, and its NACK; no read-back after the writes.
        Assert.Contains("> 11 EE\n< 1F\n> 44 BB", session.Bootloader.Transcript);
        Assert.Single(session.Bootloader.Transcript.Split('\n'), line => line == "> 11 EE");
    }

    [Fact]
    public void Under_read_protection_verify_without_go_is_refused_before_anything_is_erased()
    {
        using var session = new FakeSession(device => new FakeBootloader(device) { ReadProtected = true });
        var plan = FlashPlan.Create(Stamped(fixture.ElfPath), Settings.MemoryMap, "application.hex");

        var error = Assert.Throws<Stm32BootException>(() => UartFlasher.Flash(session.Client, plan, new FlashOptions(0x0415, Verify: true, Go: false)));

        Assert.Contains("read protection (RDP level 1) is on", error.Message);
        Assert.Contains("Add --go (nothing was erased or written)", error.Message);
        Assert.Empty(session.Bootloader.Erases);
        Assert.Empty(session.Bootloader.WrittenBlocks);
    }

    [Fact]
    public void Under_read_protection_a_refused_Go_is_a_failed_verification()
    {
        using var session = new FakeSession(device => new FakeBootloader(device) { ReadProtected = true, RefuseGo = true });
        var plan = FlashPlan.Create(Stamped(fixture.ElfPath), Settings.MemoryMap, "application.hex");

        var report = UartFlasher.Flash(session.Client, plan, VerifyAndGo);

        Assert.True(report.VerifiedByDevice);
        Assert.True(report.RefusedByDevice);
        Assert.Null(report.StartedAt);
    }

    [Fact]
    public void Without_verify_a_read_protected_bootloader_is_never_asked_to_read()
    {
        using var session = new FakeSession(device => new FakeBootloader(device) { ReadProtected = true });
        var image = Stamped(fixture.ElfPath);
        var plan = FlashPlan.Create(image, Settings.MemoryMap, "application.hex");

        var report = UartFlasher.Flash(session.Client, plan, new FlashOptions(0x0415, Verify: false, Go: true));

        AssertFlashHolds(session.Bootloader, image);
        Assert.False(report.VerifiedByDevice);
        Assert.DoesNotContain("> 11 EE", session.Bootloader.Transcript);
    }

    [Fact]
    public void Lost_replies_mid_flash_are_retried_without_writing_any_block_twice()
    {
        using var session = new FakeSession(device => new FakeBootloader(device) { LoseAckOfWrite = 1, LoseDataByteOfWrite = 2 });
        var image = ImageAssert.From((0x08020800, Enumerable.Range(0, 1024).Select(i => (byte)(i * 3)).ToArray()));
        var plan = FlashPlan.Create(image, Settings.MemoryMap, "image.bin");

        var report = UartFlasher.Flash(session.Client, plan, VerifyAndGo);

        Assert.Equal(2, session.Retried.Count);
        Assert.Empty(report.Mismatches);
        Assert.Equal(plan.Blocks.Select(b => b.Address), session.Bootloader.WrittenBlocks);
        AssertFlashHolds(session.Bootloader, image);
    }

    [Fact]
    public void Another_device_is_refused_before_anything_is_erased()
    {
        using var session = new FakeSession(device => new FakeBootloader(device) { ProductId = 0x0461 });
        var plan = FlashPlan.Create(Stamped(fixture.ElfPath), Settings.MemoryMap, "application.hex");

        var error = Assert.Throws<Stm32BootException>(() => UartFlasher.Flash(session.Client, plan, VerifyAndGo));

        Assert.Equal("the bootloader reports product id 0x461, but the settings' BoardId is for device 0x415: " +
                     "this is another kind of board, or the settings are not this board's.", error.Message);
        Assert.Empty(session.Bootloader.Erases);
    }

    [Fact]
    public void A_bootloader_without_the_needed_commands_is_refused_before_anything_is_erased()
    {
        using var session = new FakeSession(device => new FakeBootloader(device) { Commands = [0x00, 0x01, 0x02, 0x11, 0x31, 0x43] });
        var plan = FlashPlan.Create(Stamped(fixture.ElfPath), Settings.MemoryMap, "application.hex");

        var error = Assert.Throws<Stm32BootException>(() => UartFlasher.Flash(session.Client, plan, VerifyAndGo));

        Assert.Equal("the bootloader does not offer Extended Erase (0x44), Go (0x21) (its Get lists 00 01 02 11 31 43), which flashing needs.", error.Message);
        Assert.Empty(session.Bootloader.Erases);
    }

    [Fact]
    public void Cancelling_stops_between_blocks()
    {
        using var session = new FakeSession();
        using var cancel = new CancellationTokenSource();
        var plan = FlashPlan.Create(Stamped(fixture.ElfPath), Settings.MemoryMap, "application.hex");
        var progress = new InlineProgress(step =>
        {
            if (step.Phase == FlashPhase.Write)
                cancel.Cancel();
        });

        Assert.Throws<OperationCanceledException>(() => UartFlasher.Flash(session.Client, plan, VerifyAndGo, progress, cancel.Token));

        Assert.Single(session.Bootloader.WrittenBlocks);
    }

    [Fact]
    public void Throughput_is_measured_against_the_wire_rate_of_the_framing()
    {
        Assert.Equal(11, new UartFraming(115200, UartParity.Even).BitsPerByte);
        Assert.Equal(10, UartFraming.Console.BitsPerByte);
        Assert.Equal(50.0, FlashReport.PercentOfWireRate(115200 / 22.0, new UartFraming(115200, UartParity.Even))!.Value, 6);
        Assert.Null(FlashReport.PercentOfWireRate(1000, null));
        Assert.Equal("115200 8E1", new UartFraming(115200, UartParity.Even).ToString());
        Assert.Equal("115200 8N1", UartFraming.Console.ToString());
    }

    private sealed class InlineProgress(Action<FlashProgress> report) : IProgress<FlashProgress>
    {
        public void Report(FlashProgress value) => report(value);
    }
}
