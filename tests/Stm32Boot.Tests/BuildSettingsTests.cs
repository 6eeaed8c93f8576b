using Xunit;

namespace Stm32Boot.Tests;

public class BuildSettingsTests
{
    [Fact]
    public void Defaults_parse_into_the_design_memory_map()
    {
        var settings = TestSettings.Defaults;
        var map = settings.MemoryMap;

        Assert.Equal(new FirmwareVersion(1, 0, 0, 1), settings.Version);
        Assert.Equal("1.0.0", settings.BootloaderVersion);
        Assert.Equal(0x04150001u, settings.BoardId);
        Assert.Equal(BuildType.Release, settings.BuildType);
        Assert.Equal("arm-none-eabi-", settings.ToolchainPrefix);
        Assert.Equal(500u, settings.DoubleResetWindowMs);
        Assert.Equal("keys/development-signing-key.pem", settings.SigningKey);
        Assert.Equal(1u, settings.SecurityCounter);
        Assert.Equal(new MemoryRegion("bootloader", 0x08000000, 0x20000), map.Bootloader);
        Assert.Equal(new MemoryRegion("header", 0x08020000, 0x800), map.Header);
        Assert.Equal(new MemoryRegion("image", 0x08020800, 0xDF800), map.Image);
        Assert.Equal(new MemoryRegion("SRAM1", 0x20000000, 0x18000), map.Sram1);
        Assert.Equal(new MemoryRegion("SRAM2", 0x10000000, 0x8000), map.Sram2);
        Assert.Equal(new MemoryRegion("SRAM2 alias", 0x20018000, 0x8000), map.Sram2Alias);
        Assert.Equal(0x800u, map.PageSize);
        Assert.Equal(0x080FFFFFu, map.Image.Last);
    }

    [Fact]
    public void Embedded_default_is_the_repository_settings_file()
    {
        var fromFile = BuildSettings.Load(Repository.Path("build", "settings.json"));

        Assert.Equal(
            MemoryMapGenerator.Render(fromFile).Select(f => f.Content),
            MemoryMapGenerator.Render(BuildSettings.Default).Select(f => f.Content));
        Assert.Equal(fromFile.BuildType, BuildSettings.Default.BuildType);
        Assert.Equal(fromFile.ToolchainPrefix, BuildSettings.Default.ToolchainPrefix);
    }

    [Fact]
    public void An_override_changes_the_derived_regions()
    {
        var settings = TestSettings.ParseWith("MemoryMap.BootloaderSize", "0x00010000");

        Assert.Equal(0x08010000u, settings.MemoryMap.Header.Base);
        Assert.Equal(0x08010800u, settings.MemoryMap.Image.Base);
        Assert.Equal(0x000EF800u, settings.MemoryMap.Image.Size);
    }

    [Fact]
    public void Missing_file_says_which_and_what_to_do()
    {
        var error = Assert.Throws<MissingFileException>(() => BuildSettings.Load("no/such/settings.json"));
        Assert.Contains("'no/such/settings.json' not found", error.Message);
        Assert.Contains("--settings", error.Message);
    }

    [Fact]
    public void Broken_json_names_the_file_the_line_and_the_reason()
    {
        // A comma missing at the end of line 2: the reader stops at line 3's key.
        var error = Assert.Throws<Stm32BootException>(() => BuildSettings.Parse("{\n  \"Version\": \"1.0.0.1\"\n  \"BoardId\": \"0x04150001\"\n}", "broken.json"));

        Assert.Equal("broken.json line 3: '\"' is invalid after a value. Expected either ',', '}', or ']'. (column 3)", error.Message);
    }

