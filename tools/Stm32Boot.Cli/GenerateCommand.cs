using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Stm32Boot.Cli;

[Description("Write memory_map.h, build_config.h, memory.ld and signing_keys.h (the public key the bootloader trusts) from the settings (unchanged files are left alone).")]
public sealed class GenerateCommand : Command<GenerateCommand.Settings>
{
    public sealed class Settings : SettingsFileOption
    {
        [CommandOption("--out <DIR>", true)]
        [Description("Directory for the generated files (the build uses out/gen).")]
        public required string OutDir { get; init; }

        [CommandOption("--key <KEY.pem>")]
        [Description("The signing key (private or public PEM) whose public key the bootloader trusts. Default: SigningKey of the settings.")]
        public string? Key { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var buildSettings = settings.LoadSettings();
        using var key = KeyOption.Load(settings.Key, buildSettings);
        var files = MemoryMapGenerator.Render(buildSettings).Append(SigningKeysGenerator.Render(key, settings.Key ?? buildSettings.SigningKey));
        foreach (var file in MemoryMapGenerator.WriteFiles(files, settings.OutDir))
            AnsiConsole.MarkupLine($"{(file.Changed ? "[green]wrote[/]    " : "[grey]unchanged[/]")} {Markup.Escape(file.Path)}");
        return ExitCode.Ok;
    }
}
