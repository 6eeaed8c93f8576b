namespace Stm32Boot.Cli;

/// <summary>The key a command works with: its --key option, else the settings' SigningKey. A relative SigningKey is
/// relative to the repository's root: found from the current directory (the build runs at the root), else from the
/// repository the settings file belongs to (the directory above it holding build/settings.json), so that a post-build
/// step running in an IDE's build folder with --settings REPO/out/settings.effective.json signs with that
/// repository's key.</summary>
public static class KeyOption
{
    public static SigningKey Load(string? option, BuildSettings settings)
    {
        if (option is not null)
            return SigningKey.Load(option);
        if (settings.SigningKey is null)
            throw new Stm32BootException($"SigningKey is empty in {settings.SourceName}; pass --key KEY.pem.");
        var path = Resolve(settings.SigningKey, settings);
        if (!File.Exists(path))
        {
            var root = RepositoryOf(settings.SourceName);
            throw new Stm32BootException($"SigningKey '{settings.SigningKey}' ({settings.SourceName}) not found from {Directory.GetCurrentDirectory()}" +
                                         (root is null ? "" : $" nor from {root}") + "; run from the repository's root, or pass --key KEY.pem.");
        }
        return SigningKey.Load(path);
    }

    /// <summary>As <see cref="Load"/>, but null when no --key was given and the settings' key file is not there.</summary>
    public static SigningKey? TryLoad(string? option, BuildSettings settings) =>
        option is null && (settings.SigningKey is null || !File.Exists(Resolve(settings.SigningKey, settings))) ? null : Load(option, settings);

    private static string Resolve(string signingKey, BuildSettings settings) =>
        Path.IsPathRooted(signingKey) || File.Exists(signingKey) || RepositoryOf(settings.SourceName) is not { } root
            ? signingKey
            : Path.Combine(root, signingKey);

    // The repository a settings file lies in (out/settings.effective.json, build/settings.json); null for the settings
    // built into the tool or a file outside any repository.
    private static string? RepositoryOf(string settingsSource)
    {
        if (!File.Exists(settingsSource))
            return null;
        for (var dir = new FileInfo(settingsSource).Directory; dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "build", "settings.json")))
                return dir.FullName;
        return null;
    }
}
