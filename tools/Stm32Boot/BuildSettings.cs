using System.Text.Json;
using System.Text.RegularExpressions;
using Stm32Boot.Uart;

namespace Stm32Boot;

/// <summary>
/// build/settings.json: the version, board id and memory map every other part is generated from. The repository's
/// file is embedded in this library (<see cref="Default"/>); the Cake build passes an effective copy with
/// <c>--settings</c>. Keys match without regard to case, as in .NET configuration (which the build uses to
/// apply overrides such as STM32BOOT_VERSION); unknown keys are refused so that a misspelt key cannot silently
/// fall back to a default.
/// </summary>
public sealed partial class BuildSettings
{
    /// <summary>How errors about the embedded defaults name their source.</summary>
    public const string EmbeddedSourceName = "build/settings.json (built into stm32boot)";

    private const string ResourceName = "Stm32Boot.build.settings.json";

    /// <summary>Longer windows would hold every boot for more than a minute, which no caller means.</summary>
    public const uint MaxDoubleResetWindowMs = 60_000;

    /// <summary>After a cold power-up the LSE crystal needs about 2 s before USB can run (CLK48 is trimmed against
    /// it), so a shorter boot window would end before any drive could be read.</summary>
    public const uint MinUsbBootWindowMs = 3_000;

    /// <summary>As for the double-reset window: more than a minute of every boot is not what anyone means.</summary>
    public const uint MaxUsbBootWindowMs = 60_000;

    /// <summary>The header page's boot-attempt state has room for seven start marks (bootloader/core/boot_state.h).</summary>
    public const uint MaxBootAttempts = 7;

    private static readonly string[] TopLevelKeys =
    [
        "Version", "BootloaderVersion", "BoardId", "BuildType", "ToolchainPrefix", "DoubleResetWindowMs", "FlashPort", "FlashBaud",
        "UsbFirmwareName", "AllowDowngrade", "UsbBootWindowMs", "BootAttempts", "Protection", "SigningKey", "TrustedKeys", "SecurityCounter", "RequireSignature", "VerifySignatureAtBoot", "SlotMode", "BootBanner", "MemoryMap",
    ];

    private static readonly string[] MemoryMapKeys =
        ["FlashBase", "FlashSize", "PageSize", "BootloaderSize", "HeaderSize", "Sram1Base", "Sram1Size", "Sram2Base", "Sram2Size",
         "Sram2AliasBase", "RollbackOtpBase", "RollbackOtpSize"];

    private static readonly Lazy<BuildSettings> EmbeddedDefault = new(LoadEmbedded);

    public required string SourceName { get; init; }
    public required FirmwareVersion Version { get; init; }
    public required string BootloaderVersion { get; init; }
    public required uint BoardId { get; init; }
    public required BuildType BuildType { get; init; }
    public required string ToolchainPrefix { get; init; }
    public required uint DoubleResetWindowMs { get; init; }

    /// <summary>Where `stm32boot flash` (and the build's Flash task) reaches the bootloader, e.g. /dev/ttyACM0 or tcp:localhost:4444.</summary>
    public required LinkAddress FlashPort { get; init; }

    /// <summary>The baud rate `stm32boot flash` talks AN3155 at.</summary>
    public required int FlashBaud { get; init; }

    /// <summary>The file the bootloader looks for in the root directory of a USB drive (any case).</summary>
    public required UsbFirmwareName UsbFirmwareName { get; init; }

    /// <summary>Whether the bootloader programs a USB file older than the installed application.</summary>
    public required bool AllowDowngrade { get; init; }

    /// <summary>0: the USB drive is read in update mode only; otherwise every boot that would start the application
    /// first polls USB this long.</summary>
    public required uint UsbBootWindowMs { get; init; }

