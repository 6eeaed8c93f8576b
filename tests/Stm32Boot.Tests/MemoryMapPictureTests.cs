using System.Text.Json.Nodes;
using System.Xml.Linq;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>
/// docs/memory-map.svg and docs/memory-map-swap.svg are the memory map of the shipped settings as `stm32boot generate`
/// draws it (MemoryMapSvg): after a change of MemoryMap or of the drawing, copy out/gen/memory-map.svg over the first
/// (and a swap build's over the second); this test says so when they differ.
/// </summary>
public class MemoryMapPictureTests
{
    public static TheoryData<string, string> Pictures => new()
    {
        { "memory-map.svg", "single" },
        { "memory-map-swap.svg", "swap" },
    };

    [Theory]
    [MemberData(nameof(Pictures))]
    public void The_docs_picture_is_the_one_the_shipped_memory_map_gives(string file, string slotMode)
    {
        var expected = MemoryMapSvg.Render(ShippedSettings(slotMode).MemoryMap);

        var actual = File.ReadAllText(Repository.Path("docs", file));

        Assert.True(expected == actual,
            $"docs/{file} is not the picture of build/settings.json's MemoryMap (SlotMode {slotMode}). Regenerate it: " +
            $"dotnet out/dotnet/bin/stm32boot/release/stm32boot.dll generate --settings SETTINGS --out DIR and copy DIR/{MemoryMapSvg.FileName} to docs/{file}.");
    }

    [Fact]
    public void The_picture_is_well_formed_svg_naming_every_flash_region_with_its_range()
    {
        var map = ShippedSettings("swap").MemoryMap;

        var svg = XDocument.Parse(MemoryMapSvg.Render(map));

        Assert.Equal("{http://www.w3.org/2000/svg}svg", svg.Root!.Name.ToString());
        var texts = svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToList();
        foreach (var region in map.FlashRegions)
            Assert.Contains($"{HexNumber.Format(region.Base)} – {HexNumber.Format(region.Last)}", texts);
        Assert.Contains(HexNumber.Format(map.Sram1.Base), texts);
        Assert.Contains(HexNumber.Format(map.RollbackOtp.Base), texts);
    }

    [Fact]
    public void Another_bootloader_size_draws_another_picture()
    {
        var json = JsonNode.Parse(File.ReadAllText(Repository.Path("build", "settings.json")))!;
        json["MemoryMap"]!["BootloaderSize"] = "0x10000";
        var map = BuildSettings.Parse(json.ToJsonString(), "test").MemoryMap;

        var texts = XDocument.Parse(MemoryMapSvg.Render(map)).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToList();

        Assert.Contains("0x08000000 – 0x0800FFFF", texts);
        Assert.Contains("0x08010800 – 0x080FFFFF", texts);
    }

    private static BuildSettings ShippedSettings(string slotMode)
    {
        var json = JsonNode.Parse(File.ReadAllText(Repository.Path("build", "settings.json")))!;
        json["SlotMode"] = slotMode;
        return BuildSettings.Parse(json.ToJsonString(), "build/settings.json");
    }
}
