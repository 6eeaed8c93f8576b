// The demo application grown to a given image size with deterministic bytes that are not the erased value, so every
// double word is programmed and the CRC covers real data; the header re-stamped for that size (as the end-to-end
// power-cut campaigns build their large updates).
namespace Stm32Boot.Bench;

internal static class PaddedImage
{
    public static MemoryImage Create(MemoryImage application, MemoryMap map, uint imageSize)
    {
        var header = ImageHeader.Parse(application.Read(map.Header.Base, ImageHeader.Size, 0xFF));
        if (imageSize < header.ImageSize || imageSize > map.Image.Size)
            throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize,
                $"the application is {header.ImageSize} bytes and the image region {map.Image.Size}: pad to a size between them.");
        var padding = new byte[imageSize - header.ImageSize];
        for (var i = 0; i < padding.Length; i++) padding[i] = (byte)(i * 7 + 1);
        application.Write(map.Image.Base + header.ImageSize, padding);
        header = header with { ImageSize = imageSize, ImageCrc32 = ImageCrc.Compute(application.Read(map.Image.Base, (int)imageSize, 0xFF)) };
        application.Write(map.Header.Base, (header with { HeaderCrc32 = header.ComputeHeaderCrc() }).ToBytes());
        return application;
    }
}
