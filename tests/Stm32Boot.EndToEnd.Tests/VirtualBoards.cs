using Stm32Boot.VirtualBoard;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>Boards programmed with a flash image (erased flash elsewhere), as a programmer leaves a real one.</summary>
public static class VirtualBoards
{
    // Not anchored at the line start: after a reset from the application, the banner follows its "> " prompt.
    public const string Banner = @"L475 bootloader \S+ board 0x[0-9A-F]{8}$";

    public static Board With(MemoryImage image)
    {
        var board = new Board();
        foreach (var segment in image.Segments)
            board.Machine.LoadFlash(segment.Address, segment.Data);
        return board;
    }

    /// <summary>The verdict of the shipped bootloader booting the shipped application.</summary>
    public static readonly string BootsShipped = $"boot: application {Shipped.Settings.Version} -> 0x{Shipped.Map.Image.Base:X8}";

    /// <summary>The shipped factory image, powered on and run until the application waits at its console prompt.</summary>
    public static Board ShippedAtPrompt()
    {
        var board = With(Shipped.Factory());
        Xunit.Assert.Equal(BootsShipped, board.PowerOnAndReadVerdict());
        board.RunUntilPrompt();
        return board;
    }

    /// <summary>Runs until the application has printed its banner and its start-up lines and waits at its prompt.</summary>
    public static void RunUntilPrompt(this Board board)
    {
        board.RunUntilLine(@"^L475 application ", 100 * Board.Millisecond);
        board.RunFor(10 * Board.Millisecond, () => board.Uart.Pending == "> ");
    }

    /// <summary>Powers the board on and returns the bootloader's verdict line ("boot: …" or "stay: …").</summary>
    public static string PowerOnAndReadVerdict(this Board board)
    {
        board.PowerOn();
        return board.NextVerdict();
    }

    /// <summary>Runs until the bootloader prints its banner and its verdict after the next reset.</summary>
    public static string NextVerdict(this Board board)
    {
        var from = board.Uart.Lines.Count;
        var banner = board.RunUntilLine(Banner, 100 * Board.Millisecond, from);
        var fromVerdict = IndexOf(board, banner) + 1;
        // The verdict follows the image check and, after the reset button (NRST), the double-reset window that the
        // check overlaps (up to a second); other resets do not wait.
        return board.RunUntilLine("^(boot|stay): ", 2 * Board.Second, fromVerdict).Text;
    }

    private static int IndexOf(Board board, UartLine line)
    {
        for (var i = board.Uart.Lines.Count - 1; i >= 0; i--)
            if (ReferenceEquals(board.Uart.Lines[i], line)) return i;
        throw new InvalidOperationException("line not in transcript");
    }

    /// <summary>Types a console command and returns the lines the application answers before its next prompt.</summary>
    public static IReadOnlyList<string> Console(this Board board, string command)
    {
        var from = board.Uart.Lines.Count;
        board.SendToUart(command + "\r");
        board.RunFor(Board.Second, () => board.Uart.Lines.Count > from && board.Uart.Pending == "> ");
        // The first line is the echo of the command itself.
        return board.Uart.Lines.Skip(from).Select(l => l.Text).SkipWhile(t => t.EndsWith(command)).ToList();
    }
}
