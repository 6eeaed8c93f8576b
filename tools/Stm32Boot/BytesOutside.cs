namespace Stm32Boot;

/// <summary>
/// The bytes of an image that lie outside a region, in words `flash` and `info` share: `flash` refuses bytes outside
/// the application header and image (<see cref="Uart.FlashPlan"/>, the only region the bootloader writes), `info`
/// bytes outside flash altogether (no STM32L475 can hold them; RM0351 §3.3.1 "Flash memory organization").
/// </summary>
public static class BytesOutside
{
    /// <summary>"'FILE' has N bytes outside the REGION, the first at ADDRESS", or null when the region holds them all.</summary>
    public static string? Describe(MemoryImage image, MemoryRegion region, string sourceName)
    {
        var below = image.Slice(0, region.Base);
        var above = image.Slice(region.End, 1UL << 32);
        var count = below.ByteCount + above.ByteCount;
        if (count == 0)
            return null;
        var first = below.IsEmpty ? above.LowestAddress : below.LowestAddress;
        return $"'{sourceName}' has {count} bytes outside the {region}, the first at {HexNumber.Format(first)}";
    }
}
