using System.Text.Json.Nodes;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>BootAttempts in build/settings.json: how many starts the bootloader gives an image it installed before
/// the image confirms itself (0 turns the rule off).</summary>
public class BootAttemptsSettingsTests
{
    [Fact]
    public void The_default_gives_an_unconfirmed_image_three_starts_and_renders_into_build_config_h()
    {
        Assert.Equal(3u, TestSettings.Defaults.BootAttempts);
        Assert.Contains("#define BOOT_ATTEMPTS 3u\n", BuildConfig(TestSettings.DefaultsJson));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(7u)]
    public void Zero_to_seven_are_accepted_and_rendered(uint attempts)
    {
        var json = TestSettings.With("BootAttempts", attempts);

        Assert.Equal(attempts, BuildSettings.Parse(json, "test-settings.json").BootAttempts);
        Assert.Contains($"#define BOOT_ATTEMPTS {attempts}u\n", BuildConfig(json));
    }

    [Theory]
    [InlineData("8", "BootAttempts 8 must be a whole number from 0 (off: every accepted image starts, nothing is counted) to 7 (the starts an unconfirmed image gets).")]
    [InlineData("-1", "BootAttempts -1 must be a whole number from 0")]
    [InlineData("2.5", "BootAttempts 2.5 must be a whole number from 0")]
    [InlineData("\"3\"", "BootAttempts \"3\" must be a whole number from 0")]
    [InlineData("true", "BootAttempts true must be a whole number from 0")]
    public void Invalid_values_are_refused_with_the_key_and_the_reason(string json, string expected)
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith("BootAttempts", JsonNode.Parse(json)));

        Assert.StartsWith("test-settings.json: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_missing_key_is_named()
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith("BootAttempts", null));

        Assert.Equal("test-settings.json: BootAttempts is missing.", error.Message);
    }

    private static string BuildConfig(string json) =>
        MemoryMapGenerator.Render(BuildSettings.Parse(json, "test-settings.json")).Single(f => f.Name == MemoryMapGenerator.BuildConfigHeader).Content;
}
