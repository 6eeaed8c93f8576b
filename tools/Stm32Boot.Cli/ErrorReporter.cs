using Spectre.Console.Cli;

namespace Stm32Boot.Cli;

/// <summary>Turns exceptions into one line on stderr and the documented exit code.</summary>
public static class ErrorReporter
{
    public static int Report(Exception exception, ITypeResolver? resolver)
    {
        switch (exception)
        {
            case CommandParseException or CommandRuntimeException:
                Console.Error.WriteLine($"stm32boot: {OneLine(exception.Message)} See 'stm32boot --help'.");
                return ExitCode.Usage;
            case MissingFileException:
                Console.Error.WriteLine($"stm32boot: error: {OneLine(exception.Message)}");
                return ExitCode.Usage;
            case Stm32BootException or IOException or UnauthorizedAccessException:
                Console.Error.WriteLine($"stm32boot: error: {OneLine(exception.Message)}");
                return ExitCode.UserError;
            default:
                // Not a user error: a bug in stm32boot. The stack trace is what a bug report needs.
                Console.Error.WriteLine($"stm32boot: internal error: {exception}");
                return ExitCode.UserError;
        }
    }

    private static string OneLine(string message) => string.Join(' ', message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
}
