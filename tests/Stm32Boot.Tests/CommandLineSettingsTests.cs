using System.Text.Json.Nodes;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>build/command-line-settings.cs, the rule build/settings.cake applies to `./build.sh --Key=value`. The
/// inputs are what Cake hands over: it splits a long option at its first ':' or '=', so
/// --MemoryMap:BootloaderSize=0x10000 arrives as ("MemoryMap", "BootloaderSize=0x10000").</summary>
public class CommandLineSettingsTests
{
    private static readonly JsonNode Defaults = JsonNode.Parse(File.ReadAllText(Repository.Path("build", "settings.json")))!;

    private static Dictionary<string, string?> Apply(params (string Key, string? Value)[] arguments) =>
        CommandLineSettings.ToConfiguration(arguments.Select(a => new KeyValuePair<string, string?>(a.Key, a.Value)), Defaults);

    [Fact]
    public void A_nested_key_as_Cake_splits_it_becomes_the_configuration_path()
    {
        var configuration = Apply(("MemoryMap", "BootloaderSize=0x10000"));

        Assert.Equal("0x10000", Assert.Single(configuration, c => c.Key == "MemoryMap:BootloaderSize").Value);
        Assert.DoesNotContain("MemoryMap", configuration.Keys);
    }

    [Fact]
    public void Keys_of_a_group_match_without_regard_to_case_as_configuration_does()
    {
        var configuration = Apply(("memorymap", "FlashSize=0x80000"));

        Assert.Equal("0x80000", configuration["memorymap:FlashSize"]);
    }

    [Fact]
    public void A_list_item_by_index_becomes_a_child_of_the_list()
    {
        var configuration = Apply(("TrustedKeys", "0=keys/next.pub.pem"), ("TrustedKeys", "1=a=b.pem"));

        // The last value Cake keeps for a key is the one given; "a=b.pem" keeps its own '=' after the first.
        Assert.Equal("a=b.pem", configuration["TrustedKeys:1"]);
        Assert.Equal("keys/next.pub.pem", configuration["TrustedKeys:0"]);
    }

    [Theory]
    [InlineData("Version", "1.2.3.4")]
    [InlineData("FlashPort", "tcp:localhost:4444")]
    [InlineData("SigningKey", "")]
    public void A_plain_setting_passes_as_it_is_even_with_colons_in_its_value(string key, string value)
    {
        Assert.Equal(value, Apply((key, value))[key]);
    }

    [Theory]
    [InlineData("MemoryMap", "0x10000")]
    [InlineData("MemoryMap", "")]
    [InlineData("TrustedKeys", "keys/next.pub.pem")]
    [InlineData("TrustedKeys", "=keys/next.pub.pem")]
    public void A_group_or_list_without_an_entry_name_is_refused_with_the_form_to_use(string key, string value)
    {
        var error = Assert.Throws<ArgumentException>(() => Apply((key, value)));

        Assert.Contains($"--{key}:", error.Message);
        Assert.StartsWith($"--{key} given '{value}'", error.Message);
        Assert.Contains("NAME=value", error.Message);
    }

    /// <summary>A value the tools refuse is named by the file they read, out/settings.effective.json, which the user
    /// never wrote: the build says which of their overrides made it.</summary>
    [Fact]
    public void Overrides_are_named_as_the_user_gave_them()
    {
        var commandLine = Apply(("Version", "1.2.3"), ("MemoryMap", "BootloaderSize=0x10000"));
        var environment = new[] { new KeyValuePair<string, string?>("STM32BOOT_BoardId", "0x04150002") };

        Assert.Equal("build/settings.json with STM32BOOT_BoardId=0x04150002 (environment), --Version=1.2.3 (command line) and " +
                     "--MemoryMap:BootloaderSize=0x10000 (command line) applied",
            CommandLineSettings.DescribeOverrides(environment, commandLine));
        Assert.Equal("build/settings.json with --Version=1.2.3 (command line) applied",
            CommandLineSettings.DescribeOverrides([], Apply(("Version", "1.2.3"))));
        Assert.Equal("", CommandLineSettings.DescribeOverrides([], Apply()));
    }
}
