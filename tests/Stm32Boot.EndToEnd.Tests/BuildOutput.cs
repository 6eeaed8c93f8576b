namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// One build's outputs and the settings they were built with: out/ as ./build.sh ships it (<see cref="Shipped"/>), or
/// a variant of the Variants target that rebuilt the application too (out/variants/NAME/: settings.json, factory.hex,
/// firmware/ with bootloader and application, application.hex stamped), e.g. <see cref="Swap"/>. The helpers that make
/// images and boards take one (the shipped build unless told).
/// </summary>
public sealed class BuildOutput
{
    private readonly string _bootloaderHex, _missingHint;
    private readonly Func<BuildSettings, string> _applicationElf;
    private readonly Lazy<BuildSettings> _settings;
    private readonly Lazy<SigningKey> _signingKey;

    private BuildOutput(string name, string dir, string settingsFile, Func<BuildSettings, string> applicationElf, string bootloaderHex, string missingHint)
    {
        Name = name;
        Dir = dir;
        _missingHint = missingHint;
        _applicationElf = applicationElf;
        _bootloaderHex = bootloaderHex;
        _settings = new(() => BuildSettings.Load(File(settingsFile)));
        _signingKey = new(() => Stm32Boot.SigningKey.Load(Path.Combine(Shipped.Root, Settings.SigningKey ??
            throw new InvalidOperationException($"the {name} build's settings name no SigningKey: these tests need the build's signing key"))));
    }

    /// <summary>out/ (or BOOT_OUT_DIR): what ./build.sh ships; cmake builds the firmware into firmware/BUILDTYPE/.</summary>
    public static BuildOutput Default { get; } = new("shipped", Shipped.OutDir, "settings.effective.json",
        settings => Path.Combine("firmware", settings.BuildType.ToString().ToLowerInvariant(), "application.elf"), "bootloader.hex",
        "run ./build.sh first (the Test target does)");

    /// <summary>out/variants/swap/: SlotMode "swap", bootloader and application built for the swap map.</summary>
    public static BuildOutput Swap => LazySwap.Value;

    private static readonly Lazy<BuildOutput> LazySwap = new(() => Variant("swap"));

    /// <summary>A variant whose application was rebuilt with its settings (build.cs: VariantImages.BootloaderAndApplication):
    /// cmake builds it into NAME/firmware/, the stamp goes to NAME/application.hex.</summary>
    public static BuildOutput Variant(string name) => new(name, Path.Combine(Shipped.OutDir, "variants", name), "settings.json",
        _ => Path.Combine("firmware", "application.elf"), Path.Combine("firmware", "bootloader.hex"),
        "build the variants with ./build.sh --target=Variants (the Test target does too)");

    public string Name { get; }
    public string Dir { get; }

    public BuildSettings Settings => _settings.Value;
    public MemoryMap Map => Settings.MemoryMap;

    /// <summary>The key the build signs with (the settings' SigningKey, from the repository's root).</summary>
    public SigningKey SigningKey => _signingKey.Value;

    public string File(string name)
    {
        var path = Path.Combine(Dir, name);
        if (!System.IO.File.Exists(path))
            throw new FileNotFoundException($"{path} is missing: {_missingHint}.", path);
        return path;
    }

    /// <summary>A fresh copy of the build's factory.hex, to run as built or to break on purpose.</summary>
    public MemoryImage Factory() => IntelHexReader.ReadFile(File("factory.hex")).Image;

    /// <summary>The build's bootloader alone, as its HEX holds it.</summary>
    public MemoryImage Bootloader() => IntelHexReader.ReadFile(File(_bootloaderHex)).Image;

    /// <summary>The build's linked, unstamped application ELF stamped again here with another version and signed as the
    /// build signs its application.hex: with the settings' SigningKey and SecurityCounter unless told.</summary>
    public StampResult Application(FirmwareVersion version, ImageSigning? signing = null) =>
        Stamper.Stamp(ApplicationElf, Settings, version,
            signing ?? (Settings.SigningKey is null ? null : new ImageSigning(SigningKey, Settings.SecurityCounter)));

    /// <summary>The same, unsigned (flags bit 0 clear, no signature block).</summary>
    public StampResult UnsignedApplication(FirmwareVersion version) => Stamper.Stamp(ApplicationElf, Settings, version);

    private string ApplicationElf => File(_applicationElf(Settings));

    /// <summary>The build's bootloader with its application stamped as version.</summary>
    public MemoryImage FactoryWith(FirmwareVersion version) => With(Application(version).Image);

    /// <summary>The build's bootloader with this application, as a programmer would leave the board (factory.hex's way:
    /// the header page's end erased, so the application counts as confirmed).</summary>
    public MemoryImage With(MemoryImage application)
    {
        var image = Bootloader();
        foreach (var segment in application.Segments) image.Write(segment.Address, segment.Data);
        return image;
    }

    public override string ToString() => Name;
}
