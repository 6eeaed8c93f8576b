using System.Globalization;
using System.Security;
using System.Text;

namespace Stm32Boot;

/// <summary>
/// The memory map as a picture (SVG), drawn from the same <see cref="MemoryMap"/> the linker script and memory_map.h
/// come from, so the picture cannot say something the build does not do. `stm32boot generate` writes it next to them
/// (out/gen/memory-map.svg); docs/memory-map.svg and docs/memory-map-swap.svg are the shipped settings' pictures,
/// kept equal to this rendering by a test. Flash on the left, low addresses at the bottom as RM0351 draws its memory
/// map; each box's height grows with its size but never below one text line, so a 2 KB header page stays readable
/// next to a 894 KB image. RAM and the anti-rollback OTP area on the right.
/// </summary>
public static class MemoryMapSvg
{
    public const string FileName = "memory-map.svg";

    private const int Width = 940, Top = 56, ColumnHeight = 520, MinBox = 34;
    private const int FlashX = 150, FlashWidth = 300, RamX = 730, RamWidth = 190;

    public static string Render(MemoryMap map)
    {
        var flash = map.SlotMode == SlotMode.Swap
            ? map.FlashRegions.Select(r => (Region: r, Label: FlashLabel(r), Fill: FlashFill(r.Name))).ToList()
            : [(map.Bootloader, "bootloader", "#f5cba7"), (map.Header, "application header", "#f9e79f"),
               (map.Image, "application image (vector table first)", "#aed6f1")];
        var ram = new List<(MemoryRegion Region, string Label, string Fill)>
        {
            (map.Sram1, "SRAM1", "#abebc6"),
            (map.Sram2Alias, "SRAM2 alias", "#a9dfbf"),
        };

        var svg = new StringBuilder();
        var height = Top + ColumnHeight + 70;
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n");
        svg.Append("<!-- Generated from build/settings.json (MemoryMap, SlotMode) by `stm32boot generate`; do not edit. -->\n");
        svg.Append($"<rect width=\"{Width}\" height=\"{height}\" fill=\"#ffffff\"/>\n");
        var mode = map.SlotMode == SlotMode.Swap ? "SlotMode swap" : "SlotMode single";
        Text(svg, Width / 2, 24, $"STM32L475 memory map ({mode})", "middle", "16", bold: true);
        Text(svg, FlashX + FlashWidth / 2, Top - 10, $"flash {HexNumber.Format(map.Flash.Base)}, {Size(map.Flash.Size)}, pages of {Size(map.PageSize)}", "middle", "12");
        Text(svg, RamX + RamWidth / 2, Top - 10, "RAM", "middle", "12");

        Column(svg, flash, FlashX, FlashWidth, ColumnHeight, labelsRight: true);
        var ramHeight = 220;
        Column(svg, ram, RamX, RamWidth, ramHeight, labelsRight: false);
        Text(svg, RamX + RamWidth / 2, Top + ramHeight + 18, $"SRAM2 itself: {HexNumber.Format(map.Sram2.Base)} – {HexNumber.Format(map.Sram2.Last)}", "middle", "11");

        var otpY = Top + ramHeight + 70;
        Text(svg, RamX + RamWidth / 2, otpY - 10, "OTP: anti-rollback minimum", "middle", "12");
        Box(svg, RamX, otpY, RamWidth, MinBox, "#d7dbdd", $"rollback OTP · {Size(map.RollbackOtp.Size)}");
        AddressLabel(svg, RamX - 8, otpY + MinBox, map.RollbackOtp.Base, "end");
        AddressLabel(svg, RamX - 8, otpY + 12, (uint)map.RollbackOtp.End, "end");

        Text(svg, 20, height - 18, "Boxes grow with their size but never below one line of text. Left of each line: the address where the box above it starts.", "start", "11");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Column(StringBuilder svg, IReadOnlyList<(MemoryRegion Region, string Label, string Fill)> regions, int x, int width,
                               int columnHeight, bool labelsRight)
    {
        var total = regions.Sum(r => (double)r.Region.Size);
        // Heights proportional to size, then the small ones raised to MinBox and the rest scaled into what is left.
        var small = regions.Where(r => r.Region.Size / total * columnHeight < MinBox).ToList();
        var largeTotal = regions.Except(small).Sum(r => (double)r.Region.Size);
        var left = columnHeight - small.Count * MinBox;
        var y = (double)Top + columnHeight;
        foreach (var (region, label, fill) in regions)
        {
            var h = small.Contains((region, label, fill)) ? MinBox : Math.Round(region.Size / largeTotal * left);
            y -= h;
            Box(svg, x, (int)y, width, (int)h, fill, $"{label} · {Size(region.Size)}");
            AddressLabel(svg, x - 8, (int)(y + h), region.Base, "end");
            if (labelsRight)
                Text(svg, x + width + 8, (int)(y + h) - 4, $"{HexNumber.Format(region.Base)} – {HexNumber.Format(region.Last)}", "start", "11");
        }

        AddressLabel(svg, x - 8, (int)y + 12, (uint)regions[^1].Region.End, "end");
    }

    private static void Box(StringBuilder svg, int x, int y, int width, int height, string fill, string label)
    {
        svg.Append(CultureInfo.InvariantCulture,
            $"<rect x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"{height}\" fill=\"{fill}\" stroke=\"#34495e\" stroke-width=\"1\"/>\n");
        Text(svg, x + width / 2, y + height / 2 + 4, label, "middle", "12");
    }

    private static void AddressLabel(StringBuilder svg, int x, int y, uint address, string anchor) =>
        Text(svg, x, y, HexNumber.Format(address), anchor, "11", monospace: true);

    private static void Text(StringBuilder svg, int x, int y, string text, string anchor, string size, bool bold = false, bool monospace = false) =>
        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{x}\" y=\"{y}\" text-anchor=\"{anchor}\" font-size=\"{size}\"{(bold ? " font-weight=\"bold\"" : "")}{(monospace ? " font-family=\"DejaVu Sans Mono, monospace\"" : "")}>{SecurityElement.Escape(text)}</text>\n");

    private static string FlashLabel(MemoryRegion region) => region.Name switch
    {
        "bootloader" => "bootloader",
        "header" => "application header",
        "image" => "application image (primary slot)",
        "secondary" => "secondary slot: updates land here",
        "previous, first page" => "previous: first page",
        "free" => "free for the application",
        var name => name,
    };

    private static string FlashFill(string name) => name switch
    {
        "bootloader" => "#f5cba7",
        "header" => "#f9e79f",
        "image" => "#aed6f1",
        "previous, first page" or "secondary" => "#d2b4de",
        "free" => "#e5e7e9",
        _ => "#f5b7b1",
    };

    private static string Size(uint bytes) =>
        bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MB" : bytes % 1024 == 0 ? $"{bytes / 1024} KB" : $"{bytes} B";
}
