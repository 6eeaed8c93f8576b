using Spectre.Console;

namespace Stm32Boot.Cli;

/// <summary>
/// How wide the tool's output may be. Spectre.Console falls back to 80 columns whenever it cannot ask a terminal,
/// which wraps every table and long line in a pipe, a log or a CI run (and in terminals whose size it misreads),
/// where nothing would stop a line from being as long as it is. So: the terminal's own width when the output is
/// one (COLUMNS first, as shells export it, then the console's), and no wrapping short of MaxPipeWidth otherwise.
/// </summary>
public static class ConsoleWidth
{
    /// <summary>Wide enough for every table and message the tool prints.</summary>
    public const int MaxPipeWidth = 400;

    public static void Apply()
    {
        AnsiConsole.Profile.Width = Decide(Console.IsOutputRedirected, Environment.GetEnvironmentVariable("COLUMNS"), TerminalWidth);
    }

    /// <summary>The width for an output that is (not) redirected, given $COLUMNS and a way to ask the terminal.</summary>
    public static int Decide(bool redirected, string? columns, Func<int> terminal)
    {
        if (redirected)
            return MaxPipeWidth;
        if (int.TryParse(columns, out var fromShell) && fromShell > 0)
            return fromShell;
        var width = terminal();
        return width > 0 ? width : 80;
    }

    private static int TerminalWidth()
    {
        try { return Console.WindowWidth; }
        catch (IOException) { return 0; }
    }
}
