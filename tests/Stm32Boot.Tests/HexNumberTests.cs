using Xunit;

namespace Stm32Boot.Tests;

public class HexNumberTests
{
    [Theory]
    [InlineData("0x0", 0u)]
    [InlineData("0x800", 0x800u)]
    [InlineData("0X08000000", 0x08000000u)]
    [InlineData("0xffffffff", 0xFFFFFFFFu)]
    public void Parses_prefixed_hex(string text, uint expected)
    {
        Assert.True(HexNumber.TryParse(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0x")]
    [InlineData("800")]
    [InlineData("0x1FFFFFFFF")]
    [InlineData("0x-1")]
    [InlineData("0x 800")]
    [InlineData("0x80G")]
    public void Refuses_anything_else(string? text) => Assert.False(HexNumber.TryParse(text, out _));

    [Fact]
    public void Formats_eight_upper_case_digits() => Assert.Equal("0x0802ABCD", HexNumber.Format(0x0802ABCDu));
}
