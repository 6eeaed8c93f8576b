using Stm32Boot.VirtualBoard;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>Application images to update the board with, and checks on what an update left in flash.</summary>
public static class UpdateImages
{
    /// <summary>The version the board starts with in update tests, and the one an update brings.</summary>
    public static readonly FirmwareVersion Old = new(1, 0, 0, 1), New = new(2, 0, 0, 0);

    /// <summary>The demo application stamped as <paramref name="version"/>: header and image, as out/application.hex holds
    /// them (or the given build's application.hex).</summary>
    public static MemoryImage Application(FirmwareVersion version, BuildOutput? build = null) =>
        (build ?? Shipped.Build).Application(version).Image;

    /// <summary>
    /// The demo application grown to imageSize bytes of image: deterministic bytes that are not the erased value
    /// after its code (so every double word is programmed and the CRC covers real data), header stamped for that size and signed.
    /// </summary>
    public static MemoryImage Padded(FirmwareVersion version, uint imageSize, BuildOutput? build = null)
    {
        build ??= Shipped.Build;
        var map = build.Map;
        var image = Application(version, build);
        var header = ImageVariants.ReadHeader(image, build);
        if (imageSize < header.ImageSize || imageSize > map.Image.Size)
            throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize,
                $"the application is {header.ImageSize} bytes and the image region {map.Image.Size}: pad to a size between them.");
        var padding = new byte[imageSize - header.ImageSize];
        for (var i = 0; i < padding.Length; i++) padding[i] = (byte)(i * 7 + 1);
        image.Write(map.Image.Base + header.ImageSize, padding);
        header = header with { ImageSize = imageSize, ImageCrc32 = ImageCrc.Compute(image.Read(map.Image.Base, (int)imageSize, 0xFF)) };
        image.Write(map.Header.Base, header.ToBytes());
        // The image grew, so the build's signature no longer covers it: signed again, as the build would.
        return SignedImages.Sign(image, build: build);
    }

    /// <summary>The header page and the image region as the board's flash holds them now.</summary>
    public static MemoryImage InFlash(Board board, BuildOutput? build = null)
    {
        var map = (build ?? Shipped.Build).Map;
        var image = new MemoryImage();
        var from = map.Header.Base;
        image.Write(from, board.Machine.ReadMemory(from, (int)(map.Image.End - from)));
        return image;
    }

    /// <summary>What the bootloader's boot check says of the flash now (docs/design.md §5.1, every acceptance check).</summary>
    public static ImageInspection InspectFlash(Board board, BuildOutput? build = null)
    {
        build ??= Shipped.Build;
        return ImageInspector.Inspect(InFlash(board, build), build.Map, build.Settings.BoardId);
    }
}
