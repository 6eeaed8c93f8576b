using Stm32Boot.Cli;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>The tool's output width: the terminal's when it is one, no wrapping in a pipe (Spectre's own fallback, 80
/// columns, wrapped tables and messages in logs and in the tests that read them).</summary>
public class ConsoleWidthTests
{
    [Fact]
    public void A_pipe_or_file_gets_lines_as_long_as_they_are() =>
        Assert.Equal(ConsoleWidth.MaxPipeWidth, ConsoleWidth.Decide(redirected: true, columns: "80", terminal: () => 80));

    [Theory]
    [InlineData("200", 120, 200)]
    [InlineData(null, 160, 160)]
    [InlineData("junk", 132, 132)]
    [InlineData(null, 0, 80)]
    public void A_terminal_gets_its_width_from_COLUMNS_then_from_the_console(string? columns, int terminal, int expected) =>
        Assert.Equal(expected, ConsoleWidth.Decide(redirected: false, columns, () => terminal));
}