    /// <summary>How many times the bootloader starts an image it installed before the image confirms itself
    /// (boot_confirm()); then it stays in update mode. 0 turns the rule off: nothing is marked or counted.</summary>
    public required uint BootAttempts { get; init; }
    /// <summary>What the bootloader programs into the option bytes at its first boot (write and read protection).</summary>
    public required Protection Protection { get; init; }
    /// <summary>The PEM private key that signs the application (`stm32boot stamp`) and whose public half the bootloader
    /// trusts (`stm32boot generate` writes signing_keys.h); relative paths are from the current directory, which for
    /// the build is the repository's root. Null when the settings give none ("" or null), which only
    /// <see cref="RequireSignature"/> false allows: the image is then stamped unsigned.</summary>
    public required string? SigningKey { get; init; }

    /// <summary>Further public keys (PEM, public or private; paths as for <see cref="SigningKey"/>) the bootloader trusts
    /// besides SigningKey's: the keys a product may move to later, since the bootloader does not update itself.</summary>
    public required IReadOnlyList<string> TrustedKeys { get; init; }

    /// <summary>Stamped into the signed part of the signature block, for anti-rollback.</summary>
    public required uint SecurityCounter { get; init; }

    /// <summary>Whether the bootloader installs only images signed by a key it trusts (REQUIRE_SIGNATURE): every
    /// image is verified before it is committed. False builds a bootloader without the signature check.</summary>
    public required bool RequireSignature { get; init; }

    /// <summary>Whether the bootloader also verifies the installed image's signature at every boot
    /// (VERIFY_SIGNATURE_AT_BOOT), for images something other than the bootloader may have written; costs boot time.</summary>
    public required bool VerifySignatureAtBoot { get; init; }

    /// <summary>single: one application slot, updated in place. swap: a secondary slot in bank 2 that updates are
    /// written to and swapped in from, with a trial start and an automatic revert (<see cref="Stm32Boot.SlotMode"/>).
    /// Shapes <see cref="MemoryMap"/>.</summary>
    public required SlotMode SlotMode { get; init; }

    /// <summary>full: every banner line at every reset. quiet: a reset that starts the application with nothing to
    /// report prints nothing; news lines and every stay in update mode still print (<see cref="Stm32Boot.BootBanner"/>).</summary>
    public required BootBanner BootBanner { get; init; }

    public required MemoryMap MemoryMap { get; init; }

    /// <summary>The repository's build/settings.json as it was when this library was built.</summary>
    public static BuildSettings Default => EmbeddedDefault.Value;

    /// <summary>The settings file at <paramref name="path"/>, or <see cref="Default"/> when it is null.</summary>
    public static BuildSettings LoadOrDefault(string? path) => path is null ? Default : Load(path);

    /// <summary>Where the build writes the effective settings, relative to the repository's root.</summary>
    public static readonly string EffectiveFile = Path.Combine("out", "settings.effective.json");

    /// <summary>
    /// The effective settings of the built tree <paramref name="directory"/> lies in: the nearest directory at or
    /// above it holding both build/settings.json (a repository's root) and <see cref="EffectiveFile"/> (built there).
    /// After `./build.sh --Version=...` or STM32BOOT_BoardId=... only that file knows what the images were built
    /// with; the embedded defaults would misjudge them. Null outside a built tree.
    /// </summary>
    public static string? FindEffective(string directory)
    {
        for (var candidate = new DirectoryInfo(directory); candidate is not null; candidate = candidate.Parent)
        {
            var effective = Path.Combine(candidate.FullName, EffectiveFile);
            if (File.Exists(Path.Combine(candidate.FullName, "build", "settings.json")) && File.Exists(effective))
                return effective;
        }
        return null;
    }

    public static BuildSettings Load(string path)
    {
        if (!File.Exists(path))
            throw new MissingFileException($"Settings file '{path}' not found (pass an existing file with --settings, or omit it to use build/settings.json).");
        return Parse(File.ReadAllText(path), path);
    }

    /// <param name="json">The settings text.</param>
    /// <param name="sourceName">Names the source in error messages.</param>
    public static BuildSettings Parse(string json, string sourceName)
    {
        try
        {
            using var document = JsonDocument.Parse(json, SettingsJson.Options);
            return FromJson(document.RootElement, sourceName);
        }
        catch (JsonException e)
        {
            throw new Stm32BootException(SettingsJson.SyntaxError(sourceName, e));
        }
        catch (Stm32BootException e)
        {
            throw new Stm32BootException($"{sourceName}: {e.Message}");
        }
    }

