using CliWrap;
using CliWrap.Buffered;

namespace Stm32Boot.Tests;

/// <summary>Runs the independent tools the tests compare against (srec_cat, python3, cc, arm-none-eabi-gcc).
/// A missing tool fails the test with the package to install rather than being skipped: a skipped peer
/// comparison would let the test pass without checking anything.</summary>
public static class ExternalTool
{
    public static async Task<BufferedCommandResult> Run(string tool, IEnumerable<string> arguments, string? workingDirectory = null,
        byte[]? standardInput = null)
    {
        var command = CliWrap.Cli.Wrap(tool)
            .WithArguments(arguments)
            .WithValidation(CommandResultValidation.None);
        if (workingDirectory is not null)
            command = command.WithWorkingDirectory(workingDirectory);
        if (standardInput is not null)
            command = command.WithStandardInputPipe(PipeSource.FromBytes(standardInput));
        try
        {
            return await command.ExecuteBufferedAsync();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{tool}' could not be started ({e.Message}); install it " +
                                                "(Debian: srecord, python3, gcc, gcc-arm-none-eabi + libnewlib-arm-none-eabi).", e);
        }
    }

    /// <summary>Runs the tool and fails with its output unless it exits 0.</summary>
    public static async Task<BufferedCommandResult> RunChecked(string tool, IEnumerable<string> arguments, string? workingDirectory = null,
        byte[]? standardInput = null)
    {
        var result = await Run(tool, arguments, workingDirectory, standardInput);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.StandardError}{result.StandardOutput}");
        return result;
    }
}
