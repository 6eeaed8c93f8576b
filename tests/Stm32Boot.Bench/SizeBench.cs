// Flash use of the shipped images against their regions, and the bootloader against its size budget
// (BOOTLOADER_FLASH_BUDGET in CMakeLists.txt, the one place it is set; the link fails above it): the shipped
// bootloader, which requires signatures, and the same bootloader built without them (out/variants/unsigned,
// RequireSignature false), whose link must then leave out the signature code (image_verify.c and BearSSL); the
// SlotMode swap, protected (Protection wrp+rdp1) and quiet-boot (BootBanner quiet) variants.
using System.Text.RegularExpressions;
using Spectre.Console;
using Spectre.Console.Rendering;
using Stm32Boot;

namespace Stm32Boot.Bench;

internal static class SizeBench
{
    public static IRenderable Run(string outDir)
    {
        var settings = BuildSettings.Load(Path.Combine(outDir, "settings.effective.json"));
        var map = settings.MemoryMap;
        var budget = Budget(Path.Combine(outDir, "firmware", settings.BuildType.ToString().ToLowerInvariant()));

        var shippedElf = ElfImage.Load(Path.Combine(outDir, "bootloader.elf"));
        var bootloader = FlashBytes(shippedElf.Memory, map.Bootloader);
        var factory = IntelHexReader.ReadFile(Path.Combine(outDir, "factory.hex")).Image;
        var application = FlashBytes(factory, map.Image);

        var table = new Table().Title($"image sizes ({settings.BuildType})")
            .AddColumn("image").AddColumn(new TableColumn("flash bytes").RightAligned())
            .AddColumn(new TableColumn("% of region").RightAligned()).AddColumn(new TableColumn("budget").RightAligned())
            .AddColumn(new TableColumn("% of budget").RightAligned());
        void Bootloader(string name, long bytes, uint? ownBudget = null)
        {
            var limit = ownBudget ?? budget;
            table.AddRow(name, $"{bytes:N0}", $"{100.0 * bytes / map.Bootloader.Size:F1} %", $"{limit:N0}", $"{100.0 * bytes / limit:F1} %");
        }
        Bootloader(settings.RequireSignature ? "bootloader, signed images" : "bootloader (RequireSignature false)", bootloader);

        var unsignedPath = Path.Combine(outDir, "variants", "unsigned", "firmware", "bootloader.elf");
        if (File.Exists(unsignedPath))
        {
            var unsignedElf = ElfImage.Load(unsignedPath);
            var withoutSignatures = FlashBytes(unsignedElf.Memory, map.Bootloader);
            Bootloader("bootloader, no signatures", withoutSignatures);
            table.AddRow("  signature code",  $"{bootloader - withoutSignatures:N0}", "", "", "");
            var leftOver = SignatureSymbols(unsignedElf);
            table.Caption(leftOver.Count == 0
                ? $"No signatures: out/variants/unsigned (RequireSignature false), whose link has none of the signature code ({SignatureSymbols(shippedElf).Count} image_verify/BearSSL symbols in the shipped bootloader, 0 here)."
                : $"[yellow]No signatures: out/variants/unsigned (RequireSignature false), whose link still has signature code: {Markup.Escape(string.Join(", ", leftOver.Take(8)))}" +
                  $"{(leftOver.Count > 8 ? $" and {leftOver.Count - 8} more" : "")}.[/]");
        }
        else
            table.AddRow("bootloader without signatures", "[yellow]skipped: no out/variants/unsigned (./build.sh --target=Variants)[/]", "", "", "");
        // SlotMode swap has its own budget (CMakeLists.txt picks it from the variant's build_config.h).
        var swapFirmware = Path.Combine(outDir, "variants", "swap", "firmware");
        if (File.Exists(Path.Combine(swapFirmware, "bootloader.elf")))
            Bootloader("bootloader, SlotMode swap", FlashBytes(ElfImage.Load(Path.Combine(swapFirmware, "bootloader.elf")).Memory, map.Bootloader), Budget(swapFirmware));
        else
            table.AddRow("bootloader, SlotMode swap", "[yellow]skipped: no out/variants/swap (./build.sh --target=Variants)[/]", "", "", "");
        // The other single-slot variants against the same budget: the protected one is the fullest (option bytes code).
        foreach (var (name, variant) in new[] { ("bootloader, Protection wrp+rdp1", "protected"), ("bootloader, BootBanner quiet", "quiet-boot") })
        {
            var elf = Path.Combine(outDir, "variants", variant, "firmware", "bootloader.elf");
            if (File.Exists(elf))
                Bootloader(name, FlashBytes(ElfImage.Load(elf).Memory, map.Bootloader));
            else
                table.AddRow(name, $"[yellow]skipped: no out/variants/{variant} (./build.sh --target=Variants)[/]", "", "", "");
        }
        table.AddRow("application", $"{application:N0}", $"{100.0 * application / map.Image.Size:F1} %", "", "");
        return table;
    }

    /// BOOTLOADER_FLASH_BUDGET as CMake configured the build directory (CMakeLists.txt sets it, by SlotMode).
    private static uint Budget(string buildDirectory)
    {
        var cache = File.ReadAllText(Path.Combine(buildDirectory, "CMakeCache.txt"));
        return uint.Parse(Regex.Match(cache, @"^BOOTLOADER_FLASH_BUDGET:STRING=(\d+)$", RegexOptions.Multiline).Groups[1].Value);
    }

    private static long FlashBytes(MemoryImage image, MemoryRegion region) => image.Slice(region).ByteCount;

    /// The symbols only the signature check brings: image_verify.c's, and BearSSL's (every BearSSL name starts br_).
    /// Not the marker GCC's link-time optimisation leaves for every source file it read ("image_verify.c.e193bf0f"),
    /// which is no code.
    private static IReadOnlyList<string> SignatureSymbols(ElfImage elf) =>
        elf.SymbolNames.Where(n => (n.StartsWith("br_", StringComparison.Ordinal) || n.StartsWith("image_verify", StringComparison.Ordinal)
                                    || n.StartsWith("image_signature", StringComparison.Ordinal))
                                   && !System.Text.RegularExpressions.Regex.IsMatch(n, @"\.c\.[0-9a-f]+$"))
            .Order(StringComparer.Ordinal).ToList();
}
