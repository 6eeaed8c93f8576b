using Stm32Boot.Uart;
using Xunit;

namespace Stm32Boot.Tests.Uart;

/// <summary>FlashPort and FlashBaud in build/settings.json: where and how fast `stm32boot flash` and the build's
/// Flash task reach the bootloader.</summary>
public class FlashSettingsTests
{
    [Fact]
    public void Defaults_are_the_st_link_port_at_115200()
    {
        var settings = TestSettings.Defaults;

        Assert.Equal(new SerialDevice("/dev/ttyACM0"), settings.FlashPort);
        Assert.Equal(115200, settings.FlashBaud);
    }

    [Fact]
    public void The_repository_defaults_are_valid()
    {
        var settings = BuildSettings.Load(Repository.Path("build", "settings.json"));

        Assert.True(UartFraming.IsSupportedBaud(settings.FlashBaud));
        Assert.Equal(BuildSettings.Default.FlashPort, settings.FlashPort);
    }

    [Fact]
    public void A_tcp_port_reaches_the_virtual_board()
    {
        var settings = TestSettings.ParseWith("FlashPort", "tcp:localhost:4444");

        Assert.Equal(new TcpEndpoint("localhost", 4444), settings.FlashPort);
    }

    [Theory]
    [InlineData("FlashPort", "\"\"", "FlashPort '' is not a serial device (/dev/ttyACM0, COM3) or tcp:HOST:PORT with PORT in 1..65535.")]
    [InlineData("FlashPort", "\"tcp:localhost\"", "FlashPort 'tcp:localhost' is not a serial device")]
    [InlineData("FlashPort", "0", "FlashPort must be a string, not 0")]
    [InlineData("FlashBaud", "1200", "FlashBaud 1200 must be a whole number of bits per second from 9600 to 921600 (the range the bootloader's auto-baud detects).")]
    [InlineData("FlashBaud", "1000000", "FlashBaud 1000000 must be a whole number")]
    [InlineData("FlashBaud", "115200.5", "FlashBaud 115200.5 must be a whole number")]
    [InlineData("FlashBaud", "\"115200\"", "FlashBaud \"115200\" must be a whole number")]
    public void Invalid_values_are_refused_with_the_key_and_the_reason(string key, string json, string expected)
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith(key, System.Text.Json.Nodes.JsonNode.Parse(json)));

        Assert.StartsWith("test-settings.json: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("FlashPort")]
    [InlineData("FlashBaud")]
    public void Missing_keys_are_named(string key)
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith(key, null));

        Assert.Equal($"test-settings.json: {key} is missing.", error.Message);
    }
}
