using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Stm32Boot.Uart;

namespace Stm32Boot.Cli;

/// <summary>What every command that sends an image to a board over a serial link shares (flash to the bootloader, send to
/// the running application): the --port it goes through and the check that the image would boot at all.</summary>
public class SerialTargetOption : SettingsFileOption
{
    [CommandOption("-p|--port <PORT>")]
    [Description("Serial device (/dev/ttyACM0, COM3, a pty /dev/pts/N) or tcp:HOST:PORT. Default: FlashPort in the settings.")]
    public string? Port { get; init; }

    [CommandOption("--force")]
    [Description("Send even an image the bootloader would refuse at reset (see `stm32boot info`).")]
    public bool Force { get; init; }

    /// <summary>--port, else the settings' FlashPort.</summary>
    public LinkAddress Address(BuildSettings build) => Port is null ? build.FlashPort : LinkAddress.Parse(Port, "--port");

    public override ValidationResult Validate() =>
        Port is not null && !LinkAddress.TryParse(Port, out _)
            ? ValidationResult.Error($"--port '{Port}' is not {LinkAddress.Expected}.")
            : ValidationResult.Success();

    /// <summary>Refuses, unless --force, an image the bootloader would not start: sending it would only cost the time.</summary>
    public void RequireBootable(FirmwareFile file, BuildSettings build)
    {
        if (Force)
            return;
        var inspection = ImageInspector.Inspect(file.Image, build.MemoryMap, build.BoardId);
        if (inspection.Accepted)
            return;
        var failed = string.Join(", ", inspection.Checks.Where(check => !check.Passed).Select(check => check.Name));
        throw new Stm32BootException($"'{file.Path}' would not boot: the bootloader refuses it at reset (failed: {failed}). " +
                                     $"Run `stm32boot info {file.Path}` for details and send the stamped application (out/application.hex), " +
                                     "or pass --force to send it anyway.");
    }
}
