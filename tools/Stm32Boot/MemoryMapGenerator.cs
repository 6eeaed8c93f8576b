using System.Text;

namespace Stm32Boot;

/// <summary>
/// Renders the build inputs that carry the settings into C and the linker: memory_map.h, build_config.h and
/// memory.ld. Nothing in C or linker scripts repeats these numbers; they include these files instead. And the same
/// map as a picture for readers, memory-map.svg (<see cref="MemoryMapSvg"/>).
/// </summary>
public static class MemoryMapGenerator
{
    public const string MemoryMapHeader = "memory_map.h";
    public const string BuildConfigHeader = "build_config.h";
    public const string LinkerMemory = "memory.ld";

    private const string DoNotEdit = "Generated from build/settings.json by `stm32boot generate`. Do not edit: change the settings and rebuild.";

    /// <summary>A generated file's name and text.</summary>
    public sealed record GeneratedFile(string Name, string Content);

    /// <summary>A file written (or left alone because its content was already right).</summary>
    public sealed record WrittenFile(string Path, bool Changed);

    public static IReadOnlyList<GeneratedFile> Render(BuildSettings settings) =>
    [
        new(MemoryMapHeader, RenderMemoryMap(settings.MemoryMap)),
        new(BuildConfigHeader, RenderBuildConfig(settings)),
        new(LinkerMemory, RenderLinkerMemory(settings.MemoryMap)),
        new(MemoryMapSvg.FileName, MemoryMapSvg.Render(settings.MemoryMap)),
    ];

    /// <summary>Writes the files into <paramref name="directory"/>, creating it. A file whose content is unchanged
    /// is not touched, so its timestamp stays and an incremental build recompiles nothing.</summary>
    public static IReadOnlyList<WrittenFile> Write(BuildSettings settings, string directory) => WriteFiles(Render(settings), directory);

    /// <summary>Writes generated files into <paramref name="directory"/> as <see cref="Write"/> does.</summary>
    public static IReadOnlyList<WrittenFile> WriteFiles(IEnumerable<GeneratedFile> files, string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<WrittenFile>();
        foreach (var file in files)
        {
            var path = Path.Combine(directory, file.Name);
            var changed = !File.Exists(path) || File.ReadAllText(path) != file.Content;
            if (changed)
                File.WriteAllText(path, file.Content);
            written.Add(new WrittenFile(path, changed));
        }

        return written;
    }

    private static string RenderMemoryMap(MemoryMap map)
    {
        var text = new StringBuilder();
        text.Append($"/* {DoNotEdit} */\n");
        text.Append("#ifndef MEMORY_MAP_H\n#define MEMORY_MAP_H\n\n");
        var defines = new List<(string Name, uint Value)>
        {
            ("MM_FLASH_BASE", map.Flash.Base), ("MM_FLASH_SIZE", map.Flash.Size), ("MM_FLASH_PAGE_SIZE", map.PageSize),
            ("MM_BOOTLOADER_BASE", map.Bootloader.Base), ("MM_BOOTLOADER_SIZE", map.Bootloader.Size),
            ("MM_HEADER_BASE", map.Header.Base), ("MM_HEADER_SIZE", map.Header.Size),
            ("MM_IMAGE_BASE", map.Image.Base), ("MM_IMAGE_SIZE", map.Image.Size),
            // The primary slot (header page and image region): what a swap moves and slot_port maps.
            ("MM_SLOT_SIZE", map.Slot.Size),
        };
        if (map.SlotMode == SlotMode.Swap)
            defines.AddRange(
            [
                ("MM_PREVIOUS_BASE", map.Previous!.Base), ("MM_SECONDARY_BASE", map.Secondary!.Base),
                // One area; the two are contiguous from MM_SWAP_STATUS_BASE.
                ("MM_SWAP_STATUS_BASE", map.SwapStatus!.Base), ("MM_SWAP_STATUS_AREA_SIZE", map.SwapStatusAreaSize),
            ]);
        defines.AddRange(
        [
            ("MM_SRAM1_BASE", map.Sram1.Base), ("MM_SRAM1_SIZE", map.Sram1.Size),
            ("MM_SRAM2_BASE", map.Sram2.Base), ("MM_SRAM2_SIZE", map.Sram2.Size),
            ("MM_SRAM2_ALIAS_BASE", map.Sram2Alias.Base),
            ("MM_ROLLBACK_OTP_BASE", map.RollbackOtp.Base), ("MM_ROLLBACK_OTP_SIZE", map.RollbackOtp.Size),
        ]);
        // Values in one column: one space after the longest name.
        var width = defines.Max(d => d.Name.Length) + 1;
        foreach (var (name, value) in defines)
            text.Append($"#define {name.PadRight(width)}{CHex(value)}\n");
        text.Append("\n#endif /* MEMORY_MAP_H */\n");
        return text.ToString();
    }

