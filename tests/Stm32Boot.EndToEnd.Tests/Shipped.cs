namespace Stm32Boot.EndToEnd.Tests;

/// <summary>The build's outputs (out/, or BOOT_OUT_DIR as the Test task sets it) and the settings they were built with:
/// <see cref="BuildOutput.Default"/>, which the variants' <see cref="BuildOutput"/>s sit beside.</summary>
public static class Shipped
{
    /// <summary>The repository's root, where the settings' paths (SigningKey) start.</summary>
    public static string Root { get; } = FindRoot();

    public static string OutDir { get; } = Environment.GetEnvironmentVariable("BOOT_OUT_DIR") ?? Path.Combine(Root, "out");

    public static BuildOutput Build => BuildOutput.Default;

    public static string File(string name) => Build.File(name);

    public static BuildSettings Settings => Build.Settings;
    public static MemoryMap Map => Settings.MemoryMap;

    /// <summary>A fresh copy of out/factory.hex, to run as shipped or to break on purpose.</summary>
    public static MemoryImage Factory() => Build.Factory();

    /// <summary>The linked, unstamped application ELF of the build, stamped again here with another version and
    /// signed as the build signs out/application.hex: with the settings' SigningKey and SecurityCounter unless told.</summary>
    public static StampResult Application(FirmwareVersion version, ImageSigning? signing = null) => Build.Application(version, signing);

    /// <summary>The same, unsigned (flags bit 0 clear, no signature block).</summary>
    public static StampResult UnsignedApplication(FirmwareVersion version) => Build.UnsignedApplication(version);

    /// <summary>The key the build signs with (the settings' SigningKey, from the repository's root).</summary>
    public static SigningKey SigningKey => Build.SigningKey;

    /// <summary>The shipped bootloader with an application stamped as version.</summary>
    public static MemoryImage FactoryWith(FirmwareVersion version) => Build.FactoryWith(version);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "build", "settings.json"))) return dir.FullName;
        throw new InvalidOperationException($"no build/settings.json above {AppContext.BaseDirectory}");
    }
}
