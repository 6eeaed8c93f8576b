namespace Stm32Boot.EndToEnd.Tests;

/// <summary>The build's outputs (out/, or BOOT_OUT_DIR as the Test task sets it) and the settings they were built with.</summary>
public static class Shipped
{
    public static string OutDir { get; } = Environment.GetEnvironmentVariable("BOOT_OUT_DIR") ?? Path.Combine(FindRoot(), "out");

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

    /// <summary>The linked, unstamped application ELF of the build, stamped again here with another version.</summary>
    public static StampResult Application(FirmwareVersion version) =>
        Stamper.Stamp(Path.Combine(OutDir, "firmware", Settings.BuildType.ToString().ToLowerInvariant(), "application.elf"), Settings, version);

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