    private static string RenderBuildConfig(BuildSettings settings)
    {
        var version = settings.Version;
        var text = new StringBuilder();
        text.Append($"/* {DoNotEdit} */\n");
        text.Append("#ifndef BUILD_CONFIG_H\n#define BUILD_CONFIG_H\n\n");
        text.Append($"#define FW_VERSION_MAJOR {version.Major}u\n");
        text.Append($"#define FW_VERSION_MINOR {version.Minor}u\n");
        text.Append($"#define FW_VERSION_PATCH {version.Patch}u\n");
        text.Append($"#define FW_VERSION_BUILD {version.Build}u\n");
        text.Append($"#define FW_VERSION_STRING {CStringLiteral(version.ToString())}\n");
        text.Append($"#define BOOTLOADER_VERSION_STRING {CStringLiteral(settings.BootloaderVersion)}\n");
        text.Append($"#define BOARD_ID {CHex(settings.BoardId)}\n");
        text.Append($"#define DOUBLE_RESET_WINDOW_MS {settings.DoubleResetWindowMs}u\n");
        text.Append($"#define USB_FIRMWARE_NAME {CStringLiteral(settings.UsbFirmwareName.Value)}\n");
        // 0 or 1 rather than true/false: C code tests it with #if and != 0 without needing stdbool.h.
        text.Append($"#define ALLOW_DOWNGRADE {(settings.AllowDowngrade ? 1 : 0)}\n");
        text.Append($"#define USB_BOOT_WINDOW_MS {settings.UsbBootWindowMs}u\n");
        text.Append($"#define BOOT_ATTEMPTS {settings.BootAttempts}u\n");
        // Protection "none" | "wrp" | "wrp+rdp1" as two switches the bootloader tests with #if.
        text.Append($"#define PROTECT_WRP {(settings.Protection != Protection.None ? 1 : 0)}\n");
        text.Append($"#define PROTECT_RDP1 {(settings.Protection == Protection.WrpRdp1 ? 1 : 0)}\n");
        text.Append($"#define REQUIRE_SIGNATURE {(settings.RequireSignature ? 1 : 0)}\n");
        text.Append($"#define VERIFY_SIGNATURE_AT_BOOT {(settings.VerifySignatureAtBoot ? 1 : 0)}\n");
        // CMakeLists.txt reads this line for the bootloader's flash budget: keep it "#define SLOT_MODE_SWAP 0|1".
        text.Append($"#define SLOT_MODE_SWAP {(settings.SlotMode == SlotMode.Swap ? 1 : 0)}\n");
        // BootBanner "full" | "quiet" as one switch the bootloader tests with if (...) and #if.
        text.Append($"#define BOOT_BANNER_QUIET {(settings.BootBanner == BootBanner.Quiet ? 1 : 0)}\n");
        text.Append("\n#endif /* BUILD_CONFIG_H */\n");
        return text.ToString();
    }

    private static string RenderLinkerMemory(MemoryMap map)
    {
        var text = new StringBuilder();
        text.Append($"/* {DoNotEdit} */\n");
        text.Append("MEMORY\n{\n");
        foreach (var (name, attributes, region) in new[]
                 {
                     ("BOOTLOADER", "(rx)", map.Bootloader), ("APP_HEADER", "(r)", map.Header), ("APP_IMAGE", "(rx)", map.Image),
                     ("SRAM1", "(rwx)", map.Sram1), ("SRAM2", "(rwx)", map.Sram2),
                 })
            text.Append($"  {name,-10} {attributes,-5} : ORIGIN = {HexNumber.Format(region.Base)}, LENGTH = {HexNumber.Format(region.Size)}\n");
        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>
    /// <paramref name="text"/> as a C string literal. Quotes and backslashes are escaped; '?' too, because "??x" is a
    /// trigraph under -std=c11; anything outside printable ASCII becomes octal escapes of its UTF-8 bytes (octal,
    /// because a hex escape would swallow a following hex digit).
    /// </summary>
    public static string CStringLiteral(string text)
    {
        var literal = new StringBuilder("\"");
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            literal.Append(b switch
            {
                (byte)'"' or (byte)'\\' or (byte)'?' => $"\\{(char)b}",
                >= 0x20 and < 0x7F => ((char)b).ToString(),
                _ => $"\\{Convert.ToString(b, 8).PadLeft(3, '0')}",
            });
        }

        return literal.Append('"').ToString();
    }

    /// <summary>Unsigned C literal, so comparisons and shifts in C stay unsigned.</summary>
    private static string CHex(uint value) => $"0x{value:X8}u";
}
