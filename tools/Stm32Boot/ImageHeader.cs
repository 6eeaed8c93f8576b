using System.Buffers.Binary;
using System.Text;

namespace Stm32Boot;

/// <summary>
/// The 64-byte little-endian application header at the header base (docs/design.md §4; in C, image_header_t in
/// bootloader/core/image_header.h). The rest of the header page stays erased.
/// </summary>
public sealed record ImageHeader
{
    public const int Size = 64;
    public const ushort CurrentHeaderVersion = 1;

    public const int MagicOffset = 0x00;
    public const int HeaderVersionOffset = 0x04;
    public const int HeaderSizeOffset = 0x06;
    public const int FwVersionOffset = 0x08;
    public const int ImageAddrOffset = 0x10;
    public const int ImageSizeOffset = 0x14;
    public const int ImageCrc32Offset = 0x18;
    public const int BoardIdOffset = 0x1C;
    public const int FlagsOffset = 0x20;
    public const int ReservedOffset = 0x24;
    public const int ReservedLength = 24;
    public const int HeaderCrc32Offset = 0x3C;

    /// <summary>Every field as the C struct names it: (name, offset, size in bytes), in address order.</summary>
    public static IReadOnlyList<(string Name, int Offset, int Size)> Layout { get; } =
    [
        ("magic", MagicOffset, 4),
        ("header_version", HeaderVersionOffset, 2),
        ("header_size", HeaderSizeOffset, 2),
        ("fw_version", FwVersionOffset, 8),
        ("image_addr", ImageAddrOffset, 4),
        ("image_size", ImageSizeOffset, 4),
        ("image_crc32", ImageCrc32Offset, 4),
        ("board_id", BoardIdOffset, 4),
        ("flags", FlagsOffset, 4),
        ("reserved", ReservedOffset, ReservedLength),
        ("header_crc32", HeaderCrc32Offset, 4),
    ];

    /// <summary>'L','4','A','P' in memory order.</summary>
    public static ReadOnlySpan<byte> ExpectedMagic => "L4AP"u8;

    public required byte[] Magic { get; init; }
    public required ushort HeaderVersion { get; init; }
    public required ushort HeaderSize { get; init; }
    public required FirmwareVersion FwVersion { get; init; }
    public required uint ImageAddr { get; init; }
    public required uint ImageSize { get; init; }
    public required uint ImageCrc32 { get; init; }
    public required uint BoardId { get; init; }
    public required uint Flags { get; init; }
    public required byte[] Reserved { get; init; }
    public required uint HeaderCrc32 { get; init; }

    public bool HasExpectedMagic => Magic.AsSpan().SequenceEqual(ExpectedMagic);

    /// <summary>The magic for reports: ASCII where printable, otherwise hex bytes.</summary>
    public string MagicText => Magic.All(b => b is >= 0x20 and < 0x7F)
        ? $"'{Encoding.ASCII.GetString(Magic)}'"
        : Convert.ToHexString(Magic);

    public static ImageHeader Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Size)
            throw new ArgumentException($"An image header is {Size} bytes, got {bytes.Length}.", nameof(bytes));
        return new ImageHeader
        {
            Magic = bytes.Slice(MagicOffset, 4).ToArray(),
            HeaderVersion = BinaryPrimitives.ReadUInt16LittleEndian(bytes[HeaderVersionOffset..]),
            HeaderSize = BinaryPrimitives.ReadUInt16LittleEndian(bytes[HeaderSizeOffset..]),
            FwVersion = new FirmwareVersion(
                BinaryPrimitives.ReadUInt16LittleEndian(bytes[FwVersionOffset..]),
                BinaryPrimitives.ReadUInt16LittleEndian(bytes[(FwVersionOffset + 2)..]),
                BinaryPrimitives.ReadUInt16LittleEndian(bytes[(FwVersionOffset + 4)..]),
                BinaryPrimitives.ReadUInt16LittleEndian(bytes[(FwVersionOffset + 6)..])),
            ImageAddr = BinaryPrimitives.ReadUInt32LittleEndian(bytes[ImageAddrOffset..]),
            ImageSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes[ImageSizeOffset..]),
            ImageCrc32 = BinaryPrimitives.ReadUInt32LittleEndian(bytes[ImageCrc32Offset..]),
            BoardId = BinaryPrimitives.ReadUInt32LittleEndian(bytes[BoardIdOffset..]),
            Flags = BinaryPrimitives.ReadUInt32LittleEndian(bytes[FlagsOffset..]),
            Reserved = bytes.Slice(ReservedOffset, ReservedLength).ToArray(),
            HeaderCrc32 = BinaryPrimitives.ReadUInt32LittleEndian(bytes[HeaderCrc32Offset..]),
        };
    }

    /// <summary>The 64 bytes as stored, with <see cref="HeaderCrc32"/> as it is (not recomputed).</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        var span = bytes.AsSpan();
        Magic.CopyTo(span[MagicOffset..]);
        BinaryPrimitives.WriteUInt16LittleEndian(span[HeaderVersionOffset..], HeaderVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(span[HeaderSizeOffset..], HeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[FwVersionOffset..], FwVersion.Major);
        BinaryPrimitives.WriteUInt16LittleEndian(span[(FwVersionOffset + 2)..], FwVersion.Minor);
        BinaryPrimitives.WriteUInt16LittleEndian(span[(FwVersionOffset + 4)..], FwVersion.Patch);
        BinaryPrimitives.WriteUInt16LittleEndian(span[(FwVersionOffset + 6)..], FwVersion.Build);
        BinaryPrimitives.WriteUInt32LittleEndian(span[ImageAddrOffset..], ImageAddr);
        BinaryPrimitives.WriteUInt32LittleEndian(span[ImageSizeOffset..], ImageSize);
        BinaryPrimitives.WriteUInt32LittleEndian(span[ImageCrc32Offset..], ImageCrc32);
        BinaryPrimitives.WriteUInt32LittleEndian(span[BoardIdOffset..], BoardId);
        BinaryPrimitives.WriteUInt32LittleEndian(span[FlagsOffset..], Flags);
        Reserved.CopyTo(span[ReservedOffset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[HeaderCrc32Offset..], HeaderCrc32);
        return bytes;
    }

    /// <summary>CRC-32 over bytes 0x00–0x3B, the value <see cref="HeaderCrc32"/> must hold.</summary>
    public uint ComputeHeaderCrc() => ImageCrc.Compute(ToBytes().AsSpan(0, HeaderCrc32Offset));
}
