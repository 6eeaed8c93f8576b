using System.Buffers.Binary;

namespace Stm32Boot;

/// <summary>Why a signature block (or the image it signs) is not accepted; the same reasons, in the same order and
/// with the same texts, as image_verify_status_t in bootloader/core/image_verify.h.</summary>
public enum SignatureStatus
{
    Ok,
    Unsigned,
    BadMagic,
    BadVersion,
    BadSize,
    BadTlv,
    DuplicateTlv,
    MissingTlv,
    UnknownKey,
    BadSignature,
}

/// <summary>
/// The signature block in the header page after the 64-byte header: ECDSA P-256 over SHA-256 of the header, the
/// block's protected part and the image. bootloader/core/image_signature.h documents the format and is its one
/// definition; these constants mirror it and a test compares the two. A block header (magic 'S','G', version,
/// protected_size, block_size), protected TLVs (key id, security counter), then unprotected ones (the signature).
/// </summary>
public sealed record SignatureBlock
{
    public const int Offset = ImageHeader.Size;
    public const int AreaEnd = 0x780;
    public const int AreaSize = AreaEnd - Offset;
    public const ushort Version = 1;
    public const int HeaderSize = 8;
    public const int TlvHeaderSize = 4;

    public const ushort KeyIdType = 0x0001;
    public const ushort SecurityCounterType = 0x0002;
    public const ushort SignatureType = 0x0010;

    public const int KeyIdSize = 8;
    public const int SecurityCounterSize = 4;
    public const int SignatureSize = 64;

    /// <summary>The block as <see cref="Create"/> writes it: header, key id, counter, signature.</summary>
    public const int StampedSize = HeaderSize + TlvHeaderSize + KeyIdSize + TlvHeaderSize + SecurityCounterSize + TlvHeaderSize + SignatureSize;

    /// <summary>image_header_t.flags: a signature block follows the header.</summary>
    public const uint SignedFlag = 0x0000_0001;

    public static ReadOnlySpan<byte> Magic => "SG"u8;

    /// <summary>Each known TLV: type, exact length, whether the signature covers it.</summary>
    private static readonly (ushort Type, int Length, bool Protected)[] KnownTlvs =
        [(KeyIdType, KeyIdSize, true), (SecurityCounterType, SecurityCounterSize, true), (SignatureType, SignatureSize, false)];

    public required ushort ProtectedSize { get; init; }
    public required ushort BlockSize { get; init; }
    public required byte[] KeyId { get; init; }
    public required uint SecurityCounter { get; init; }
    public required byte[] Signature { get; init; }

    /// <summary>The block's bytes from its start up to <see cref="ProtectedSize"/>: what the signature covers after the header.</summary>
    public required byte[] ProtectedBytes { get; init; }

