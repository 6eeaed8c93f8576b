using System.Text.Json.Nodes;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>Protection in build/settings.json: what the bootloader programs into the option bytes at its first boot.</summary>
public class ProtectionSettingsTests
{
    private static string BuildConfig(string json) =>
        MemoryMapGenerator.Render(BuildSettings.Parse(json, "test-settings.json"))
            .Single(f => f.Name == MemoryMapGenerator.BuildConfigHeader).Content;

    [Fact]
    public void The_shipped_default_leaves_the_option_bytes_alone()
    {
        Assert.Equal(Protection.None, BuildSettings.Default.Protection);
        Assert.Equal(Protection.None, TestSettings.Defaults.Protection);
    }

    [Theory]
    [InlineData("none", Protection.None, 0, 0)]
    [InlineData("wrp", Protection.Wrp, 1, 0)]
    [InlineData("wrp+rdp1", Protection.WrpRdp1, 1, 1)]
    public void Each_value_renders_into_build_config_h(string value, Protection expected, int wrp, int rdp1)
    {
        var json = TestSettings.With("Protection", value);

        Assert.Equal(expected, BuildSettings.Parse(json, "test-settings.json").Protection);
        var config = BuildConfig(json);
        Assert.Contains($"#define PROTECT_WRP {wrp}\n", config);
        Assert.Contains($"#define PROTECT_RDP1 {rdp1}\n", config);
    }

    [Theory]
    [InlineData("\"rdp2\"", "Protection 'rdp2' is not one of \"none\", \"wrp\", \"wrp+rdp1\"")]
    [InlineData("\"WRP\"", "Protection 'WRP' is not one of")]
    [InlineData("\"wrp+rdp2\"", "level 2 is never set, it cannot be undone")]
    [InlineData("1", "Protection must be a string, not 1.")]
    public void Other_values_are_refused_with_the_choices(string json, string expected)
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith("Protection", JsonNode.Parse(json)));

        Assert.StartsWith("test-settings.json: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_missing_key_is_named()
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith("Protection", null));

        Assert.Equal("test-settings.json: Protection is missing.", error.Message);
    }
}
