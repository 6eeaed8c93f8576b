using Xunit;

namespace Stm32Boot.Tests;

public class MemoryMapGeneratorTests
{
    [Theory]
    [InlineData(MemoryMapGenerator.MemoryMapHeader)]
    [InlineData(MemoryMapGenerator.BuildConfigHeader)]
    [InlineData(MemoryMapGenerator.LinkerMemory)]
    public void Default_settings_render_the_golden_files(string name)
    {
        var golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", name));

        var rendered = MemoryMapGenerator.Render(TestSettings.Defaults).Single(f => f.Name == name);

        Assert.Equal(golden, rendered.Content);
    }

    [Fact]
    public void An_override_changes_the_generated_numbers()
    {
        var json = TestSettings.With("MemoryMap.BootloaderSize", "0x00010000");
        json = json.Replace("\"1.0.0.1\"", "\"2.5.0.17\"").Replace("\"0x04150001\"", "\"0x0415ABCD\"").Replace("500", "0");
        var files = MemoryMapGenerator.Render(BuildSettings.Parse(json, "override.json")).ToDictionary(f => f.Name, f => f.Content);

        Assert.Contains("#define MM_HEADER_BASE       0x08010000u\n", files[MemoryMapGenerator.MemoryMapHeader]);
        Assert.Contains("#define MM_IMAGE_BASE        0x08010800u\n", files[MemoryMapGenerator.MemoryMapHeader]);
        Assert.Contains("#define MM_IMAGE_SIZE        0x000EF800u\n", files[MemoryMapGenerator.MemoryMapHeader]);
        Assert.Contains("  APP_IMAGE  (rx)  : ORIGIN = 0x08010800, LENGTH = 0x000EF800\n", files[MemoryMapGenerator.LinkerMemory]);
        Assert.Contains("  BOOTLOADER (rx)  : ORIGIN = 0x08000000, LENGTH = 0x00010000\n", files[MemoryMapGenerator.LinkerMemory]);
        Assert.Contains("#define FW_VERSION_MINOR 5u\n", files[MemoryMapGenerator.BuildConfigHeader]);
        Assert.Contains("#define FW_VERSION_BUILD 17u\n", files[MemoryMapGenerator.BuildConfigHeader]);
        Assert.Contains("#define FW_VERSION_STRING \"2.5.0.17\"\n", files[MemoryMapGenerator.BuildConfigHeader]);
        Assert.Contains("#define BOARD_ID 0x0415ABCDu\n", files[MemoryMapGenerator.BuildConfigHeader]);
        Assert.Contains("#define DOUBLE_RESET_WINDOW_MS 0u\n", files[MemoryMapGenerator.BuildConfigHeader]);
    }

    [Fact]
    public void Write_leaves_unchanged_files_untouched_and_rewrites_changed_ones()
    {
        using var scratch = new ScratchDirectory();
        var first = MemoryMapGenerator.Write(TestSettings.Defaults, scratch.Path);
        Assert.All(first, f => Assert.True(f.Changed));
        var stamp = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        foreach (var file in first)
            File.SetLastWriteTimeUtc(file.Path, stamp);

        var second = MemoryMapGenerator.Write(TestSettings.Defaults, scratch.Path);
        Assert.All(second, f => Assert.False(f.Changed));
        Assert.All(second, f => Assert.Equal(stamp, File.GetLastWriteTimeUtc(f.Path)));

        var third = MemoryMapGenerator.Write(TestSettings.ParseWith("Version", "1.0.0.2"), scratch.Path);
        Assert.Equal([false, true, false, false], third.Select(f => f.Changed)); // memory-map.svg: the version is not in the picture
        Assert.Contains("\"1.0.0.2\"", File.ReadAllText(scratch.File(MemoryMapGenerator.BuildConfigHeader)));
    }
}