    /// <summary>The fixed text of a status, as the bootloader prints it.</summary>
    public static string Text(SignatureStatus status) => status switch
    {
        SignatureStatus.Ok => "ok",
        SignatureStatus.Unsigned => "image not signed",
        SignatureStatus.BadMagic => "signature block: bad magic",
        SignatureStatus.BadVersion => "signature block: unsupported version",
        SignatureStatus.BadSize => "signature block: bad size",
        SignatureStatus.BadTlv => "signature block: bad TLV",
        SignatureStatus.DuplicateTlv => "signature block: duplicate TLV",
        SignatureStatus.MissingTlv => "signature block: missing TLV",
        SignatureStatus.UnknownKey => "unknown signing key",
        SignatureStatus.BadSignature => "bad signature",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>The protected part of a new block (block header, KEY_ID, SECURITY_COUNTER); the signature TLV follows it.</summary>
    public static byte[] CreateProtectedBytes(ReadOnlySpan<byte> keyId, uint securityCounter)
    {
        if (keyId.Length != KeyIdSize)
            throw new ArgumentException($"A key id is {KeyIdSize} bytes, got {keyId.Length}.", nameof(keyId));
        var bytes = new byte[StampedSize - TlvHeaderSize - SignatureSize];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], (ushort)bytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], StampedSize);
        var at = WriteTlv(span, HeaderSize, KeyIdType, keyId);
        Span<byte> counter = stackalloc byte[SecurityCounterSize];
        BinaryPrimitives.WriteUInt32LittleEndian(counter, securityCounter);
        WriteTlv(span, at, SecurityCounterType, counter);
        return bytes;
    }

    /// <summary>The whole block: <paramref name="protectedBytes"/> from <see cref="CreateProtectedBytes"/>, then the signature TLV.</summary>
    public static byte[] Create(ReadOnlySpan<byte> protectedBytes, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureSize)
            throw new ArgumentException($"An ECDSA P-256 signature is {SignatureSize} bytes (r then s), got {signature.Length}.", nameof(signature));
        var bytes = new byte[StampedSize];
        protectedBytes.CopyTo(bytes);
        WriteTlv(bytes, protectedBytes.Length, SignatureType, signature);
        return bytes;
    }

    /// <summary>Parses a block by the bootloader's rules (image_signature_parse): <paramref name="area"/> is the header
    /// page from <see cref="Offset"/> on, at most <see cref="AreaSize"/> bytes of it are looked at.</summary>
    public static SignatureStatus TryParse(ReadOnlySpan<byte> area, out SignatureBlock? block)
    {
        block = null;
        if (area.Length < HeaderSize || !area.StartsWith(Magic))
            return SignatureStatus.BadMagic;
        if (BinaryPrimitives.ReadUInt16LittleEndian(area[2..]) != Version)
            return SignatureStatus.BadVersion;
        var protectedSize = BinaryPrimitives.ReadUInt16LittleEndian(area[4..]);
        var blockSize = BinaryPrimitives.ReadUInt16LittleEndian(area[6..]);
        if (protectedSize < HeaderSize || blockSize < protectedSize || blockSize > AreaSize || blockSize > area.Length)
            return SignatureStatus.BadSize;

        var values = new byte[KnownTlvs.Length][];
        var status = ParseArea(area, HeaderSize, protectedSize, true, values);
        if (status == SignatureStatus.Ok)
            status = ParseArea(area, protectedSize, blockSize, false, values);
        if (status == SignatureStatus.Ok && values.Any(v => v is null))
            status = SignatureStatus.MissingTlv;
        if (status != SignatureStatus.Ok)
            return status;

        block = new SignatureBlock
        {
            ProtectedSize = protectedSize,
            BlockSize = blockSize,
            KeyId = values[0],
            SecurityCounter = BinaryPrimitives.ReadUInt32LittleEndian(values[1]),
            Signature = values[2],
            ProtectedBytes = area[..protectedSize].ToArray(),
        };
        return SignatureStatus.Ok;
    }

    private static SignatureStatus ParseArea(ReadOnlySpan<byte> area, int start, int end, bool protectedArea, byte[]?[] values)
    {
        for (var at = start; at < end;)
        {
            if (end - at < TlvHeaderSize)
                return SignatureStatus.BadTlv;
            var type = BinaryPrimitives.ReadUInt16LittleEndian(area[at..]);
            var length = BinaryPrimitives.ReadUInt16LittleEndian(area[(at + 2)..]);
            at += TlvHeaderSize;
            if (length > end - at)
                return SignatureStatus.BadTlv;
            var known = Array.FindIndex(KnownTlvs, t => t.Type == type);
            if (known >= 0)
            {
                if (KnownTlvs[known].Protected != protectedArea || KnownTlvs[known].Length != length)
                    return SignatureStatus.BadTlv;
                if (values[known] is not null)
                    return SignatureStatus.DuplicateTlv;
                values[known] = area.Slice(at, length).ToArray();
            }

            at += length;
        }

        return SignatureStatus.Ok;
    }

    private static int WriteTlv(Span<byte> block, int at, ushort type, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(block[at..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(block[(at + 2)..], (ushort)value.Length);
        value.CopyTo(block[(at + TlvHeaderSize)..]);
        return at + TlvHeaderSize + value.Length;
    }
}
