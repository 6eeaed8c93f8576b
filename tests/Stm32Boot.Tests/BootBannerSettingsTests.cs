using System.Text.Json.Nodes;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>BootBanner in build/settings.json: every banner line at every reset ("full"), or nothing on a boot with
/// nothing to report ("quiet").</summary>
public class BootBannerSettingsTests
{
    private static string BuildConfig(BuildSettings settings) =>
        MemoryMapGenerator.Render(settings).Single(f => f.Name == MemoryMapGenerator.BuildConfigHeader).Content;

    [Fact]
    public void The_shipped_default_is_full()
    {
        Assert.Equal(BootBanner.Full, BuildSettings.Default.BootBanner);
        Assert.Equal(BootBanner.Full, TestSettings.Defaults.BootBanner);
    }

    [Theory]
    [InlineData("full", BootBanner.Full, 0)]
    [InlineData("quiet", BootBanner.Quiet, 1)]
    public void Each_value_renders_into_build_config_h(string value, BootBanner expected, int quiet)
    {
        var settings = TestSettings.ParseWith("BootBanner", value);

        Assert.Equal(expected, settings.BootBanner);
        Assert.Equal(value, settings.BootBanner.Name());
        Assert.Contains($"#define BOOT_BANNER_QUIET {quiet}\n", BuildConfig(settings));
    }

    [Theory]
    [InlineData("\"silent\"", "BootBanner 'silent' is not one of \"full\", \"quiet\" (full: every banner line at every reset; quiet:")]
    [InlineData("\"Quiet\"", "BootBanner 'Quiet' is not one of")]
    [InlineData("\"\"", "BootBanner '' is not one of")]
    [InlineData("false", "BootBanner must be a string, not false.")]
    public void Other_values_are_refused_with_the_choices(string json, string expected)
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith("BootBanner", JsonNode.Parse(json)));

        Assert.StartsWith("test-settings.json: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_missing_key_is_named()
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith("BootBanner", null));

        Assert.Equal("test-settings.json: BootBanner is missing.", error.Message);
    }

    [Fact]
    public void The_key_matches_without_regard_to_case_as_the_effective_settings_write_it()
    {
        // build/settings.cake writes an override with the key's casing from the command line (--bootbanner=quiet).
        var json = TestSettings.DefaultsJson.Replace("\"BootBanner\": \"full\"", "\"bootbanner\": \"quiet\"");

        Assert.Equal(BootBanner.Quiet, BuildSettings.Parse(json, "effective.json").BootBanner);
    }
}
