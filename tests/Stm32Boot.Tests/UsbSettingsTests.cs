using System.Text.Json.Nodes;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>UsbFirmwareName, AllowDowngrade and UsbBootWindowMs in build/settings.json: which file the bootloader
/// reads from a USB drive, whether it takes an older one, and whether it looks for a drive at every boot.</summary>
public class UsbSettingsTests
{
    [Fact]
    public void Defaults_read_FIRMWARE_HEX_in_update_mode_only_and_refuse_downgrades()
    {
        var settings = TestSettings.Defaults;

        Assert.Equal("FIRMWARE.HEX", settings.UsbFirmwareName.Value);
        Assert.False(settings.AllowDowngrade);
        Assert.Equal(0u, settings.UsbBootWindowMs);
    }

    [Fact]
    public void Defaults_render_into_build_config_h()
    {
        var config = BuildConfig(TestSettings.DefaultsJson);

        Assert.Contains("#define USB_FIRMWARE_NAME \"FIRMWARE.HEX\"\n", config);
        Assert.Contains("#define ALLOW_DOWNGRADE 0\n", config);
        Assert.Contains("#define USB_BOOT_WINDOW_MS 0u\n", config);
    }

    [Fact]
    public void Overrides_render_into_build_config_h()
    {
        var json = JsonNode.Parse(TestSettings.DefaultsJson)!.AsObject();
        json["UsbFirmwareName"] = "Update 2.0 (board A).hex";
        json["AllowDowngrade"] = true;
        json["UsbBootWindowMs"] = 5000;

        var config = BuildConfig(json.ToJsonString());

        Assert.Contains("#define USB_FIRMWARE_NAME \"Update 2.0 (board A).hex\"\n", config);
        Assert.Contains("#define ALLOW_DOWNGRADE 1\n", config);
        Assert.Contains("#define USB_BOOT_WINDOW_MS 5000u\n", config);
    }

    [Fact]
    public void The_effective_settings_file_as_net_configuration_writes_it_is_accepted()
    {
        // build/settings.cake writes overrides with the key's casing from the command line and booleans as JSON booleans.
        var json = TestSettings.DefaultsJson
            .Replace("\"UsbFirmwareName\": \"FIRMWARE.HEX\"", "\"usbfirmwarename\": \"app.HEX\"")
            .Replace("\"AllowDowngrade\": false", "\"ALLOWDOWNGRADE\": true")
            .Replace("\"UsbBootWindowMs\": 0", "\"usbBootWindowMs\": 3000");

        var settings = BuildSettings.Parse(json, "effective.json");

        Assert.Equal("app.HEX", settings.UsbFirmwareName.Value);
        Assert.True(settings.AllowDowngrade);
        Assert.Equal(3000u, settings.UsbBootWindowMs);
    }

    [Theory]
    [InlineData("firmware.hex")]
    [InlineData("FW.Hex")]
    [InlineData(".hex")]
    [InlineData("My Firmware v2 [release] #7.HEX")]
    public void Firmware_names_the_bootloader_can_find_are_accepted(string name)
    {
        Assert.Equal(name, TestSettings.ParseWith("UsbFirmwareName", name).UsbFirmwareName.Value);
    }

