using System.Text.Json.Nodes;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>SlotMode in build/settings.json: one slot updated in place ("single"), or a secondary slot in bank 2 that
/// updates are swapped in from, with a trial start and a revert ("swap").</summary>
public class SlotModeSettingsTests
{
    private static BuildSettings Swap(params (string Key, JsonNode Value)[] more)
    {
        var json = JsonNode.Parse(TestSettings.With("SlotMode", "swap"))!;
        foreach (var (key, value) in more)
        {
            var parts = key.Split('.');
            (parts.Length == 2 ? json[parts[0]]! : json)[parts[^1]] = value;
        }
        return BuildSettings.Parse(json.ToJsonString(), "test-settings.json");
    }

    private static string Rendered(BuildSettings settings, string name) =>
        MemoryMapGenerator.Render(settings).Single(f => f.Name == name).Content;

    [Fact]
    public void The_shipped_default_is_single()
    {
        Assert.Equal(SlotMode.Single, BuildSettings.Default.SlotMode);
        Assert.Equal(SlotMode.Single, TestSettings.Defaults.SlotMode);
        Assert.Equal(SlotMode.Single, TestSettings.Defaults.MemoryMap.SlotMode);
    }

    [Theory]
    [InlineData("single", SlotMode.Single, 0)]
    [InlineData("swap", SlotMode.Swap, 1)]
    public void Each_value_renders_into_build_config_h(string value, SlotMode expected, int swap)
    {
        var settings = TestSettings.ParseWith("SlotMode", value);

        Assert.Equal(expected, settings.SlotMode);
        Assert.Contains($"#define SLOT_MODE_SWAP {swap}\n", Rendered(settings, MemoryMapGenerator.BuildConfigHeader));
    }

