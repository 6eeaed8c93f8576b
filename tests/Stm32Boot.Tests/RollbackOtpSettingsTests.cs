using System.Text.Json.Nodes;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>MemoryMap.RollbackOtpBase and RollbackOtpSize: where in the OTP area (RM0351 §3.3.1, 0x1FFF7000-0x1FFF73FF)
/// the bootloader records the minimum security counter, one double word per raise.</summary>
public class RollbackOtpSettingsTests
{
    private static string MemoryMapHeader(BuildSettings settings) =>
        MemoryMapGenerator.Render(settings).Single(f => f.Name == MemoryMapGenerator.MemoryMapHeader).Content;

    [Fact]
    public void The_default_is_the_whole_otp_area_128_raises()
    {
        var map = TestSettings.Defaults.MemoryMap;

        Assert.Equal(new MemoryRegion("rollback OTP", 0x1FFF7000, 0x400), map.RollbackOtp);
        Assert.Equal(MemoryMap.Otp.Base, map.RollbackOtp.Base);
        Assert.Equal(128u, map.RollbackOtp.Size / MemoryMap.OtpDoubleWord);
        Assert.Equal(BuildSettings.Default.MemoryMap.RollbackOtp, map.RollbackOtp);
    }

    [Fact]
    public void A_part_of_the_otp_area_is_generated_into_memory_map_h()
    {
        var json = JsonNode.Parse(TestSettings.With("MemoryMap.RollbackOtpBase", "0x1FFF7100"))!;
        json["MemoryMap"]!["RollbackOtpSize"] = "0x2F8";
        var settings = BuildSettings.Parse(json.ToJsonString(), "test-settings.json");

        var header = MemoryMapHeader(settings);

        Assert.Contains("#define MM_ROLLBACK_OTP_BASE 0x1FFF7100u\n", header);
        Assert.Contains("#define MM_ROLLBACK_OTP_SIZE 0x000002F8u\n", header);
        // Nothing is linked into the OTP area: the linker fragment does not name it.
        Assert.DoesNotContain("1FFF", MemoryMapGenerator.Render(settings).Single(f => f.Name == MemoryMapGenerator.LinkerMemory).Content);
    }

    [Fact]
    public void The_last_double_word_alone_is_allowed()
    {
        var json = JsonNode.Parse(TestSettings.With("MemoryMap.RollbackOtpBase", "0x1FFF73F8"))!;
        json["MemoryMap"]!["RollbackOtpSize"] = "0x8";

        var map = BuildSettings.Parse(json.ToJsonString(), "test-settings.json").MemoryMap;

        Assert.Equal(0x1FFF73FFu, map.RollbackOtp.Last);
    }

    [Theory]
    [InlineData("MemoryMap.RollbackOtpBase", "0x1FFF7004", "MemoryMap.RollbackOtpBase 0x1FFF7004 is not a multiple of 8 (the OTP area is programmed a double word at a time).")]
    [InlineData("MemoryMap.RollbackOtpSize", "0x0", "MemoryMap.RollbackOtpSize 0x00000000 must be a non-zero multiple of 8 (one double word per raise of the minimum security counter).")]
    [InlineData("MemoryMap.RollbackOtpSize", "0x3FC", "MemoryMap.RollbackOtpSize 0x000003FC must be a non-zero multiple of 8")]
    [InlineData("MemoryMap.RollbackOtpSize", "0x408", "MemoryMap.RollbackOtpBase 0x1FFF7000 + RollbackOtpSize 0x00000408 is not inside the STM32L475's OTP area 0x1FFF7000–0x1FFF73FF (RM0351 §3.3.1).")]
    [InlineData("MemoryMap.RollbackOtpBase", "0x1FFF6FF8", "MemoryMap.RollbackOtpBase 0x1FFF6FF8 + RollbackOtpSize 0x00000400 is not inside the STM32L475's OTP area")]
    [InlineData("MemoryMap.RollbackOtpBase", "0x080FF000", "MemoryMap.RollbackOtpBase 0x080FF000 + RollbackOtpSize 0x00000400 is not inside the STM32L475's OTP area")]
    [InlineData("MemoryMap.RollbackOtpBase", "0xFFFFFFF8", "MemoryMap.RollbackOtpBase 0xFFFFFFF8 + RollbackOtpSize 0x00000400 is not inside")]
    [InlineData("MemoryMap.RollbackOtpBase", "otp", "MemoryMap.RollbackOtpBase 'otp' is not a 32-bit hex number written like 0x08000000.")]
    public void Areas_outside_the_otp_or_not_whole_double_words_are_refused(string key, string value, string expected)
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith(key, value));

        Assert.StartsWith($"test-settings.json: {expected}", error.Message);
    }

    [Theory]
    [InlineData("MemoryMap.RollbackOtpBase")]
    [InlineData("MemoryMap.RollbackOtpSize")]
    public void A_missing_key_is_named(string key)
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith(key, null));

        Assert.Equal($"test-settings.json: {key} is missing.", error.Message);
    }
}
