using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// Flash ECC double errors on the shipped factory image (RM0351 §3.3.4): a double word torn by a power cut raises
/// the NMI whenever it is read. The bootloader must never hang on one: in the application it stays in update mode
/// and an update repairs the page; in its own pages it runs on without a reset loop (bootloader/src/nmi_ecc.c).
/// </summary>
public class EccDoubleErrorTests
{
    private const uint FLASH_ECCR = 0x4002_2018, ECCD = 1u << 31, ADDR_ECC = 0x7FFFF;

    private static readonly string BootsNew = $"boot: application {UpdateImages.New} -> 0x{Shipped.Map.Image.Base:X8}";

    public static TheoryData<string, uint, string> TornApplicationDoubleWords => new()
    {
        // image_crc32 and board_id: magic, version and size still pass, the header CRC does not.
        { "header", Shipped.Map.Header.Base + 0x18, "stay: header CRC mismatch" },
        { "image", Shipped.Map.Image.Base + 0x200, "stay: image CRC mismatch" },
    };

    [Theory]
    [MemberData(nameof(TornApplicationDoubleWords))]
    public void A_torn_double_word_of_the_application_keeps_the_bootloader_in_update_mode_and_an_update_repairs_it(
        string where, uint address, string verdict)
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        var before = board.Machine.ReadMemory(address, 8);
        board.Peripherals.Flash.TearDoubleWordProgram(address);
        Assert.False(before.AsSpan().SequenceEqual(board.Machine.ReadMemory(address, 8)), $"tearing the {where} double word changed nothing");
        var nmis = CountNmis(board);

        Assert.Equal(verdict, board.PowerOnAndReadVerdict());
        Assert.True(nmis.Count > 0, "the bootloader read the torn double word without an NMI");
        Assert.Single(board.Machine.Resets);              // the power-on: the NMI reset nothing
        var eccr = board.Read(FLASH_ECCR);
        Assert.Equal(0u, eccr & ECCD);                    // the handler cleared it
        Assert.Equal(address - Machine.FlashBase, eccr & ADDR_ECC);

        // Not a one-off: every reset meets the same double word and still gets through to update mode.
        board.PressResetButton();
        Assert.Equal(verdict, board.NextVerdict());

        using var session = UpdateSession.Attach(board, 115200);
        var report = session.Flash(UpdateImages.Application(UpdateImages.New), verify: true, go: true);

        Assert.Empty(report.Mismatches);
        Assert.Equal(BootsNew, board.NextVerdict());
        Assert.False(board.Peripherals.Flash.HasEccError(address), "the update did not erase the torn page");
    }

    [Fact]
    public void A_torn_double_word_in_the_bootloaders_own_constants_is_read_as_it_is_without_a_reset_loop()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        // A double word wholly inside the banner text, which every boot prints.
        var banner = IndexOf(board.Machine.ReadMemory(Shipped.Map.Bootloader.Base, (int)Shipped.Map.Bootloader.Size), "L475 bootloader "u8);
        var address = (Shipped.Map.Bootloader.Base + (uint)banner + 7) & ~7u;
        board.Peripherals.Flash.TearDoubleWordProgram(address);
        var nmis = CountNmis(board);

        board.PowerOn();
        var verdict = board.RunUntilLine("^(boot|stay): ", 2 * Board.Second);

        Assert.Equal($"boot: application {Shipped.Settings.Version} -> 0x{Shipped.Map.Image.Base:X8}", verdict.Text);
        Assert.True(nmis.Count > 0, "the bootloader printed its banner without reading the torn double word");
        Assert.Single(board.Machine.Resets);              // the power-on: no reset was tried, so none can loop
        Assert.DoesNotContain(board.Uart.Lines, l => l.Text.StartsWith("L475 bootloader ", StringComparison.Ordinal));
        Assert.Equal(address - Machine.FlashBase, board.Read(FLASH_ECCR) & ADDR_ECC);
    }

    /// <summary>The virtual times at which the core entered the NMI handler from now on.</summary>
    private static List<ulong> CountNmis(Board board)
    {
        var at = new List<ulong>();
        board.Machine.Trace = line => { if (line.Contains("] enter NMI ", StringComparison.Ordinal)) at.Add(board.NowPs); };
        return at;
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle)
    {
        var index = haystack.AsSpan().IndexOf(needle);
        return index >= 0 ? index : throw new InvalidOperationException("the bootloader image holds no banner text");
    }
}
