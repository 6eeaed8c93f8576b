using System.Buffers.Binary;

namespace Stm32Boot;

/// <summary>
/// Evaluates an image by the bootloader's acceptance checks at reset (docs/design.md §5.1; bootloader/core/image_check.c, in the
/// same order), but reports every check instead of stopping at the first failure, so one run shows everything
/// that is wrong.
/// </summary>
public static class ImageInspector
{
    /// <summary>Names of the Cortex-M4 system exception vectors (ARMv7-M Architecture Reference Manual, B1.5.2).</summary>
    public static IReadOnlyList<string> SystemVectorNames { get; } =
    [
        "Initial MSP", "Reset", "NMI", "HardFault", "MemManage", "BusFault", "UsageFault", "Reserved",
        "Reserved", "Reserved", "Reserved", "SVCall", "DebugMonitor", "Reserved", "PendSV", "SysTick",
    ];

    /// <summary>The smallest image_size the bootloader accepts: the image must at least hold the initial MSP
    /// and the reset vector (IMAGE_MIN_SIZE in bootloader/core/image_check.h).</summary>
    public const uint MinImageSize = 8;

    private static readonly string[] HeaderCheckNames =
        ["magic", "header_version", "header_size", "header_crc32", "image_addr", "image_size", "board_id"];

    public static ImageInspection Inspect(MemoryImage memory, MemoryMap map, uint boardId)
    {
        var header = ReadHeader(memory, map, out var missingHeader);
        var vectors = SystemVectorNames
            .Select((name, index) => new VectorTableEntry(index, name, Word(memory, map.Image.Base + 4u * (uint)index)))
            .ToList();

        var imageSizeValid = header is not null && header.ImageSize >= MinImageSize && header.ImageSize <= map.Image.Size;
        // The reset vector must lie in the image the header describes; without a valid size only the region bounds it.
        var imageEnd = imageSizeValid ? map.Image.Base + (ulong)header!.ImageSize : map.Image.End;

        var checks = new List<AcceptanceCheck>();
        checks.AddRange(header is null
            ? HeaderCheckNames.Select(name => new AcceptanceCheck(name, false, missingHeader))
            : HeaderChecks(header, map, boardId));
        checks.Add(StackPointerCheck(vectors[0].Value, map));
        checks.AddRange(ResetVectorChecks(vectors[1].Value, map.Image.Base, imageEnd));
        checks.Add(header is null
            ? new AcceptanceCheck("image_crc32", false, missingHeader)
            : ImageCrcCheck(memory, map, header, imageSizeValid));

        var regions = map.FlashRegions.Select(r => new RegionUsage(r.Name, r.Base, r.Size, memory.Slice(r).ByteCount)).ToList();
        return new ImageInspection(header, checks, vectors, regions, memory.ByteCount - regions.Sum(r => r.UsedBytes));
    }

    private static ImageHeader? ReadHeader(MemoryImage memory, MemoryMap map, out string missing)
    {
        var bytes = new byte[ImageHeader.Size];
        if (!memory.TryRead(map.Header.Base, bytes))
        {
            missing = $"no complete {ImageHeader.Size}-byte header at {HexNumber.Format(map.Header.Base)} in this file";
            return null;
        }

        if (bytes.All(b => b == 0xFF))
        {
            missing = "no application header (erased: all 0xFF)";
            return null;
        }

        missing = "";
        return ImageHeader.Parse(bytes);
    }

