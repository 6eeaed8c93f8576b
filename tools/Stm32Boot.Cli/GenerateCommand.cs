using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Stm32Boot.Cli;

[Description("Write memory_map.h, build_config.h, memory.ld, memory-map.svg (the map as a picture) and signing_keys.h (the public keys the bootloader trusts: SigningKey's and TrustedKeys) from the settings (unchanged files are left alone).")]
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
        var trusted = buildSettings.TrustedKeys.Select(path => (Key: LoadTrusted(path), Source: path)).ToList();
        try
        {
            var keys = key is null
                ? SigningKeysGenerator.RenderNone(buildSettings.SourceName)
                : SigningKeysGenerator.Render([(key, settings.Key ?? buildSettings.SigningKey!), .. trusted]);
            var files = MemoryMapGenerator.Render(buildSettings).Append(keys);
            foreach (var file in MemoryMapGenerator.WriteFiles(files, settings.OutDir))
                AnsiConsole.MarkupLine($"{(file.Changed ? "[green]wrote[/]    " : "[grey]unchanged[/]")} {Markup.Escape(file.Path)}");
            return ExitCode.Ok;
        }
        finally
        {
            foreach (var (trustedKey, _) in trusted) trustedKey.Dispose();
        }
    }

    private static SigningKey LoadTrusted(string path) =>
        File.Exists(path)
            ? SigningKey.Load(path)
            : throw new Stm32BootException($"TrustedKeys names '{path}', which is not there (from {Directory.GetCurrentDirectory()}); " +
                                           "paths are relative to the repository's root, as SigningKey's.");

}
