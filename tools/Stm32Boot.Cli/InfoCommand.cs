using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Stm32Boot.Cli;

[Description("Show an image's header, the bootloader's acceptance checks, its signature, vector table and flash use; exit 1 if the bootloader would refuse it, its signature does not verify or it has bytes outside flash.")]
public sealed class InfoCommand : Command<InfoCommand.Settings>
{
    public sealed class Settings : SettingsFileOption
    {
        [CommandArgument(0, "<FILE>")]
        [Description("An ELF, an Intel HEX file, or a raw binary as FILE.bin@ADDRESS (e.g. application.bin@0x08020000); a binary of exactly the flash's size (a whole-flash dump, an `emulate --flash` file) is read from the flash base. With SlotMode swap, a file with bytes in bank 2 also shows the primary, secondary and previous slots and the swap status.")]
        public required string File { get; init; }

        [CommandOption("--key <KEY.pem>")]
        [Description("Check the signature with this key (public or private PEM). Default: SigningKey of the settings, if that file is there.")]
        public string? Key { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var buildSettings = settings.LoadSettings();
        var file = FirmwareFile.Load(settings.File, buildSettings.MemoryMap.Flash);
        var inspection = ImageInspector.Inspect(file.Image, buildSettings.MemoryMap, buildSettings.BoardId);

        AnsiConsole.MarkupLineInterpolated($"[bold]{file.Path}[/] ({file.Format}, {file.Image.ByteCount} bytes)");
        // Which board id and memory map the checks below judge against: the built tree's, --settings', or the defaults.
        // Written past Spectre, which would wrap a long path at the console's width.
        Console.WriteLine($"settings: {buildSettings.SourceName}");
        if (inspection.Header is not null)
            AnsiConsole.Write(HeaderView.Render(inspection.Header, $"header at {HexNumber.Format(buildSettings.MemoryMap.Header.Base)}"));

        var checks = new Table().Title("acceptance checks (docs/design.md §5.1)").AddColumn("").AddColumn("check").AddColumn("detail");
        foreach (var check in inspection.Checks)
            checks.AddRow(check.Passed ? "[green]✓[/]" : "[red]✗[/]", Markup.Escape(check.Name), Markup.Escape(check.Detail));
        AnsiConsole.Write(checks);

        SignatureInspection? signature = null;
        if (inspection.Header is { } header)
        {
            using var key = KeyOption.TryLoad(settings.Key, buildSettings);
            // The image is hashed only when the header's size lies inside the image region, as the bootloader does.
            var sizeValid = header.ImageSize >= ImageInspector.MinImageSize && header.ImageSize <= buildSettings.MemoryMap.Image.Size;
            signature = ImageSignature.Inspect(file.Image, buildSettings.MemoryMap, header, sizeValid ? key : null);
            AnsiConsole.Write(SignatureView.Render(signature, key));
        }

        var vectors = new Table().Title($"vector table at {HexNumber.Format(buildSettings.MemoryMap.Image.Base)}")
            .AddColumn("#").AddColumn("vector").AddColumn("value");
        foreach (var vector in inspection.Vectors)
            vectors.AddRow($"{vector.Index}", vector.Name, vector.Value is { } value ? HexNumber.Format(value) : "[grey]not in file[/]");
        AnsiConsole.Write(vectors);

        var regions = new Table().Title("flash use").AddColumn("region").AddColumn("range")
            .AddColumn(new TableColumn("bytes").RightAligned()).AddColumn(new TableColumn("used").RightAligned());
        foreach (var region in inspection.Regions)
            regions.AddRow(region.Name, $"{HexNumber.Format(region.Base)}–{HexNumber.Format(region.Base + region.Size - 1)}",
                $"{region.UsedBytes}", $"{region.Percent:0.0} %");
        if (inspection.BytesOutsideFlashRegions > 0)
            regions.AddRow("[yellow]outside[/]", "not in any flash region", $"{inspection.BytesOutsideFlashRegions}", "");
        AnsiConsole.Write(regions);

        if (buildSettings.MemoryMap is { SlotMode: SlotMode.Swap } map && file.Image.Slice(map.Previous!.Base, map.Flash.End).ByteCount > 0)
        {
            using var key = KeyOption.TryLoad(settings.Key, buildSettings);
            SwapView.Write(SlotInspector.Inspect(file.Image, map, buildSettings.BoardId, key, buildSettings.RequireSignature), map);
        }

        // Bytes past the end of flash (or in RAM) are no part of any image a board can hold: `flash` refuses them too.
        var beyondFlash = BytesOutside.Describe(file.Image, buildSettings.MemoryMap.Flash, file.Path);
        var signatureFailed = signature is { Status: not (SignatureStatus.Ok or SignatureStatus.Unsigned) };
        if (inspection.Accepted && !signatureFailed && beyondFlash is null)
        {
            AnsiConsole.MarkupLine("[green]accepted:[/] the bootloader would boot this image.");
            return ExitCode.Ok;
        }

        if (!inspection.Accepted)
        {
            var failed = inspection.Checks.Where(c => !c.Passed).Select(c => c.Name);
            AnsiConsole.MarkupLineInterpolated($"[red]refused:[/] the bootloader would stay in update mode (failed: {string.Join(", ", failed)}).");
        }
        if (signatureFailed)
            AnsiConsole.MarkupLineInterpolated($"[red]signature refused:[/] {SignatureBlock.Text(signature!.Status)}.");
        if (beyondFlash is not null)
        {
            // The reason past Spectre, which would wrap it at the console's width.
            AnsiConsole.Markup("[red]refused:[/] ");
            Console.WriteLine($"{beyondFlash}; no STM32L475 has flash there, so `stm32boot flash` refuses it too.");
        }
        return ExitCode.UserError;
    }
}
