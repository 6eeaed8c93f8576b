using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Stm32Boot.Cli;

[Description("Fill image_size, image_crc32 and header_crc32 into the application's header (or, with --add-header, write the whole header for an application that has none), sign the image (ECDSA P-256); write NAME.hex, NAME.bin (from the header base) and, for an ELF input with its own header, NAME.elf.")]
public sealed class StampCommand : Command<StampCommand.Settings>
{
    public sealed class Settings : SettingsFileOption
    {
        [CommandArgument(0, "<INPUT>")]
        [Description("The linked application: ELF, or HEX holding the unstamped header; with --add-header also a raw binary of the image (from the image base).")]
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

        [CommandOption("--key <KEY.pem>")]
        [Description("The private key that signs. Default: SigningKey of the settings.")]
        public string? Key { get; init; }

        [CommandOption("--security-counter <N>")]
        [Description("The security counter signed into the image (anti-rollback). Default: SecurityCounter of the settings.")]
        public uint? SecurityCounter { get; init; }

        [CommandOption("--add-header")]
        [Description("The application links nothing into the header page (no .image_header section): write the whole header, board id and image address from the settings, fw_version from --version or the settings' Version. Writes NAME.hex and NAME.bin, no ELF.")]
        public bool AddHeader { get; init; }

        [CommandOption("--unsigned")]
        [Description("Do not sign: no signature block, and the header's signed flag clear.")]
        public bool Unsigned { get; init; }

        public override ValidationResult Validate() =>
            Unsigned && (Key is not null || SecurityCounter is not null)
                ? ValidationResult.Error("--unsigned signs nothing: it takes neither --key nor --security-counter.")
                : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var version = settings.Version is null ? (FirmwareVersion?)null : FirmwareVersion.Parse(settings.Version, "--version");
        var buildSettings = settings.LoadSettings();
        // Settings without a SigningKey (only RequireSignature false allows that) stamp unsigned, as --unsigned does.
        var noKey = settings.Key is null && buildSettings.SigningKey is null;
        using var key = settings.Unsigned || noKey ? null : KeyOption.Load(settings.Key, buildSettings);
        var signing = key is null ? null : new ImageSigning(key, settings.SecurityCounter ?? buildSettings.SecurityCounter);
        var result = settings.AddHeader
            ? Stamper.StampAddingHeader(settings.Input, buildSettings, version, signing)
            : Stamper.Stamp(settings.Input, buildSettings, version, signing);
        var written = result.WriteTo(settings.OutDir, settings.Name);

        AnsiConsole.Write(HeaderView.Render(result.Header, $"stamped header at {HexNumber.Format(result.Map.Header.Base)}"));
        if (signing is null)
            AnsiConsole.MarkupLine(noKey && !settings.Unsigned ? "[yellow]unsigned[/] (SigningKey is empty)" : "[yellow]unsigned[/]");
        else
            AnsiConsole.MarkupLineInterpolated($"signed by key {signing.Key.KeyIdText} ({signing.Key.Source}), security counter {signing.SecurityCounter}");
        foreach (var path in written)
            AnsiConsole.MarkupLineInterpolated($"[green]wrote[/] {path}");
        if (signing is { Key.IsDevelopmentKey: true } && buildSettings.BuildType == BuildType.Release)
            Console.Error.WriteLine($"stm32boot: warning: this Release image is signed with the development key ({signing.Key.Source}, key id " +
                                    $"{signing.Key.KeyIdText}), which is public: anyone can sign images that a bootloader trusting it accepts. " +
                                    "Make a product key with `stm32boot keygen` and point SigningKey at it.");
        return ExitCode.Ok;
    }
}
