using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Stm32Boot.Cli;

[Description("Write memory_map.h, build_config.h and memory.ld from the settings (unchanged files are left alone).")]
public sealed class GenerateCommand : Command<GenerateCommand.Settings>
{
    public sealed class Settings : SettingsFileOption
    {
        [CommandOption("--out <DIR>", true)]
        [Description("Directory for the generated files (the build uses out/gen).")]
        public required string OutDir { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        foreach (var file in MemoryMapGenerator.Write(settings.LoadSettings(), settings.OutDir))
            AnsiConsole.MarkupLine($"{(file.Changed ? "[green]wrote[/]    " : "[grey]unchanged[/]")} {Markup.Escape(file.Path)}");
        return ExitCode.Ok;
    }
}