    [Theory]
    [InlineData("\"dual\"", "SlotMode 'dual' is not one of \"single\", \"swap\" (single: one application slot")]
    [InlineData("\"Swap\"", "SlotMode 'Swap' is not one of")]
    [InlineData("\"\"", "SlotMode '' is not one of")]
    [InlineData("2", "SlotMode must be a string, not 2.")]
    public void Other_values_are_refused_with_the_choices(string json, string expected)
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith("SlotMode", JsonNode.Parse(json)));

        Assert.StartsWith("test-settings.json: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_missing_key_is_named()
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith("SlotMode", null));

        Assert.Equal("test-settings.json: SlotMode is missing.", error.Message);
    }

    [Fact]
    public void Swap_needs_boot_attempts_because_the_trial_is_what_lets_the_bootloader_revert()
    {
        var error = Assert.Throws<Stm32BootException>(() => Swap(("BootAttempts", 0)));

        Assert.StartsWith("test-settings.json: SlotMode swap needs BootAttempts >= 1: the trial start is what lets the bootloader revert", error.Message);
        Assert.Equal(1u, Swap(("BootAttempts", 1)).BootAttempts);
        // Single mode keeps BootAttempts 0 (the rule off).
        Assert.Equal(0u, TestSettings.ParseWith("BootAttempts", 0).BootAttempts);
    }

    [Fact]
    public void Swap_on_the_1_MB_part_is_the_map_of_the_contract()
    {
        var map = Swap().MemoryMap;

        Assert.Equal(SlotMode.Swap, map.SlotMode);
        Assert.Equal(new MemoryRegion("header", 0x08020000, 0x800), map.Header);
        // The primary slot ends with bank 1 (RM0351 §3.3.1: bank 2 starts at 0x08080000 on the 1 MB part).
        Assert.Equal(new MemoryRegion("image", 0x08020800, 0x5F800), map.Image);
        Assert.Equal(new MemoryRegion("primary slot", 0x08020000, 0x60000), map.Slot);
        Assert.Equal(192u, map.SlotPages);
        Assert.Equal(new MemoryRegion("previous", 0x08080000, 0x60000), map.Previous);
        Assert.Equal(new MemoryRegion("secondary", 0x08080800, 0x60000), map.Secondary);
        // (4 + 2 * 192) double words = 3104 bytes: two pages per area.
        Assert.Equal(0x1000u, map.SwapStatusAreaSize);
        Assert.Equal(new MemoryRegion("swap status", 0x080E0800, 0x2000), map.SwapStatus);
        Assert.Equal([new MemoryRegion("swap status 0", 0x080E0800, 0x1000), new MemoryRegion("swap status 1", 0x080E1800, 0x1000)], map.SwapStatusAreas);
        Assert.Equal(new MemoryRegion("free", 0x080E2800, 0x1D800), map.Free);
    }

    [Fact]
    public void Single_mode_has_no_bank_2_regions_and_its_slot_runs_to_the_end_of_flash()
    {
        var map = TestSettings.Defaults.MemoryMap;

        Assert.Equal(new MemoryRegion("primary slot", 0x08020000, 0xE0000), map.Slot);
        Assert.Null(map.Previous);
        Assert.Null(map.Secondary);
        Assert.Null(map.SwapStatus);
        Assert.Null(map.Free);
        Assert.Empty(map.SwapStatusAreas);
        Assert.Equal(["bootloader", "header", "image"], map.FlashRegions.Select(r => r.Name));
    }

    [Theory]
    [InlineData("0x00100000")]
    [InlineData("0x00080000")]
    [InlineData("0x00040000")]
    public void The_swap_regions_tile_the_flash_without_overlap_for_every_flash_size(string flashSize)
    {
        var map = Swap(("MemoryMap.FlashSize", flashSize), ("MemoryMap.BootloaderSize", "0x00008000")).MemoryMap;

        var regions = map.FlashRegions;
        Assert.Equal(map.Flash.Base, regions[0].Base);
        Assert.Equal(map.Flash.End, regions[^1].End);
        for (var i = 1; i < regions.Count; i++)
            Assert.Equal(regions[i - 1].End, regions[i].Base);
        Assert.Equal(map.Flash.Base + map.Flash.Size / 2, map.Image.End);
        Assert.Equal(map.Image.End, map.Previous!.Base);
        Assert.Equal(map.Previous.Base + map.PageSize, map.Secondary!.Base);
        Assert.False(map.Previous.Overlaps(map.Bootloader) || map.Secondary.Overlaps(map.Slot) || map.SwapStatus!.Overlaps(map.Secondary));
        Assert.Equal(map.Slot.Size, map.Secondary.Size);
        Assert.True(map.SwapStatusAreaSize >= (4 + 2 * map.SlotPages) * 8);
        Assert.Equal(0u, map.SwapStatusAreaSize % map.PageSize);
    }

    [Theory]
    // 256 KB: bank 1 is 128 KB, all of it the shipped bootloader's region.
    [InlineData("MemoryMap.FlashSize", "0x00040000",
        "SlotMode swap: MemoryMap.BootloaderSize 0x00020000 + HeaderSize 0x00000800 leaves no room for the primary slot's image in bank 1 (0x00020000 bytes, half of FlashSize 0x00040000, RM0351 §3.3.1)")]
    // 8 KB of bootloader leaves a 504 KB slot in bank 1: bank 2 cannot also hold a page and two 2-page status areas.
    [InlineData("MemoryMap.BootloaderSize", "0x00002000",
        "SlotMode swap does not fit: bank 2 (0x00080000 bytes) must hold the previous image's first page (0x00000800) + the secondary slot (0x0007E000, as large as the primary: bank 1 less MemoryMap.BootloaderSize) + two swap status areas (2 x 0x00001000) = 0x00080800; MemoryMap.BootloaderSize must be at least 0x00002800.")]
    public void A_swap_layout_that_does_not_fit_is_refused_naming_the_keys(string key, string value, string expected)
    {
        var error = Assert.Throws<Stm32BootException>(() => Swap((key, value)));

        Assert.StartsWith($"test-settings.json: {expected}", error.Message);
        // The same numbers are fine in single mode.
        Assert.Equal(SlotMode.Single, TestSettings.ParseWith(key, value).SlotMode);
    }

    [Fact]
    public void The_smallest_bootloader_region_the_swap_fits_is_accepted()
    {
        var map = Swap(("MemoryMap.BootloaderSize", "0x00002800")).MemoryMap;

        Assert.Equal(map.Flash.End, map.SwapStatus!.End);
        Assert.Equal(0u, map.Free!.Size);
        Assert.DoesNotContain(map.FlashRegions, r => r.Name == "free");
        Assert.Throws<Stm32BootException>(() => Swap(("MemoryMap.BootloaderSize", "0x00002000")));
    }

    [Fact]
    public void Swap_mode_generates_the_bank_2_macros_and_the_image_region_of_bank_1()
    {
        var settings = Swap();
        var header = Rendered(settings, MemoryMapGenerator.MemoryMapHeader);

        Assert.Contains("#define MM_IMAGE_SIZE            0x0005F800u\n", header);
        Assert.Contains("#define MM_SLOT_SIZE             0x00060000u\n", header);
        Assert.Contains("#define MM_PREVIOUS_BASE         0x08080000u\n", header);
        Assert.Contains("#define MM_SECONDARY_BASE        0x08080800u\n", header);
        Assert.Contains("#define MM_SWAP_STATUS_BASE      0x080E0800u\n", header);
        Assert.Contains("#define MM_SWAP_STATUS_AREA_SIZE 0x00001000u\n", header);
        Assert.Contains("  APP_IMAGE  (rx)  : ORIGIN = 0x08020800, LENGTH = 0x0005F800\n", Rendered(settings, MemoryMapGenerator.LinkerMemory));
    }

    [Fact]
    public void Single_mode_generates_only_the_slot_size()
    {
        var header = Rendered(TestSettings.Defaults, MemoryMapGenerator.MemoryMapHeader);

        Assert.Contains("#define MM_SLOT_SIZE         0x000E0000u\n", header);
        Assert.DoesNotContain("MM_PREVIOUS_BASE", header);
        Assert.DoesNotContain("MM_SECONDARY_BASE", header);
        Assert.DoesNotContain("MM_SWAP_STATUS", header);
    }
}