    private static IEnumerable<AcceptanceCheck> HeaderChecks(ImageHeader header, MemoryMap map, uint boardId)
    {
        var headerCrc = header.ComputeHeaderCrc();
        return
        [
            Check("magic", header.HasExpectedMagic, header.MagicText, "expected 'L4AP'"),
            Check("header_version", header.HeaderVersion == ImageHeader.CurrentHeaderVersion, $"{header.HeaderVersion}",
                $"expected {ImageHeader.CurrentHeaderVersion}"),
            Check("header_size", header.HeaderSize == ImageHeader.Size, $"{header.HeaderSize}", $"expected {ImageHeader.Size}"),
            Check("header_crc32", header.HeaderCrc32 == headerCrc, HexNumber.Format(header.HeaderCrc32),
                $"computed {HexNumber.Format(headerCrc)} over bytes 0x00–0x3B"),
            Check("image_addr", header.ImageAddr == map.Image.Base, HexNumber.Format(header.ImageAddr),
                $"the image starts at {HexNumber.Format(map.Image.Base)}"),
            Check("image_size", header.ImageSize >= MinImageSize && header.ImageSize <= map.Image.Size, $"{header.ImageSize} bytes",
                $"must be {MinImageSize} to {map.Image.Size} (the image region)"),
            Check("board_id", header.BoardId == boardId, HexNumber.Format(header.BoardId), $"this board is {HexNumber.Format(boardId)}"),
        ];
    }

    private static AcceptanceCheck StackPointerCheck(uint? msp, MemoryMap map)
    {
        const string name = "initial MSP";
        if (msp is not { } sp)
            return new AcceptanceCheck(name, false, $"no vector table at {HexNumber.Format(map.Image.Base)}");
        // A full-descending stack: valid values run from just above the region's base up to its end.
        var ram = map.RamRegions.FirstOrDefault(r => sp > r.Base && sp <= r.End);
        if (ram is null)
            return new AcceptanceCheck(name, false, $"{HexNumber.Format(sp)} is outside {string.Join(", ", map.RamRegions)}");
        return sp % 8 == 0
            ? new AcceptanceCheck(name, true, $"{HexNumber.Format(sp)} in {ram.Name}, 8-byte aligned")
            : new AcceptanceCheck(name, false, $"{HexNumber.Format(sp)} in {ram.Name} but not 8-byte aligned (AAPCS needs 8)");
    }

    private static IEnumerable<AcceptanceCheck> ResetVectorChecks(uint? resetVector, uint imageBase, ulong imageEnd)
    {
        if (resetVector is not { } vector)
        {
            var missing = $"no vector table at {HexNumber.Format(imageBase)}";
            return [new("reset vector in image", false, missing), new("reset vector Thumb", false, missing)];
        }

        var target = vector & ~1u;
        var image = $"{HexNumber.Format(imageBase)}–{HexNumber.Format((uint)(imageEnd - 1))}";
        var inImage = target >= imageBase && target < imageEnd;
        return
        [
            new("reset vector in image", inImage, $"{HexNumber.Format(target)} is {(inImage ? "inside" : "outside")} the image {image}"),
            (vector & 1) == 1
                ? new("reset vector Thumb", true, $"{HexNumber.Format(vector)} is odd (Thumb)")
                : new("reset vector Thumb", false, $"{HexNumber.Format(vector)} is even: a Cortex-M runs only Thumb code, so the reset vector must be odd"),
        ];
    }

    private static AcceptanceCheck ImageCrcCheck(MemoryImage memory, MemoryMap map, ImageHeader header, bool imageSizeValid)
    {
        const string name = "image_crc32";
        if (!imageSizeValid)
            return new AcceptanceCheck(name, false, "not computed: image_size is invalid");
        var missingBytes = header.ImageSize - memory.Slice(map.Image.Base, map.Image.Base + (ulong)header.ImageSize).ByteCount;
        var computed = ImageCrc.Compute(memory.Read(map.Image.Base, (int)header.ImageSize, 0xFF));
        var note = missingBytes > 0 ? $" ({missingBytes} of the bytes are not in the file and count as erased 0xFF)" : "";
        return Check(name, computed == header.ImageCrc32, HexNumber.Format(header.ImageCrc32) + note,
            $"computed {HexNumber.Format(computed)} over {header.ImageSize} bytes from {HexNumber.Format(map.Image.Base)}");
    }

    /// <summary>A check whose detail is the value, plus what was expected when it fails.</summary>
    private static AcceptanceCheck Check(string name, bool passed, string value, string expectation) =>
        new(name, passed, passed ? value : $"{value}: {expectation}");

    private static uint? Word(MemoryImage memory, uint address)
    {
        var bytes = new byte[4];
        return memory.TryRead(address, bytes) ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : null;
    }
}
