using Stm32Boot.Uart;
using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// `stm32boot flash` end to end: the library the command runs (FlashPlan, UartFlasher, An3155Client,
/// BootloaderEntry) against the shipped bootloader over the in-process link, in virtual time.
/// </summary>
public class UartUpdateTests
{
    private static readonly string BootsNew = $"boot: application {UpdateImages.New} -> 0x{Shipped.Map.Image.Base:X8}";

    [Theory]
    [InlineData(115200)]
    [InlineData(921600)]
    public void Flash_replaces_the_old_version_verifies_it_and_boots_the_new_one(int baud)
    {
        using var session = UpdateSession.Start(Shipped.FactoryWith(UpdateImages.Old), baud);
        var update = UpdateImages.Application(UpdateImages.New);

        var report = session.Flash(update, verify: true, go: true);

        Assert.Equal(0x0415, report.Bootloader.ProductId);
        Assert.Empty(report.Mismatches);
        Assert.Equal(report.WrittenBytes, report.VerifiedBytes);
        Assert.Equal(Shipped.Map.Image.Base, report.StartedAt);
        // Go resets the chip: the new image passes the boot check like any other.
        Assert.Equal(BootsNew, session.Board.NextVerdict());
        session.Board.RunUntilLine($"^L475 application {UpdateImages.New}$", 100 * Board.Millisecond);
        AssertFlashHolds(session.Board, update);
        BootloaderRegion.AssertUnchanged(session.Board);
    }

    [Fact]
    public void Enter_asks_the_running_application_for_update_mode_then_the_link_switches_to_the_protocol()
    {
        using var board = VirtualBoards.With(Shipped.FactoryWith(UpdateImages.Old));
        board.PowerOn();
        board.RunUntilLine($"^L475 application {UpdateImages.Old}$", 2 * Board.Second);
        board.RunFor(10 * Board.Millisecond, () => board.Uart.Pending == "> ");
        using var session = UpdateSession.Attach(board, UartFraming.Console.Baud);
        var lines = new List<string>();

        var stay = BootloaderEntry.Enter(session.Link, BootloaderEntry.ParseCommand("update\\r"), TimeSpan.FromSeconds(5), lines.Add);
        session.Link.Baud = 921600;
        var report = session.Flash(UpdateImages.Application(UpdateImages.New), verify: true, go: true);

        Assert.Equal("stay: update requested by application", stay);
        Assert.Contains(lines, line => line.StartsWith("entering bootloader", StringComparison.Ordinal));
        Assert.Empty(report.Mismatches);
        Assert.Equal(BootsNew, board.NextVerdict());
    }

    [Fact]
    public void A_flash_without_go_leaves_the_board_in_update_mode_and_a_reset_boots_the_new_version()
    {
        using var session = UpdateSession.Start(Shipped.FactoryWith(UpdateImages.Old), 460800);

        var report = session.Flash(UpdateImages.Application(UpdateImages.New), verify: false, go: false);
        var afterFlash = session.Board.Uart.Lines.Count;
        session.Board.RunFor(Board.Second);

        Assert.Null(report.StartedAt);
        Assert.Equal(afterFlash, session.Board.Uart.Lines.Count);
        session.Board.PressResetButton();
        Assert.Equal(BootsNew, session.Board.NextVerdict());
    }

    /// <summary>
    /// An ACK of Write Memory means received and queued (docs/design.md §6): a block that then fails to program, here
    /// because WRP covers its page (its erase and programs end in WRPERR, RM0351 §3.5.2), is reported by the NACK of the
    /// next block, so `stm32boot flash` stops with an error. Go is NACKed after it, and the next reset boots nothing:
    /// the old application was invalidated before the first image page changed, the new one is not whole.
    /// </summary>
    [Fact]
    public void A_block_that_fails_to_program_after_its_ACK_is_NACKed_next_and_never_booted()
    {
        using var board = VirtualBoards.With(Shipped.FactoryWith(UpdateImages.Old));
        var page = (Shipped.Map.Image.Base - Shipped.Map.Flash.Base) / Shipped.Map.PageSize + 1; // the image's second page
        board.OptionBytes = board.OptionBytes with { Wrp1ar = 0xFF00_FF00u | page << 16 | page };
        board.PressButton();
        Assert.Equal(UpdateSession.ButtonHeld, board.PowerOnAndReadVerdict());
        board.ReleaseButton();
        using var session = UpdateSession.Attach(board, 115200);
        var update = UpdateImages.Application(UpdateImages.New);
        Assert.True(update.EndAddress > Shipped.Map.Flash.Base + (page + 1) * Shipped.Map.PageSize, "the update covers the protected page");

        var resets = board.Machine.Resets.Count;
        var failure = Assert.Throws<An3155Exception>(() => session.Flash(update, verify: false, go: true, retries: 0));

        Assert.Equal(An3155Failure.Nack, failure.Failure);
        Assert.Equal(An3155Command.WriteMemory, failure.Command);
        var go = Assert.Throws<An3155Exception>(() => session.Client(retries: 0).Go(Shipped.Map.Image.Base));
        Assert.Equal(An3155Failure.Nack, go.Failure);
        Assert.Equal(resets, board.Machine.Resets.Count);
        board.PressResetButton();
        Assert.StartsWith("stay: ", board.NextVerdict());
    }

    private static void AssertFlashHolds(Board board, MemoryImage image)
    {
        foreach (var segment in image.Segments)
            Assert.True(segment.Data.AsSpan().SequenceEqual(board.Machine.ReadMemory(segment.Address, segment.Data.Length)),
                $"flash at 0x{segment.Address:X8} (+{segment.Data.Length}) does not hold the update image");
    }
}