    private static BuildSettings FromJson(JsonElement root, string sourceName)
    {
        RequireObject(root, "the top level", TopLevelKeys);
        var memoryMap = Property(root, "MemoryMap", "");
        RequireObject(memoryMap, "MemoryMap", MemoryMapKeys);

        var bootloaderVersion = String(root, "BootloaderVersion", "");
        // It becomes a C string literal and is printed in the boot banner, so nothing but a dotted version.
        if (!DottedVersion().IsMatch(bootloaderVersion))
            throw new Stm32BootException($"BootloaderVersion '{bootloaderVersion}' is not a dotted version of 1 to 4 numbers (for example 1.0.0).");

        var buildTypeText = String(root, "BuildType", "");
        // By name only: Enum.TryParse alone would also take "1" for Debug.
        if (!Enum.GetNames<BuildType>().Contains(buildTypeText, StringComparer.Ordinal) || !Enum.TryParse<BuildType>(buildTypeText, out var buildType))
            throw new Stm32BootException($"BuildType '{buildTypeText}' is not one of {string.Join(", ", Enum.GetNames<BuildType>())}.");

        var toolchainPrefix = String(root, "ToolchainPrefix", "");
        if (toolchainPrefix.Length == 0 || toolchainPrefix.Any(char.IsWhiteSpace))
            throw new Stm32BootException($"ToolchainPrefix '{toolchainPrefix}' must be a non-empty prefix without spaces, like arm-none-eabi-.");

        var window = Property(root, "DoubleResetWindowMs", "");
        if (window.ValueKind != JsonValueKind.Number || !window.TryGetUInt32(out var windowMs) || windowMs > MaxDoubleResetWindowMs)
            throw new Stm32BootException($"DoubleResetWindowMs {window.GetRawText()} must be a whole number of milliseconds from 0 (off) to {MaxDoubleResetWindowMs}.");

        var flashPort = String(root, "FlashPort", "");
        if (!LinkAddress.TryParse(flashPort, out var flashLink))
            throw new Stm32BootException($"FlashPort '{flashPort}' is not {LinkAddress.Expected}.");

        var baud = Property(root, "FlashBaud", "");
        if (baud.ValueKind != JsonValueKind.Number || !baud.TryGetInt32(out var flashBaud) || !UartFraming.IsSupportedBaud(flashBaud))
            throw new Stm32BootException($"FlashBaud {baud.GetRawText()} must be a whole number of bits per second from {UartFraming.MinBaud} to {UartFraming.MaxBaud} " +
                                         "(the range the bootloader's auto-baud detects).");

        var allowDowngrade = Bool(root, "AllowDowngrade");

        var usbWindow = Property(root, "UsbBootWindowMs", "");
        if (usbWindow.ValueKind != JsonValueKind.Number || !usbWindow.TryGetUInt32(out var usbWindowMs) || usbWindowMs > MaxUsbBootWindowMs)
            throw new Stm32BootException($"UsbBootWindowMs {usbWindow.GetRawText()} must be a whole number of milliseconds: 0 (the drive is read in update mode only) " +
                                         $"or {MinUsbBootWindowMs} to {MaxUsbBootWindowMs}.");
        if (usbWindowMs is > 0 and < MinUsbBootWindowMs)
            throw new Stm32BootException($"UsbBootWindowMs {usbWindowMs} is too short: after a cold power-up the LSE crystal needs about 2 s before USB runs, " +
                                         "so the window would close before a drive could be read. Use 0 (the drive is read in update mode only) " +
                                         $"or {MinUsbBootWindowMs} to {MaxUsbBootWindowMs}.");

        var attempts = Property(root, "BootAttempts", "");
        if (attempts.ValueKind != JsonValueKind.Number || !attempts.TryGetUInt32(out var bootAttempts) || bootAttempts > MaxBootAttempts)
            throw new Stm32BootException($"BootAttempts {attempts.GetRawText()} must be a whole number from 0 (off: every accepted image starts, " +
                                         $"nothing is counted) to {MaxBootAttempts} (the starts an unconfirmed image gets).");
        var protectionText = String(root, "Protection", "");
        if (!ProtectionNames.TryParse(protectionText, out var protection))
            throw new Stm32BootException($"Protection '{protectionText}' is not one of {string.Join(", ", ProtectionNames.All.Select(n => $"\"{n}\""))} " +
                                         "(none: option bytes left alone; wrp: the bootloader's pages write-protected; wrp+rdp1: and read " +
                                         "protection level 1; level 2 is never set, it cannot be undone).");
        var requireSignature = Bool(root, "RequireSignature");
        var verifyAtBoot = Bool(root, "VerifySignatureAtBoot");
        // Null or blank: no key. Only a bootloader that does not require signatures can do without one.
        var signingKeyValue = Property(root, "SigningKey", "");
        var signingKey = signingKeyValue.ValueKind == JsonValueKind.Null ? null : String(root, "SigningKey", "");
        if (string.IsNullOrWhiteSpace(signingKey))
            signingKey = null;
        if (signingKey is null && requireSignature)
            throw new Stm32BootException("RequireSignature is true but SigningKey is empty: SigningKey must name the PEM private key that signs " +
                                         "the application, e.g. keys/development-signing-key.pem (`stm32boot keygen` makes one); without a key " +
                                         "the bootloader would trust none and refuse every image. Set SigningKey, or RequireSignature to false.");
        if (verifyAtBoot && !requireSignature)
            throw new Stm32BootException("VerifySignatureAtBoot is true but RequireSignature is false: a bootloader that does not require " +
                                         "signatures has no signature check to run at boot. Set RequireSignature to true, or " +
                                         "VerifySignatureAtBoot to false.");

        var trustedKeysValue = Property(root, "TrustedKeys", "");
        if (trustedKeysValue.ValueKind != JsonValueKind.Array ||
            trustedKeysValue.EnumerateArray().Any(k => k.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(k.GetString())))
            throw new Stm32BootException($"TrustedKeys {trustedKeysValue.GetRawText()} must be a list of PEM key paths, e.g. [\"keys/next-product.pub.pem\"] " +
                                         "([] for none): public keys the bootloader trusts besides SigningKey's.");
        var trustedKeys = trustedKeysValue.EnumerateArray().Select(k => k.GetString()!).ToList();
        if (trustedKeys.Count > 0 && signingKey is null)
            throw new Stm32BootException("TrustedKeys lists keys but SigningKey is empty: a bootloader built without a signing key checks no " +
                                         "signature, so it would trust none of them. Set SigningKey, or TrustedKeys to [].");

        var slotModeText = String(root, "SlotMode", "");
        if (!SlotModeNames.TryParse(slotModeText, out var slotMode))
            throw new Stm32BootException($"SlotMode '{slotModeText}' is not one of {string.Join(", ", SlotModeNames.All.Select(n => $"\"{n}\""))} " +
                                         "(single: one application slot, updated in place; swap: updates go to a second slot in bank 2 " +
                                         "and are swapped in, started in trial and reverted unless they confirm themselves).");
        if (slotMode == SlotMode.Swap && bootAttempts == 0)
            throw new Stm32BootException("SlotMode swap needs BootAttempts >= 1: the trial start is what lets the bootloader revert " +
                                         "an installed image that never confirms itself. Set BootAttempts to 1..7, or SlotMode to \"single\".");

        var bootBannerText = String(root, "BootBanner", "");
        if (!BootBannerNames.TryParse(bootBannerText, out var bootBanner))
            throw new Stm32BootException($"BootBanner '{bootBannerText}' is not one of {string.Join(", ", BootBannerNames.All.Select(n => $"\"{n}\""))} " +
                                         "(full: every banner line at every reset; quiet: a boot with nothing to report prints nothing, " +
                                         "news and every stay in update mode still print).");

        var securityCounter = Property(root, "SecurityCounter", "");
        if (securityCounter.ValueKind != JsonValueKind.Number || !securityCounter.TryGetUInt32(out var counter))
            throw new Stm32BootException($"SecurityCounter {securityCounter.GetRawText()} must be a whole number from 0 to {uint.MaxValue}.");

        return new BuildSettings
        {
            SourceName = sourceName,
            Version = FirmwareVersion.Parse(String(root, "Version", ""), "Version"),
            BootloaderVersion = bootloaderVersion,
            BoardId = Hex(root, "BoardId", ""),
            BuildType = buildType,
            ToolchainPrefix = toolchainPrefix,
            DoubleResetWindowMs = windowMs,
            FlashPort = flashLink,
            FlashBaud = flashBaud,
            UsbFirmwareName = UsbFirmwareName.Parse(String(root, "UsbFirmwareName", ""), "UsbFirmwareName"),
            AllowDowngrade = allowDowngrade,
            UsbBootWindowMs = usbWindowMs,
            BootAttempts = bootAttempts,
            Protection = protection,
            SigningKey = signingKey,
            TrustedKeys = trustedKeys,
            SecurityCounter = counter,
            RequireSignature = requireSignature,
            VerifySignatureAtBoot = verifyAtBoot,
            SlotMode = slotMode,
            BootBanner = bootBanner,
            MemoryMap = MemoryMap.Create(
                Hex(memoryMap, "FlashBase", "MemoryMap."), Hex(memoryMap, "FlashSize", "MemoryMap."),
                Hex(memoryMap, "PageSize", "MemoryMap."), Hex(memoryMap, "BootloaderSize", "MemoryMap."),
                Hex(memoryMap, "HeaderSize", "MemoryMap."),
                Hex(memoryMap, "Sram1Base", "MemoryMap."), Hex(memoryMap, "Sram1Size", "MemoryMap."),
                Hex(memoryMap, "Sram2Base", "MemoryMap."), Hex(memoryMap, "Sram2Size", "MemoryMap."),
                Hex(memoryMap, "Sram2AliasBase", "MemoryMap."),
                Hex(memoryMap, "RollbackOtpBase", "MemoryMap."), Hex(memoryMap, "RollbackOtpSize", "MemoryMap."), slotMode),
        };
    }

    private static BuildSettings LoadEmbedded()
    {
        using var stream = typeof(BuildSettings).Assembly.GetManifestResourceStream(ResourceName)
                           ?? throw new InvalidOperationException($"Resource {ResourceName} is missing: Stm32Boot.csproj must embed build/settings.json.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), EmbeddedSourceName);
    }

    private static void RequireObject(JsonElement element, string where, string[] knownKeys)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new Stm32BootException($"{where} must be a JSON object.");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in element.EnumerateObject())
        {
            if (!knownKeys.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
                throw new Stm32BootException($"unknown key '{property.Name}' in {where} (known keys: {string.Join(", ", knownKeys)}).");
            if (!seen.Add(property.Name))
                throw new Stm32BootException($"key '{property.Name}' appears twice in {where} (keys match without regard to case).");
        }
    }

    private static JsonElement Property(JsonElement parent, string key, string prefix)
    {
        foreach (var property in parent.EnumerateObject())
            if (string.Equals(property.Name, key, StringComparison.OrdinalIgnoreCase))
                return property.Value;
        throw new Stm32BootException($"{prefix}{key} is missing.");
    }

    private static string String(JsonElement parent, string key, string prefix)
    {
        var value = Property(parent, key, prefix);
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new Stm32BootException($"{prefix}{key} must be a string, not {value.GetRawText()}.");
    }

    private static bool Bool(JsonElement parent, string key)
    {
        var value = Property(parent, key, "");
        return value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : throw new Stm32BootException($"{key} {value.GetRawText()} must be true or false (on the command line: --{key}=true).");
    }

    private static uint Hex(JsonElement parent, string key, string prefix)
    {
        var text = String(parent, key, prefix);
        return HexNumber.TryParse(text, out var value)
            ? value
            : throw new Stm32BootException($"{prefix}{key} '{text}' is not a 32-bit hex number written like 0x08000000.");
    }

    [GeneratedRegex(@"^[0-9]+(\.[0-9]+){0,3}$")]
    private static partial Regex DottedVersion();
}
