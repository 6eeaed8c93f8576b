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
        // No key at all is valid only with RequireSignature false (the settings refuse it otherwise): then the
        // bootloader trusts none, and signing_keys.h says so.
        using var key = settings.Key is null && buildSettings.SigningKey is null ? null : KeyOption.Load(settings.Key, buildSettings);
        var keys = key is null
            ? SigningKeysGenerator.RenderNone(buildSettings.SourceName)
            : SigningKeysGenerator.Render(key, settings.Key ?? buildSettings.SigningKey!);
        var files = MemoryMapGenerator.Render(buildSettings).Append(keys);
        foreach (var file in MemoryMapGenerator.WriteFiles(files, settings.OutDir))
            AnsiConsole.MarkupLine($"{(file.Changed ? "[green]wrote[/]    " : "[grey]unchanged[/]")} {Markup.Escape(file.Path)}");
        return ExitCode.Ok;
    }
}
