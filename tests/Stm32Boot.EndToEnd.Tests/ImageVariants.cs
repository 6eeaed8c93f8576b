using System.Buffers.Binary;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// The shipped factory image with exactly one acceptance check of docs/design.md §5 broken: every other field, and the
/// CRCs that do not belong to the broken check, are recomputed so that only that check can fail.
/// </summary>
public static class ImageVariants
{
    public static MemoryImage WithHeader(Func<ImageHeader, ImageHeader> change, bool fixHeaderCrc = true)
    {
        var image = Shipped.Factory();
        var header = change(ReadHeader(image));
        if (fixHeaderCrc) header = header with { HeaderCrc32 = header.ComputeHeaderCrc() };
        image.Write(Shipped.Map.Header.Base, header.ToBytes());
        return image;
    }

    /// <summary>Changes a word of the application image (e.g. a vector) and re-stamps both CRCs.</summary>
    public static MemoryImage WithImageWord(uint address, uint value)
    {
        var image = Shipped.Factory();
        var word = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(word, value);
        image.Write(address, word);
        var header = ReadHeader(image);
        header = header with { ImageCrc32 = ImageCrc.Compute(image.Read(header.ImageAddr, (int)header.ImageSize, 0xFF)) };
        image.Write(Shipped.Map.Header.Base, (header with { HeaderCrc32 = header.ComputeHeaderCrc() }).ToBytes());
        return image;
    }

    /// <summary>One bit of the image flipped, the header left as stamped.</summary>
    public static MemoryImage WithFlippedImageBit(uint address, int bit)
    {
        var image = Shipped.Factory();
        var b = image.Read(address, 1, 0xFF);
        b[0] ^= (byte)(1 << bit);
        image.Write(address, b);
        return image;
    }

    public static ImageHeader ReadHeader(MemoryImage image, BuildOutput? build = null) =>
        ImageHeader.Parse(image.Read((build ?? Shipped.Build).Map.Header.Base, ImageHeader.Size, 0xFF));

    public static uint Vector(MemoryImage image, int index) =>
        BinaryPrimitives.ReadUInt32LittleEndian(image.Read(Shipped.Map.Image.Base + 4u * (uint)index, 4, 0xFF));
}
