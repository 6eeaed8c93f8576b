using Xunit;

namespace Stm32Boot.Tests;

public class FirmwareVersionTests
{
    [Theory]
    [InlineData("0.0.0.0", 0, 0, 0, 0)]
    [InlineData("1.2.3.4", 1, 2, 3, 4)]
    [InlineData("65535.65535.65535.65535", 65535, 65535, 65535, 65535)]
    public void Parses_four_16_bit_numbers(string text, int major, int minor, int patch, int build)
    {
        var version = FirmwareVersion.Parse(text, "--version");
        Assert.Equal(new FirmwareVersion((ushort)major, (ushort)minor, (ushort)patch, (ushort)build), version);
        Assert.Equal(text, version.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("1.2.3.65536")]
    [InlineData("1.2..4")]
    [InlineData("1.2.3.x")]
    [InlineData("1.2.3.-4")]
    [InlineData("1.2.3.+4")]
    [InlineData(" 1.2.3.4")]
    [InlineData("1.2.3.٤")]
    public void Refuses_anything_else_naming_the_source(string text)
    {
        var error = Assert.Throws<Stm32BootException>(() => FirmwareVersion.Parse(text, "--version"));
        Assert.Equal($"--version '{text}' is not a version a.b.c.d of four numbers 0..65535 (for example 1.2.0.7).", error.Message);
    }
}
