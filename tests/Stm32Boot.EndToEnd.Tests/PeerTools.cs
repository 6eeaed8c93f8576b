using CliWrap;
using CliWrap.Buffered;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// The Debian programs that make the USB tests' inputs the way a user's PC would (mkfs.vfat, sfdisk, mtools,
/// srec_cat): code the bootloader's authors did not write, so a FAT or HEX misreading shared by both sides cannot hide.
/// </summary>
public static class PeerTools
{
    private static readonly Dictionary<string, string> Packages = new()
    {
        ["mkfs.vfat"] = "dosfstools", ["sfdisk"] = "fdisk", ["mcopy"] = "mtools", ["mdel"] = "mtools",
        ["mshowfat"] = "mtools", ["srec_cat"] = "srecord",
    };

    /// <summary>Runs the program to completion and returns its standard output; any failure throws with its output.</summary>
    public static string Run(string program, params string[] arguments) => RunWithInput("", program, arguments);

    /// <summary>The same, with text on the program's standard input (sfdisk reads its script there).</summary>
    public static string RunWithInput(string input, string program, params string[] arguments)
    {
        BufferedCommandResult result;
        try
        {
            result = Cli.Wrap(program).WithArguments(arguments).WithStandardInputPipe(PipeSource.FromString(input))
                .WithValidation(CommandResultValidation.None)
                // mtools refuses images whose geometry it cannot check; LC_ALL=C keeps every tool's output parseable.
                .WithEnvironmentVariables(new Dictionary<string, string?> { ["MTOOLS_SKIP_CHECK"] = "1", ["LC_ALL"] = "C" })
                .ExecuteBufferedAsync().GetAwaiter().GetResult();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{program}' could not be started ({e.Message}): install the Debian package " +
                                                $"{Packages.GetValueOrDefault(program, program)} (./build.sh --target=Doctor does, as root).", e);
        }
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.StandardOutput}{result.StandardError}");
        return result.StandardOutput;
    }
}
