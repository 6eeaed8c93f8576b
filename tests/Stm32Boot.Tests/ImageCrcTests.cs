using System.Globalization;
using System.IO.Hashing;
using Xunit;

namespace Stm32Boot.Tests;

public class ImageCrcTests
{
    [Fact]
    public void Check_value_of_crc32_iso_hdlc() =>
        // The catalogue check value: CRC over the ASCII digits "123456789".
        Assert.Equal(0xCBF43926u, ImageCrc.Compute("123456789"u8));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(4096)]
    [InlineData(100_003)]
    public async Task Equals_system_io_hashing_and_python_zlib_over_random_bytes(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);

        var python = await ExternalTool.RunChecked("python3",
            ["-c", "import sys, zlib; print(zlib.crc32(sys.stdin.buffer.read()))"], standardInput: data);

        var ours = ImageCrc.Compute(data);
        Assert.Equal(Crc32.HashToUInt32(data), ours);
        Assert.Equal(uint.Parse(python.StandardOutput.Trim(), CultureInfo.InvariantCulture), ours);
    }
}
