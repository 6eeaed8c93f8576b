namespace Stm32Boot.EndToEnd.Tests;

/// <summary>The build's outputs (out/, or BOOT_OUT_DIR as the Test task sets it) and the settings they were built with.</summary>
public static class Shipped
{
    /// <summary>The repository's root, where the settings' paths (SigningKey) start.</summary>
    public static string Root { get; } = FindRoot();

    public static string OutDir { get; } = Environment.GetEnvironmentVariable("BOOT_OUT_DIR") ?? Path.Combine(Root, "out");

    public static string File(string name)
    {
        var path = Path.Combine(OutDir, name);
        if (!System.IO.File.Exists(path))
            throw new FileNotFoundException($"{path} is missing: run ./build.sh first (the Test target does).", path);
        return path;
    }

    public static BuildSettings Settings { get; } = BuildSettings.Load(File("settings.effective.json"));
    public static MemoryMap Map => Settings.MemoryMap;

    /// <summary>A fresh copy of out/factory.hex, to run as shipped or to break on purpose.</summary>
    public static MemoryImage Factory() => IntelHexReader.ReadFile(File("factory.hex")).Image;

    /// <summary>The linked, unstamped application ELF of the build, stamped again here with another version and
    /// signed as the build signs out/application.hex: with the settings' SigningKey and SecurityCounter unless told.</summary>
    public static StampResult Application(FirmwareVersion version, ImageSigning? signing = null) =>
        Stamper.Stamp(ApplicationElf, Settings, version,
            signing ?? (Settings.SigningKey is null ? null : new ImageSigning(SigningKey, Settings.SecurityCounter)));

    /// <summary>The same, unsigned (flags bit 0 clear, no signature block).</summary>
    public static StampResult UnsignedApplication(FirmwareVersion version) => Stamper.Stamp(ApplicationElf, Settings, version);

    /// <summary>The key the build signs with (the settings' SigningKey, from the repository's root).</summary>
    public static SigningKey SigningKey => LazySigningKey.Value;

    private static readonly Lazy<SigningKey> LazySigningKey = new(() => Stm32Boot.SigningKey.Load(Path.Combine(Root,
        Settings.SigningKey ?? throw new InvalidOperationException("the settings name no SigningKey: these tests need the build's signing key"))));

    private static string ApplicationElf => Path.Combine(OutDir, "firmware", Settings.BuildType.ToString().ToLowerInvariant(), "application.elf");

    /// <summary>The shipped bootloader with an application stamped as version.</summary>
    public static MemoryImage FactoryWith(FirmwareVersion version)
    {
        var image = IntelHexReader.ReadFile(File("bootloader.hex")).Image;
        foreach (var segment in Application(version).Image.Segments) image.Write(segment.Address, segment.Data);
        return image;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "build", "settings.json"))) return dir.FullName;
        throw new InvalidOperationException($"no build/settings.json above {AppContext.BaseDirectory}");
    }
}
