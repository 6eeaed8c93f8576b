using Xunit;

namespace Stm32Boot.Tests;

/// <summary>Compares memory images by content: the same runs at the same addresses.</summary>
public static class ImageAssert
{
    public static void Equal(MemoryImage expected, MemoryImage actual)
    {
        Assert.Equal(Describe(expected), Describe(actual));
    }

    public static MemoryImage From(params (uint Address, byte[] Data)[] runs)
    {
        var image = new MemoryImage();
        foreach (var (address, data) in runs)
            image.Write(address, data);
        return image;
    }

    // Address and hex per run: a mismatch then shows where the images differ.
    private static IEnumerable<string> Describe(MemoryImage image) =>
        image.Segments.Select(s => $"{s.Address:X8}: {Convert.ToHexString(s.Data)}");
}
