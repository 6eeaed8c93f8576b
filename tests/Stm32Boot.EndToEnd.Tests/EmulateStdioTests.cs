using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// `stm32boot emulate` with USART1 on standard input/output, typed into from a terminal as a user does
/// (<see cref="EmulateOnTerminal"/>): what the user types must show once, echoed by the firmware's console, not a
/// second time by the terminal or by .NET's console reader; and typed at a board that idles at its prompt (the
/// emulator sleeping until the board's next event), it still wakes the board and is answered.
/// </summary>
[Collection(WallClockCollection.Name)]
public class EmulateStdioTests
{
    [Fact]
    public void A_command_typed_into_a_terminal_shows_once()
    {
        using var terminal = new EmulateOnTerminal($"'{Shipped.File("factory.hex")}' --max-time 4");

        terminal.WaitFor(() => terminal.Screen.EndsWith("> ", StringComparison.Ordinal), "the application's prompt");
        // Typed once the board has idled at the prompt for a while (its first LED2 change comes 0.5 s after power-on):
        // the emulator's thread then sleeps between the board's events, and the key must still wake it.
        terminal.WaitFor(() => terminal.Events.Contains("LED2 on", StringComparison.Ordinal), "LED2's first blink");
        var before = terminal.Screen.Length;
        terminal.Type("version\r"u8);
        terminal.WaitFor(() => terminal.Screen[before..].Contains("\n> ", StringComparison.Ordinal), "the prompt after the command");
        var answer = terminal.Screen[before..];

        Assert.True(Count(answer, "version") == 1, $"the command showed {Count(answer, "version")} times:\n{answer}");
        terminal.Emulate.WaitForExit(30_000);
        Assert.True(terminal.Emulate.HasExited, "emulate did not end after --max-time");
        Assert.Equal(0, terminal.Emulate.ExitCode);
    }

    private static int Count(string text, string word) =>
        (text.Length - text.Replace(word, "", StringComparison.Ordinal).Length) / word.Length;
}
