// The demo application grown to a given image size with deterministic bytes that are not the erased value, so every
// double word is programmed and the CRC covers real data; the header re-stamped for that size and the image signed
// again (as the end-to-end power-cut campaigns build their large updates).
namespace Stm32Boot.Bench;

internal static class PaddedImage
{
    public static MemoryImage Create(MemoryImage application, MemoryMap map, uint imageSize, ImageSigning? signing)
    {
        var header = ImageHeader.Parse(application.Read(map.Header.Base, ImageHeader.Size, 0xFF));
        if (imageSize < header.ImageSize || imageSize > map.Image.Size)
            throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize,
                $"the application is {header.ImageSize} bytes and the image region {map.Image.Size}: pad to a size between them.");
        application.Write(map.Image.Base + header.ImageSize, Padding(imageSize - header.ImageSize));
        var (stamped, block) = BenchSigning.Stamp(header, application.Read(map.Image.Base, (int)imageSize, 0xFF), signing);
        application.Write(map.Header.Base, stamped.ToBytes());
        if (block.Length > 0)
            application.Write(map.Header.Base + SignatureBlock.Offset, block);
        return application;
    }

    /// Bytes that are not the erased value: CRC and hash work as for real code.
    public static byte[] Padding(uint length)
    {
        var padding = new byte[length];
        for (var i = 0; i < padding.Length; i++) padding[i] = (byte)(i * 7 + 1);
        return padding;
    }
}
