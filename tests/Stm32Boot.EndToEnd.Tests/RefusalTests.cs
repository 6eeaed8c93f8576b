using System.Buffers.Binary;
using Stm32Boot.Uart;
using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// Everything the bootloader must refuse over AN3155 (docs/design.md §6): each refusal is answered as AN3155 says, changes
/// nothing it must not, and afterwards the bootloader pages still equal out/bootloader.hex and a complete update
/// still goes through and boots.
/// </summary>
public class RefusalTests
{
    private const int Baud = 921600;
    private const byte Ack = An3155.Ack, Nack = An3155.Nack;
    private static uint HeaderBase => Shipped.Map.Header.Base;
    private static uint ImageBase => Shipped.Map.Image.Base;
    private static ushort HeaderPage => (ushort)((HeaderBase - Shipped.Map.Flash.Base) / Shipped.Map.PageSize);

    /// <summary>Each case gets a synchronised session on a board with a valid old application, and asserts the refusal itself.</summary>
    private static readonly Dictionary<string, Action<UpdateSession>> Cases = new()
    {
        ["write into the first bootloader page"] = s => AssertNack(() => s.Client().WriteMemory(Shipped.Map.Flash.Base, Fill(256))),
        ["write into the last bootloader page"] = s => AssertNack(() => s.Client().WriteMemory(HeaderBase - 256, Fill(256))),
        ["write that runs past the end of flash"] = s => AssertNack(() => s.Client().WriteMemory((uint)Shipped.Map.Flash.End - 128, Fill(256))),
        ["write into RAM (stm32flash -R's stub at 0x20003100)"] = s => AssertNack(() => s.Client().WriteMemory(0x2000_3100, Fill(24))),
        ["write into the option bytes"] = s => AssertNack(() => s.Client().WriteMemory(0x1FFF_7800, Fill(8))),
        ["write into the OTP area (write-once: the anti-rollback counter's)"] = s =>
        {
            AssertNack(() => s.Client().WriteMemory(Machine.OtpBase, Fill(8)));
            Assert.DoesNotContain(s.Board.Otp, b => b != 0xFF);
        },
        ["read of the OTP area"] = s => AssertNack(() => s.Client().ReadMemory(Machine.OtpBase, 16)),
        ["erase of a bootloader page"] = s => AssertNack(() => s.Client().ExtendedErase([0])),
        ["erase of a list with one bootloader page"] = s => AssertNack(() => s.Client().ExtendedErase([(ushort)(HeaderPage - 1), HeaderPage, (ushort)(HeaderPage + 1)])),
        ["erase of a page past the flash"] = s => AssertNack(() => s.Client().ExtendedErase([HeaderPage, 512])),
        ["erase with a reserved special code"] = s => AssertRawNack(s, [0x44, 0xBB], [0xFF, 0xF0, 0x0F]),
        ["read of the bootloader"] = s => AssertNack(() => s.Client().ReadMemory(Shipped.Map.Flash.Base, 256)),
        ["read of the last bootloader bytes"] = s => AssertNack(() => s.Client().ReadMemory(HeaderBase - 4, 4)),
        ["read of RAM"] = s => AssertNack(() => s.Client().ReadMemory(0x2000_0000, 16)),
        ["read of system memory"] = s => AssertNack(() => s.Client().ReadMemory(0x1FFF_0000, 16)),
        ["read across the end of flash"] = s => AssertNack(() => s.Client().ReadMemory((uint)Shipped.Map.Flash.End - 16, 32)),
        ["go to RAM"] = s => AssertNack(() => s.Client().Go(0x2000_3100)),
        ["go into the bootloader"] = s => AssertNack(() => s.Client().Go(Shipped.Map.Flash.Base)),
        ["go into the middle of the image"] = s => AssertNack(() => s.Client().Go(ImageBase + 0x100)),
        ["command with a wrong complement"] = s => AssertRawNack(s, [0x31, 0x00]),
        ["address with a wrong checksum"] = s => AssertRawNack(s, [0x31, 0xCE], Address(ImageBase, checksumError: true)),
        ["write block with a wrong checksum"] = s => AssertRawNack(s, [0x31, 0xCE], Address(ImageBase), DataFrame(Fill(8), checksumError: true)),
        ["read length with a wrong complement"] = s => AssertRawNack(s, [0x11, 0xEE], Address(ImageBase), [0x0F, 0x00]),
        ["erase list with a wrong checksum"] = s => AssertRawNack(s, [0x44, 0xBB], [0x00, 0x00, 0x00, (byte)HeaderPage, 0x00]),
        ["mass erase with a wrong checksum"] = s => AssertRawNack(s, [0x44, 0xBB], [0xFF, 0xFF, 0x01]),
        ["frame cut off in the middle"] = s =>
        {
            Assert.Equal([Ack], s.Exchange([0x31, 0xCE], 1));
            Assert.Equal([Ack], s.Exchange(Address(ImageBase), 1));
            s.Link.Write(DataFrame(Fill(256))[..100]);
            // The bootloader drops the frame after AN3155_FRAME_TIMEOUT_MS and takes the next command.
            s.Board.RunFor(3 * Board.Second);
            Assert.Equal([Ack, 0x01, 0x04, 0x15, Ack], s.Exchange([0x02, 0xFD], 5));
        },
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Refused_and_the_board_stays_usable(string name)
    {
        using var session = UpdateSession.Start(Shipped.FactoryWith(UpdateImages.Old), Baud);
        session.Client().Connect();

        Cases[name](session);

        // A refusal changes no flash page: the old application is still there and still accepted.
        Assert.True(UpdateImages.InspectFlash(session.Board).Accepted, $"after '{name}' the old application in flash is no longer accepted");
        AssertStaysUsable(session);
    }

    [Fact]
    public void Get_offers_exactly_the_AN3155_subset_of_the_design()
    {
        using var session = UpdateSession.Start(Shipped.FactoryWith(UpdateImages.Old), Baud);
        session.Client().Connect();

        var (version, offered) = session.Client().Get();

        Assert.Equal((byte)0x31, version);
        Assert.Equal([0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44], offered);
    }

    [Theory]
    [InlineData(0x03)]
    [InlineData(0x43)] // Erase: this bootloader offers Extended Erase only
    [InlineData(0x63)] // Write Protect
    [InlineData(0x73)] // Write Unprotect
    [InlineData(0x82)] // Readout Protect
    [InlineData(0x92)] // Readout Unprotect
    [InlineData(0xA1)] // Get Checksum
    [InlineData(0x7F)] // a second sync byte: a synchronised bootloader takes 7F 80 as a command
    public void Commands_the_bootloader_does_not_offer_get_NACK(byte command)
    {
        using var session = UpdateSession.Start(Shipped.FactoryWith(UpdateImages.Old), Baud);
        session.Client().Connect();

        Assert.Equal([Nack], session.Exchange([command, (byte)~command], 1));
        AssertStaysUsable(session);
    }

    [Fact]
    public void An_image_for_another_board_is_refused_before_the_old_application_changes()
    {
        using var session = UpdateSession.Start(Shipped.FactoryWith(UpdateImages.Old), Baud);
        var otherBoard = Shipped.Settings.BoardId + 1;
        var image = WithHeader(UpdateImages.Application(UpdateImages.New), h => h with { BoardId = otherBoard });

        // The banner's line carries the reason from a backup register, which keeps the check that failed, not the id.
        AssertRefusedByItsHeader(session, image, "wrong board id");
        AssertStaysUsable(session);
    }

    [Fact]
    public void An_image_larger_than_the_image_region_is_refused_before_the_old_application_changes()
    {
        using var session = UpdateSession.Start(Shipped.FactoryWith(UpdateImages.Old), Baud);
        var image = WithHeader(UpdateImages.Application(UpdateImages.New), h => h with { ImageSize = Shipped.Map.Image.Size + 8 });

        AssertRefusedByItsHeader(session, image, "image size out of range");
        AssertStaysUsable(session);
    }

    [Fact]
    public void The_flash_plan_refuses_an_image_that_does_not_fit_before_a_byte_goes_out()
    {
        var image = UpdateImages.Application(UpdateImages.New);
        image.Write((uint)Shipped.Map.Flash.End, Fill(8));

        var refusal = Assert.Throws<Stm32BootException>(() => FlashPlan.Create(image, Shipped.Map, "oversize.hex"));

        Assert.Contains("8 bytes outside the application header and image", refusal.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_transfer_that_stops_early_leaves_no_bootable_image_and_the_next_update_goes_through(bool headerSent)
    {
        using var session = UpdateSession.Start(Shipped.FactoryWith(UpdateImages.Old), Baud);
        var plan = FlashPlan.Create(UpdateImages.Application(UpdateImages.New), Shipped.Map, "update image");
        var client = session.Client();
        client.Connect();
        client.ExtendedErase(plan.ErasePages);
        var imageBlocks = plan.Blocks.Where(b => !Shipped.Map.Header.Contains(b.Address)).ToList();
        foreach (var block in imageBlocks.Take(imageBlocks.Count / 2)) client.WriteMemory(block.Address, block.Data);
        if (headerSent)
        {
            // The header names bytes that never came: it stays staged in RAM, and Go is refused.
            foreach (var block in plan.Blocks.Where(b => Shipped.Map.Header.Contains(b.Address))) client.WriteMemory(block.Address, block.Data);
            Assert.Equal(An3155Failure.Nack, Assert.Throws<An3155Exception>(() => client.Go(plan.GoAddress)).Failure);
        }

        session.Board.RunFor(Board.Second);
        session.Board.PressResetButton();

        Assert.Equal("stay: no application header", session.Board.NextVerdict());
        BootloaderRegion.AssertUnchanged(session.Board);
        AssertStaysUsable(session);
    }

    [Theory]
    [InlineData(0xFFFF)] // mass erase: every application page
    [InlineData(0xFFFE)] // bank 1: its application pages
    [InlineData(0xFFFD)] // bank 2
    public void Mass_and_bank_erase_codes_erase_application_pages_only(int code)
    {
        var pageSize = Shipped.Map.PageSize;
        var pages = (int)(Machine.FlashSize / pageSize);
        var (firstPage, lastPage) = code switch
        {
            0xFFFF => (HeaderPage, pages - 1),
            0xFFFE => (HeaderPage, pages / 2 - 1),
            _ => (pages / 2, pages - 1),
        };
        var factory = Shipped.FactoryWith(UpdateImages.Old);
        using var session = UpdateSession.Start(factory, Baud);
        // Data in every page after the old application too, so that each erased page shows.
        var patternBase = (ImageBase + ImageVariants.ReadHeader(factory).ImageSize + pageSize - 1) / pageSize * pageSize;
        var pattern = Enumerable.Range(0, (int)(Shipped.Map.Flash.End - patternBase)).Select(i => (byte)(i * 5 + 3)).ToArray();
        session.Board.Machine.LoadFlash(patternBase, pattern);
        var before = session.Board.Machine.ReadMemory(Shipped.Map.Flash.Base, (int)Machine.FlashSize);
        session.Client().Connect();

        Assert.Equal([Ack], session.Exchange([0x44, 0xBB], 1));
        // The ACK waits for the header page alone; the host idling, the other pages are erased one per poll, up to
        // 448 of them at 22 ms.
        Assert.Equal([Ack], session.Exchange([(byte)(code >> 8), (byte)code, (byte)((code >> 8) ^ code)], 1));
        session.Board.RunFor(12 * Board.Second);

        var after = session.Board.Machine.ReadMemory(Shipped.Map.Flash.Base, (int)Machine.FlashSize);
        for (var page = 0; page < after.Length / (int)pageSize; page++)
        {
            var bytes = after.AsSpan(page * (int)pageSize, (int)pageSize);
            if (page >= firstPage && page <= lastPage || page == HeaderPage)
                Assert.True(bytes.IndexOfAnyExcept((byte)0xFF) < 0, $"page {page} is not erased");
            else
                Assert.True(bytes.SequenceEqual(before.AsSpan(page * (int)pageSize, (int)pageSize)), $"page {page} changed");
        }
        AssertStaysUsable(session);
    }

    /// <summary>The bootloader pages are as shipped, and a complete update with verify and go boots the new version (and
    /// its boot names no refusal).</summary>
    private static void AssertStaysUsable(UpdateSession session)
    {
        BootloaderRegion.AssertUnchanged(session.Board);
        var from = session.Board.Uart.Lines.Count;
        var report = session.Flash(UpdateImages.Application(UpdateImages.New), verify: true, go: true);
        Assert.Empty(report.Mismatches);
        // A committed update clears any refusal record: its boot names none.
        SignedUpdates.AssertBootsWithoutRefusal(session.Board, from, $"boot: application {UpdateImages.New} -> 0x{ImageBase:X8}");
        BootloaderRegion.AssertUnchanged(session.Board);
    }

    /// <summary>
    /// `stm32boot flash` sends the header page first to this bootloader, which holds it in RAM and refuses the first
    /// flash change it would cause, the first image block, when the header fails what the header page alone tells:
    /// flash stays as it was, and after a reset (NRST keeps the backup register that carries the reason) the banner names
    /// the reason and the old application boots. The session ends back in update mode (B1 held through a reset).
    /// </summary>
    private static void AssertRefusedByItsHeader(UpdateSession session, MemoryImage image, string reason)
    {
        var board = session.Board;
        var before = board.Machine.ReadMemory(HeaderBase, (int)(Shipped.Map.Flash.End - HeaderBase));

        var write = Assert.Throws<An3155Exception>(() => session.Flash(image, verify: true, go: true));

        Assert.Equal((An3155Command.WriteMemory, An3155Failure.Nack), (write.Command, write.Failure));
        Assert.Contains($"block for 0x{ImageBase:X8}", write.Message);
        Assert.True(before.AsSpan().SequenceEqual(board.Machine.ReadMemory(HeaderBase, before.Length)), "a refused header changed flash");
        var from = board.Uart.Lines.Count;
        board.PressResetButton();
        Assert.Equal($"boot: application {UpdateImages.Old} -> 0x{ImageBase:X8}", board.NextVerdict());
        Assert.Contains($"update refused: {reason}", board.Uart.Lines.Skip(from).Select(l => l.Text));
        board.PressButton();
        board.PressResetButton();
        Assert.Equal(UpdateSession.ButtonHeld, board.NextVerdict());
        board.ReleaseButton();
    }

    private static void AssertNack(Action exchange)
    {
        var refusal = Assert.Throws<An3155Exception>(exchange);
        Assert.True(refusal.Failure == An3155Failure.Nack, $"expected NACK, got: {refusal.Message}");
    }

    /// <summary>Every frame but the last is ACKed, the last one NACKed.</summary>
    private static void AssertRawNack(UpdateSession session, params byte[][] frames)
    {
        foreach (var frame in frames[..^1]) Assert.Equal([Ack], session.Exchange(frame, 1));
        Assert.Equal([Nack], session.Exchange(frames[^1], 1));
    }

    private static byte[] Fill(int length) => Enumerable.Range(0, length).Select(i => (byte)(i + 0x10)).ToArray();

    private static byte[] Address(uint address, bool checksumError = false)
    {
        var frame = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(frame, address);
        frame[4] = (byte)(frame[0] ^ frame[1] ^ frame[2] ^ frame[3] ^ (checksumError ? 1 : 0));
        return frame;
    }

    private static byte[] DataFrame(byte[] data, bool checksumError = false)
    {
        var frame = new byte[data.Length + 2];
        frame[0] = (byte)(data.Length - 1);
        data.CopyTo(frame, 1);
        byte x = 0;
        foreach (var b in frame.AsSpan(0, frame.Length - 1)) x ^= b;
        frame[^1] = (byte)(x ^ (checksumError ? 1 : 0));
        return frame;
    }

    private static MemoryImage WithHeader(MemoryImage image, Func<ImageHeader, ImageHeader> change)
    {
        var header = change(ImageVariants.ReadHeader(image));
        image.Write(HeaderBase, (header with { HeaderCrc32 = header.ComputeHeaderCrc() }).ToBytes());
        return image;
    }
}
