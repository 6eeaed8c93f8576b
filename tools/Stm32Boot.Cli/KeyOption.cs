namespace Stm32Boot.Cli;

/// <summary>The key a command works with: its --key option, else the settings' SigningKey (relative to the current
/// directory, which for the build is the repository's root).</summary>
public static class KeyOption
{
    public static SigningKey Load(string? option, BuildSettings settings)
    {
        if (option is not null)
            return SigningKey.Load(option);
        if (settings.SigningKey is null)
            throw new Stm32BootException($"SigningKey is empty in {settings.SourceName}; pass --key KEY.pem.");
        if (!File.Exists(settings.SigningKey))
            throw new Stm32BootException($"SigningKey '{settings.SigningKey}' ({settings.SourceName}) not found from {Directory.GetCurrentDirectory()}; " +
                                         "run from the repository's root, or pass --key KEY.pem.");
        return SigningKey.Load(settings.SigningKey);
    }

    /// <summary>As <see cref="Load"/>, but null when no --key was given and the settings' key file is not there.</summary>
    public static SigningKey? TryLoad(string? option, BuildSettings settings) =>
        option is null && (settings.SigningKey is null || !File.Exists(settings.SigningKey)) ? null : Load(option, settings);
}
