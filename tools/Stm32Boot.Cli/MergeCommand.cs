using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Stm32Boot.Cli;

[Description("Merge Intel HEX files into one (overlaps must agree; one start address survives).")]
public sealed class MergeCommand : Command<MergeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<INPUTS>")]
        [Description("HEX files to merge.")]
        public required string[] Inputs { get; init; }

        [CommandOption("-o|--output <FILE>", true)]
        [Description("The merged HEX file.")]
        public required string Output { get; init; }

        [CommandOption("--record-length <N>")]
        [Description("Data bytes per record (1..255).")]
        [DefaultValue(IntelHexWriter.DefaultRecordLength)]
        public int RecordLength { get; init; } = IntelHexWriter.DefaultRecordLength;

        [CommandOption("--start-from <FILE>")]
        [Description("The input whose start address to keep when inputs disagree (usually the bootloader).")]
        public string? StartFrom { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        // Checked before the inputs are read; the directory is not made: a mistyped -o path would otherwise leave
        // the merged file where nobody looks for it.
        var directory = Path.GetDirectoryName(Path.GetFullPath(settings.Output))!;
        if (!Directory.Exists(directory))
            throw new MissingFileException($"-o {settings.Output}: directory '{directory}' does not exist.");
        var merged = HexMerger.Merge(settings.Inputs, settings.StartFrom);
        IntelHexWriter.WriteFile(settings.Output, merged, settings.RecordLength);

        var start = merged.StartAddress is { } address ? $", start address {HexNumber.Format(address)}" : "";
        AnsiConsole.MarkupLineInterpolated(
            $"[green]wrote[/] {settings.Output}: {merged.Image.ByteCount} bytes from {settings.Inputs.Length} files{start}");
        return ExitCode.Ok;
    }
}
