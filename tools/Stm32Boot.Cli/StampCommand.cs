using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Stm32Boot.Cli;

[Description("Fill image_size, image_crc32 and header_crc32 into the application's header; write NAME.hex, NAME.bin (from the header base) and, for an ELF input, NAME.elf.")]
public sealed class StampCommand : Command<StampCommand.Settings>
{
    public sealed class Settings : SettingsFileOption
    {
        [CommandArgument(0, "<INPUT>")]
        [Description("The linked application: ELF, or HEX holding the unstamped header.")]
        public required string Input { get; init; }

        [CommandOption("--out-dir <DIR>", true)]
        [Description("Directory for the stamped files.")]
        public required string OutDir { get; init; }

        [CommandOption("--name <NAME>")]
        [Description("Base name of the stamped files.")]
        [DefaultValue("application")]
        public string Name { get; init; } = "application";

        [CommandOption("--version <A.B.C.D>")]
        [Description("Replace the header's fw_version (four numbers 0..65535).")]
        public string? Version { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var version = settings.Version is null ? (FirmwareVersion?)null : FirmwareVersion.Parse(settings.Version, "--version");
        var result = Stamper.Stamp(settings.Input, settings.LoadSettings(), version);
        var written = result.WriteTo(settings.OutDir, settings.Name);

        AnsiConsole.Write(HeaderView.Render(result.Header, $"stamped header at {HexNumber.Format(result.Map.Header.Base)}"));
        foreach (var path in written)
            AnsiConsole.MarkupLineInterpolated($"[green]wrote[/] {path}");
        return ExitCode.Ok;
    }
}
