using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Stm32Boot.Cli;

[Description("Make an ECDSA P-256 signing key: KEY.pem (PKCS#8 private key, readable by its owner only) and KEY.pub.pem (public key).")]
public sealed class KeygenCommand : Command<KeygenCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<KEY.pem>")]
        [Description("Where the private key goes; the public key is written beside it as KEY.pub.pem.")]
        public required string Output { get; init; }

        [CommandOption("--force")]
        [Description("Replace existing key files (the images the old key signed then no longer verify against the new one).")]
        public bool Force { get; init; }
    }

    /// <summary>KEY.pem -> KEY.pub.pem (KEY -> KEY.pub.pem).</summary>
    public static string PublicKeyPath(string privateKeyPath) =>
        (privateKeyPath.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) ? privateKeyPath[..^4] : privateKeyPath) + ".pub.pem";

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var publicPath = PublicKeyPath(settings.Output);
        foreach (var path in new[] { settings.Output, publicPath })
            if (File.Exists(path) && !settings.Force)
                throw new Stm32BootException($"'{path}' exists; keygen does not overwrite a key (images signed with it would stop verifying). " +
                                             "Choose another name, or pass --force.");

        using var key = SigningKey.Generate();
        var directory = Path.GetDirectoryName(Path.GetFullPath(settings.Output))!;
        Directory.CreateDirectory(directory);
        // Created readable by the owner only, before the secret is written into it.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var writer = new StreamWriter(new FileStream(settings.Output, options)))
            writer.Write(key.PrivateKeyPem + "\n");
        File.WriteAllText(publicPath, key.PublicKeyPem + "\n");

        AnsiConsole.MarkupLineInterpolated($"[green]wrote[/] {settings.Output} (private key: keep it secret, keep a backup)");
        AnsiConsole.MarkupLineInterpolated($"[green]wrote[/] {publicPath}");
        AnsiConsole.MarkupLineInterpolated($"key id {key.KeyIdText}");
        return ExitCode.Ok;
    }
}