    [Fact]
    public void The_build_script_reports_a_syntax_error_in_build_settings_json_by_line_and_reason()
    {
        // The build script's rule (build/settings-json.cs, which build/settings.cake loads): without it .NET
        // configuration says only "Failed to load configuration from file".
        var text = File.ReadAllText(Repository.Path("build", "settings.json")).Replace("\"Release\",", "\"Release\" ,,");
        var line = text[..text.IndexOf(",,", StringComparison.Ordinal)].Count(c => c == '\n') + 1;

        var error = Assert.Throws<FormatException>(() => SettingsJson.Parse(text, "build/settings.json"));

        Assert.StartsWith($"build/settings.json line {line}: ", error.Message);
        Assert.DoesNotContain("LineNumber", error.Message);
    }

    [Fact]
    public void Comments_and_trailing_commas_are_read_as_configuration_reads_them()
    {
        Assert.NotNull(SettingsJson.Parse("{ // the version\n \"Version\": \"1.0.0.1\", }", "build/settings.json")["Version"]);
    }

    [Theory]
    [InlineData("Version", "\"1.0.0\"", "Version '1.0.0' is not a version a.b.c.d")]
    [InlineData("Version", "\"1.0.0.65536\"", "Version '1.0.0.65536' is not a version a.b.c.d")]
    [InlineData("Version", "\"1.0.-1.0\"", "Version '1.0.-1.0' is not a version")]
    [InlineData("Version", "1001", "Version must be a string, not 1001")]
    [InlineData("BootloaderVersion", "\"1.0\\\"x\"", "BootloaderVersion '1.0\"x' is not a dotted version")]
    [InlineData("BoardId", "\"04150001\"", "BoardId '04150001' is not a 32-bit hex number")]
    [InlineData("BoardId", "\"0x104150001\"", "BoardId '0x104150001' is not a 32-bit hex number")]
    [InlineData("BuildType", "\"Fast\"", "BuildType 'Fast' is not one of Release, Debug")]
    [InlineData("BuildType", "\"1\"", "BuildType '1' is not one of Release, Debug")]
    [InlineData("BuildType", "\"release\"", "BuildType 'release' is not one of Release, Debug")]
    [InlineData("ToolchainPrefix", "\"\"", "ToolchainPrefix '' must be a non-empty prefix")]
    [InlineData("DoubleResetWindowMs", "-1", "DoubleResetWindowMs -1 must be a whole number")]
    [InlineData("DoubleResetWindowMs", "60001", "DoubleResetWindowMs 60001 must be a whole number")]
    [InlineData("DoubleResetWindowMs", "\"500\"", "DoubleResetWindowMs \"500\" must be a whole number")]
    [InlineData("MemoryMap.PageSize", "\"0x600\"", "MemoryMap.PageSize 0x00000600 is not a power of two")]
    [InlineData("MemoryMap.FlashBase", "\"0x08000400\"", "MemoryMap.FlashBase 0x08000400 is not a multiple of the page size 0x00000800")]
    [InlineData("MemoryMap.BootloaderSize", "\"0x00020100\"", "MemoryMap.BootloaderSize 0x00020100 is not a multiple of the page size")]
    [InlineData("MemoryMap.BootloaderSize", "\"0x0\"", "MemoryMap.BootloaderSize must not be 0")]
    [InlineData("MemoryMap.HeaderSize", "\"0x0\"", "MemoryMap.HeaderSize 0x00000000 cannot hold the 64-byte image header")]
    [InlineData("MemoryMap.BootloaderSize", "\"0x000FF800\"", "leaves no room for the application image")]
    [InlineData("MemoryMap.FlashBase", "\"0xFFF80000\"", "MemoryMap.FlashBase + FlashSize runs past the 4 GB address space")]
    [InlineData("MemoryMap.Sram1Base", "\"0x080F0000\"", "MemoryMap SRAM1 0x080F0000–0x08107FFF overlaps flash")]
    [InlineData("MemoryMap.Sram2Base", "\"0x20010000\"", "MemoryMap SRAM2 0x20010000–0x20017FFF overlaps SRAM1")]
    [InlineData("MemoryMap.Sram2Size", "\"0x0\"", "MemoryMap.Sram2Size must not be 0")]
    [InlineData("MemoryMap.Sram2AliasBase", "\"0x20010000\"", "MemoryMap SRAM2 alias 0x20010000–0x20017FFF overlaps SRAM1")]
    [InlineData("MemoryMap.Sram2AliasBase", "\"0x10004000\"", "MemoryMap SRAM2 alias 0x10004000–0x1000BFFF overlaps SRAM2")]
    [InlineData("MemoryMap.Sram2AliasBase", "\"0xFFFFC000\"", "MemoryMap.Sram2AliasBase + Sram2Size runs past the 4 GB address space")]
    [InlineData("MemoryMap.FlashSize", "\"0x00090000\"", "MemoryMap.FlashSize 0x00090000 is not a flash size of the STM32L475: it comes with 0x00040000, 0x00080000, 0x00100000")]
    [InlineData("MemoryMap.FlashSize", "\"0x00200000\"", "MemoryMap.FlashSize 0x00200000 is not a flash size of the STM32L475")]
    [InlineData("MemoryMap.FlashSize", "\"big\"", "MemoryMap.FlashSize 'big' is not a 32-bit hex number written like 0x08000000")]
    [InlineData("SigningKey", "\" \"", "SigningKey must name the PEM private key that signs the application")]
    [InlineData("SigningKey", "7", "SigningKey must be a string, not 7")]
    [InlineData("SecurityCounter", "-1", "SecurityCounter -1 must be a whole number from 0 to 4294967295")]
    [InlineData("SecurityCounter", "4294967296", "SecurityCounter 4294967296 must be a whole number")]
    [InlineData("SecurityCounter", "\"1\"", "SecurityCounter \"1\" must be a whole number")]
    [InlineData("Colour", "\"blue\"", "unknown key 'Colour' in the top level")]
    [InlineData("MemoryMap.Sram3Base", "\"0x0\"", "unknown key 'Sram3Base' in MemoryMap")]
    public void Invalid_values_are_refused_with_the_key_and_the_reason(string key, string json, string expected)
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith(key, System.Text.Json.Nodes.JsonNode.Parse(json)));
        Assert.StartsWith("test-settings.json: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("0x00040000")]
    [InlineData("0x00080000")]
    [InlineData("0x00100000")]
    public void Every_flash_size_the_chip_comes_in_is_accepted(string flashSize)
    {
        Assert.True(HexNumber.TryParse(flashSize, out var size));
        Assert.Equal(size, TestSettings.ParseWith("MemoryMap.FlashSize", flashSize).MemoryMap.Flash.Size);
    }

    [Fact]
    public void Keys_match_without_regard_to_case_as_net_configuration_writes_them()
    {
        var json = TestSettings.DefaultsJson.Replace("\"Version\"", "\"VERSION\"").Replace("\"FlashSize\"", "\"flashsize\"");

        var settings = BuildSettings.Parse(json, "effective.json");

        Assert.Equal(new FirmwareVersion(1, 0, 0, 1), settings.Version);
        Assert.Equal(0x00100000u, settings.MemoryMap.Flash.Size);
    }

    [Fact]
    public void A_key_given_twice_in_different_case_is_refused()
    {
        var json = TestSettings.DefaultsJson.Replace("\"Version\": \"1.0.0.1\",", "\"Version\": \"1.0.0.1\", \"version\": \"2.0.0.0\",");

        var error = Assert.Throws<Stm32BootException>(() => BuildSettings.Parse(json, "effective.json"));
        Assert.Equal("effective.json: key 'version' appears twice in the top level (keys match without regard to case).", error.Message);
    }

    [Theory]
    [InlineData("Version")]
    [InlineData("MemoryMap.Sram1Size")]
    [InlineData("MemoryMap.Sram2AliasBase")]
    public void Missing_keys_are_named(string key)
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith(key, null));
        Assert.Equal($"test-settings.json: {key} is missing.", error.Message);
    }
}