    [Fact]
    public void A_firmware_name_of_255_characters_is_the_longest_accepted()
    {
        var longest = new string('a', UsbFirmwareName.MaxLength - 4) + ".hex";

        Assert.Equal(longest, TestSettings.ParseWith("UsbFirmwareName", longest).UsbFirmwareName.Value);

        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith("UsbFirmwareName", "a" + longest));
        Assert.Equal("test-settings.json: UsbFirmwareName is 256 characters long; a FAT file name holds at most 255.", error.Message);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(3000u)]
    [InlineData(60000u)]
    public void Boot_windows_of_0_or_3_to_60_seconds_are_accepted(uint windowMs)
    {
        Assert.Equal(windowMs, TestSettings.ParseWith("UsbBootWindowMs", windowMs).UsbBootWindowMs);
    }

    [Theory]
    [InlineData("UsbFirmwareName", "\"\"",
        "UsbFirmwareName is empty: name the .hex file the bootloader looks for in the drive's root directory, for example FIRMWARE.HEX.")]
    [InlineData("UsbFirmwareName", "42", "UsbFirmwareName must be a string, not 42.")]
    [InlineData("UsbFirmwareName", "\"update/FIRMWARE.HEX\"",
        "UsbFirmwareName 'update/FIRMWARE.HEX' contains '/': it names a file in the drive's root directory, not a path.")]
    [InlineData("UsbFirmwareName", "\"update\\\\FIRMWARE.HEX\"",
        "UsbFirmwareName 'update\\FIRMWARE.HEX' contains '\\': it names a file in the drive's root directory, not a path.")]
    [InlineData("UsbFirmwareName", "\"E:FIRMWARE.HEX\"",
        "UsbFirmwareName 'E:FIRMWARE.HEX' contains ':': it names a file in the drive's root directory, not a path.")]
    [InlineData("UsbFirmwareName", "\"FIRM\\tWARE.HEX\"",
        "UsbFirmwareName contains the control character U+0009 at position 5; a file name cannot contain control characters.")]
    [InlineData("UsbFirmwareName", "\"FIRMWARE.HEX\\u007f.hex\"",
        "UsbFirmwareName contains the control character U+007F at position 13; a file name cannot contain control characters.")]
    [InlineData("UsbFirmwareName", "\"Mise à jour.hex\"",
        "UsbFirmwareName 'Mise à jour.hex' contains 'à', which is not ASCII: the bootloader reads other characters of long file names as '?', so it would never find this file.")]
    [InlineData("UsbFirmwareName", "\"FIRMWARE?.HEX\"",
        "UsbFirmwareName 'FIRMWARE?.HEX' contains '?', which a FAT file name cannot contain (\"*<>?| / \\ :).")]
    [InlineData("UsbFirmwareName", "\"*.hex\"", "UsbFirmwareName '*.hex' contains '*', which a FAT file name cannot contain")]
    [InlineData("UsbFirmwareName", "\"\\\"FIRMWARE\\\".hex\"", "UsbFirmwareName '\"FIRMWARE\".hex' contains '\"', which a FAT file name cannot contain")]
    [InlineData("UsbFirmwareName", "\"FIRMWARE.BIN\"",
        "UsbFirmwareName 'FIRMWARE.BIN' must end in .hex (any case): the bootloader reads Intel HEX files only.")]
    [InlineData("UsbFirmwareName", "\"FIRMWARE.HEX.txt\"", "UsbFirmwareName 'FIRMWARE.HEX.txt' must end in .hex (any case)")]
    [InlineData("UsbFirmwareName", "\"FIRMWAREHEX\"", "UsbFirmwareName 'FIRMWAREHEX' must end in .hex (any case)")]
    [InlineData("AllowDowngrade", "\"true\"", "AllowDowngrade \"true\" must be true or false (on the command line: --AllowDowngrade=true).")]
    [InlineData("AllowDowngrade", "1", "AllowDowngrade 1 must be true or false")]
    [InlineData("AllowDowngrade", "\"yes\"", "AllowDowngrade \"yes\" must be true or false")]
    [InlineData("UsbBootWindowMs", "1",
        "UsbBootWindowMs 1 is too short: after a cold power-up the LSE crystal needs about 2 s before USB runs, so the window would close " +
        "before a drive could be read. Use 0 (the drive is read in update mode only) or 3000 to 60000.")]
    [InlineData("UsbBootWindowMs", "2999", "UsbBootWindowMs 2999 is too short: after a cold power-up the LSE crystal needs about 2 s")]
    [InlineData("UsbBootWindowMs", "60001",
        "UsbBootWindowMs 60001 must be a whole number of milliseconds: 0 (the drive is read in update mode only) or 3000 to 60000.")]
    [InlineData("UsbBootWindowMs", "-1", "UsbBootWindowMs -1 must be a whole number of milliseconds")]
    [InlineData("UsbBootWindowMs", "3000.5", "UsbBootWindowMs 3000.5 must be a whole number of milliseconds")]
    [InlineData("UsbBootWindowMs", "\"3000\"", "UsbBootWindowMs \"3000\" must be a whole number of milliseconds")]
    public void Invalid_values_are_refused_with_the_key_and_the_reason(string key, string json, string expected)
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith(key, JsonNode.Parse(json)));

        Assert.StartsWith("test-settings.json: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("UsbFirmwareName")]
    [InlineData("AllowDowngrade")]
    [InlineData("UsbBootWindowMs")]
    public void Missing_keys_are_named(string key)
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith(key, null));

        Assert.Equal($"test-settings.json: {key} is missing.", error.Message);
    }

    [Theory]
    [InlineData("FIRMWARE.HEX", "\"FIRMWARE.HEX\"")]
    [InlineData("a\"b", "\"a\\\"b\"")]
    [InlineData("a\\b", "\"a\\\\b\"")]
    [InlineData("what??=", "\"what\\?\\?=\"")]
    [InlineData("tab\there", "\"tab\\011here\"")]
    [InlineData("à1", "\"\\303\\2401\"")]
    [InlineData("", "\"\"")]
    public void C_string_literals_escape_what_c_would_read_differently(string text, string literal)
    {
        Assert.Equal(literal, MemoryMapGenerator.CStringLiteral(text));
    }

    private static string BuildConfig(string json) =>
        MemoryMapGenerator.Render(BuildSettings.Parse(json, "test-settings.json")).Single(f => f.Name == MemoryMapGenerator.BuildConfigHeader).Content;
}
