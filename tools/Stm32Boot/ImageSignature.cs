namespace Stm32Boot;

/// <summary>Signs an image at stamp time and checks a signed one the way the bootloader will
/// (bootloader/core/image_verify.c): SHA-256 over the 64-byte header, the block's protected bytes and the image,
/// ECDSA P-256.</summary>
public static class ImageSignature
{
    /// <summary>The bytes the signature covers, in order.</summary>
    public static byte[] SignedBytes(ReadOnlySpan<byte> header, ReadOnlySpan<byte> protectedBytes, ReadOnlySpan<byte> image) =>
        [.. header, .. protectedBytes, .. image];

    /// <summary>The signature block for an image whose header is final (flags with <see cref="SignatureBlock.SignedFlag"/>,
    /// sizes and CRCs filled in).</summary>
    public static byte[] Sign(ImageHeader header, ReadOnlySpan<byte> image, SigningKey key, uint securityCounter)
    {
        if ((header.Flags & SignatureBlock.SignedFlag) == 0)
            throw new ArgumentException("The header must carry the signed flag before it is signed: the signature covers it.", nameof(header));
        var protectedBytes = SignatureBlock.CreateProtectedBytes(key.KeyId, securityCounter);
        return SignatureBlock.Create(protectedBytes, key.Sign(SignedBytes(header.ToBytes(), protectedBytes, image)));
    }

    /// <summary>The signature of the image in <paramref name="memory"/> whose header is <paramref name="header"/> (with an image
    /// size inside the image region): the block's status and, when <paramref name="key"/> is given, whether it verifies
    /// with that key. Bytes the file lacks count as erased (0xFF), as in flash.</summary>
    public static SignatureInspection Inspect(MemoryImage memory, MemoryMap map, ImageHeader header, SigningKey? key)
    {
        if ((header.Flags & SignatureBlock.SignedFlag) == 0)
            return new SignatureInspection(SignatureStatus.Unsigned, null, null);
        var status = SignatureBlock.TryParse(memory.Read(map.Header.Base + SignatureBlock.Offset, SignatureBlock.AreaSize, 0xFF), out var block);
        if (status != SignatureStatus.Ok || key is null)
            return new SignatureInspection(status, block, null);
        if (!block!.KeyId.AsSpan().SequenceEqual(key.KeyId))
            return new SignatureInspection(SignatureStatus.UnknownKey, block, key.KeyIdText);

        var image = memory.Read(map.Image.Base, (int)header.ImageSize, 0xFF);
        var verified = key.Verify(SignedBytes(header.ToBytes(), block.ProtectedBytes, image), block.Signature);
        return new SignatureInspection(verified ? SignatureStatus.Ok : SignatureStatus.BadSignature, block, key.KeyIdText);
    }
}

/// <summary>What <see cref="ImageSignature.Inspect"/> found.</summary>
/// <param name="Status">Unsigned, what is wrong with the block, or (with a key) whether the signature verifies; Ok without a
/// key means a well-formed block whose signature was not checked.</param>
/// <param name="Block">The parsed block, when it is well-formed.</param>
/// <param name="CheckedWithKeyId">The id of the key the signature was checked with; null when it was not checked.</param>
public sealed record SignatureInspection(SignatureStatus Status, SignatureBlock? Block, string? CheckedWithKeyId)
{
    public bool Signed => Status != SignatureStatus.Unsigned;
}
