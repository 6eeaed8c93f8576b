using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>The bootloader's pages against out/bootloader.hex: nothing a host sends may change a byte of them.</summary>
public static class BootloaderRegion
{
    private static readonly Lazy<byte[]> ShippedBytes = new(() =>
        IntelHexReader.ReadFile(Shipped.File("bootloader.hex")).Image.Read(Shipped.Map.Bootloader.Base, (int)Shipped.Map.Bootloader.Size, 0xFF));

    public static void AssertUnchanged(Board board)
    {
        var expected = ShippedBytes.Value;
        var actual = board.Machine.ReadMemory(Shipped.Map.Bootloader.Base, expected.Length);
        var same = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(same == expected.Length,
            $"the bootloader region differs from out/bootloader.hex from 0x{Shipped.Map.Bootloader.Base + same:X8} on " +
            $"(flash 0x{(same < actual.Length ? actual[same] : 0):X2}, file 0x{(same < expected.Length ? expected[same] : 0):X2}); " +
            $"{expected.Zip(actual).Count(p => p.First != p.Second)} bytes differ.");
    }
}
