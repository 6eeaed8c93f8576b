// Flash use of the shipped images against their regions, and the bootloader against its size budget
// (BOOTLOADER_FLASH_BUDGET in CMakeLists.txt, the one place it is set; the link fails above it).
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
        var cache = File.ReadAllText(Path.Combine(outDir, "firmware", settings.BuildType.ToString().ToLowerInvariant(), "CMakeCache.txt"));
        var budget = uint.Parse(Regex.Match(cache, @"^BOOTLOADER_FLASH_BUDGET:STRING=(\d+)$", RegexOptions.Multiline).Groups[1].Value);

        var bootloader = FlashBytes(ElfImage.Load(Path.Combine(outDir, "bootloader.elf")).Memory, map.Bootloader);
        var factory = IntelHexReader.ReadFile(Path.Combine(outDir, "factory.hex")).Image;
        var application = FlashBytes(factory, map.Image);

        var table = new Table().Title($"image sizes ({settings.BuildType})")
            .AddColumn("image").AddColumn(new TableColumn("flash bytes").RightAligned())
            .AddColumn(new TableColumn("% of region").RightAligned()).AddColumn(new TableColumn("budget").RightAligned())
            .AddColumn(new TableColumn("% of budget").RightAligned());
        table.AddRow("bootloader", $"{bootloader:N0}", $"{100.0 * bootloader / map.Bootloader.Size:F1} %", $"{budget:N0}", $"{100.0 * bootloader / budget:F1} %");
        table.AddRow("application", $"{application:N0}", $"{100.0 * application / map.Image.Size:F1} %", "", "");
        return table;
    }

    private static long FlashBytes(MemoryImage image, MemoryRegion region) => image.Slice(region).ByteCount;
}
