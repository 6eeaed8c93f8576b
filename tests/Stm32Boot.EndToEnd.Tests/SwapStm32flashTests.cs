using Xunit;
using static Stm32Boot.EndToEnd.Tests.SwapBoards;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// Debian's stock stm32flash against the swap variant's bootloader on the virtual board's pty (see
/// <see cref="Stm32flashTests"/>): it writes and verifies at the primary slot's addresses as against any L4, the image
/// lands in the secondary slot, and its Go makes the reset that installs it.
/// </summary>
[Collection(WallClockCollection.Name)]
public class SwapStm32flashTests
{
    private const int Baud = 115200;

    [Fact]
    public async Task Write_hex_with_verify_and_go_installs_the_image_in_trial_and_keeps_the_old_one()
    {
        using var scratch = new Scratch();
        var application = Build.Application(New);
        var hex = scratch.File("application.hex");
        IntelHexWriter.WriteFile(hex, new IntelHexFile(application.Image, application.StartAddress));
        var pages = InstallPages(application.Image, OldApplication);
        using var board = PtyBoard.InUpdateMode(Factory(), Baud);
        var from = board.Board.Uart.Lines.Count;

        var write = await board.Stm32flash("-w", hex, "-v", "-g", $"0x{Map.Image.Base:X8}");

        Assert.True(write.ExitCode == 0, $"stm32flash exited {write.ExitCode}:\n{write.StandardOutput}{write.StandardError}");
        // stm32flash read its blocks back from the primary slot's addresses: the bootloader serves them from the secondary.
        Assert.Contains($"Wrote and verified address 0x{Map.Header.Base + application.ToBinary().Length:x8} (100.00%) Done.", write.StandardOutput);
        Assert.Contains($"Starting execution at address 0x{Map.Image.Base:X8}... done.", write.StandardOutput);
        // The paced run may have got past the install before stm32flash exited: the lines are searched from before it.
        var boot = board.Board.NextBoot(from);
        board.Board.RunUntilApplication(New);
        var slotLines = boot.Where(IsSlotLine).ToList();
        Assert.Equal(Installing(New, Old, pages), slotLines[0]);
        Assert.Matches(InstallDone(), Assert.Single(slotLines.Skip(1)));
        Assert.Contains(Trial(1), boot);
        Assert.Equal(Boots(New), boot[^1]);
        var slots = board.Board.Inspect();
        AssertHolds(slots.Primary(), New);
        AssertHolds(slots.Previous(), Old);
        AssertBytes(board.Board, Map.Previous!.Base, OldApplication);
        Assert.Equal(SlotReports.Installed, board.Board.SlotReport());
    }
}
