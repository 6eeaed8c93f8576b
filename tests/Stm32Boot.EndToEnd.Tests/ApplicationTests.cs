using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>The demo application as the bootloader leaves it: console, SysTick, relocated vector table.</summary>
public class ApplicationTests
{

    [Fact]
    public void Console_answers_version_with_the_stamped_version()
    {
        using var board = VirtualBoards.ShippedAtPrompt();
        Assert.Equal([Shipped.Settings.Version.ToString()], board.Console("version"));
    }

    [Fact]
    public void Version_comes_from_the_stamped_header_so_a_restamped_application_reports_its_new_version()
    {
        var version = new FirmwareVersion(2, 3, 4, 5);
        using var board = VirtualBoards.With(Shipped.FactoryWith(version));
        Assert.Equal($"boot: application 2.3.4.5 -> 0x{Shipped.Map.Image.Base:X8}", board.PowerOnAndReadVerdict());
        board.RunUntilLine("^L475 application 2.3.4.5$", 100 * Board.Millisecond);
        board.RunFor(10 * Board.Millisecond, () => board.Uart.Pending == "> ");
        Assert.Equal(["2.3.4.5"], board.Console("version"));
    }

    [Fact]
    public void Console_info_reports_the_header_the_CRC_unit_and_the_relocated_vector_table()
    {
        using var board = VirtualBoards.ShippedAtPrompt();
        var header = ImageVariants.ReadHeader(Shipped.Factory());

        var info = board.Console("info");

        Assert.Contains("magic L4AP", info);
        Assert.Contains($"fw_version {Shipped.Settings.Version}", info);
        Assert.Contains($"image_size {header.ImageSize}", info);
        // Recomputed by the CRC unit at run time; a mismatch would add "(header says …)".
        Assert.Contains($"image_crc32 0x{header.ImageCrc32:X8}", info);
        Assert.Contains($"board_id 0x{Shipped.Settings.BoardId:X8}", info);
        Assert.Contains($"vtor 0x{Shipped.Map.Image.Base:X8}", info);
        Assert.Contains("sysclk 80000000", info);
    }

    [Fact]
    public void Unknown_commands_get_a_hint()
    {
        using var board = VirtualBoards.ShippedAtPrompt();
        Assert.Equal(["unknown command 'reboot' (try: version, info, update, erase-header, erase-page N, receive)"], board.Console("reboot"));
        Assert.Equal(["unknown command 'version 2' (try: version, info, update, erase-header, erase-page N, receive)"], board.Console("version 2"));
    }

    [Theory]
    [InlineData("erase-page")]
    [InlineData("erase-page x")]
    [InlineData("erase-page 512")]
    [InlineData("erase-page -1")]
    public void Erase_page_names_the_pages_it_takes(string command)
    {
        using var board = VirtualBoards.ShippedAtPrompt();
        Assert.Equal([$"erase-page: give a page number from 0 to 511, not '{command[Math.Min(command.Length, 11)..]}'"], board.Console(command));
    }

    [Fact]
    public void LED2_blinks_at_1_Hz_from_the_SysTick_interrupt_of_the_relocated_vector_table()
    {
        using var board = VirtualBoards.ShippedAtPrompt();
        var start = board.NowPs;
        board.RunFor(3 * Board.Second);

        var edges = board.Led2Edges.Where(e => e.AtPs >= start).ToList();
        Assert.InRange(edges.Count, 5, 7);
        for (var i = 1; i < edges.Count; i++)
        {
            Assert.NotEqual(edges[i - 1].Level, edges[i].Level);
            // 500 SysTick interrupts of 1 ms each, counted at 80 MHz in virtual time.
            Assert.InRange(edges[i].AtPs - edges[i - 1].AtPs, 499 * Board.Millisecond, 501 * Board.Millisecond);
        }
    }
}
