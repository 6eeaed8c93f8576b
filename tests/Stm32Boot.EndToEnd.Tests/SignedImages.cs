namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// Signed application images for the secure-boot tests: signing any image (the demo application grown, a synthetic
/// one) as `stm32boot stamp --key` does, and the six updates a bootloader with RequireSignature must refuse, each
/// with the reason it names (bootloader/core/image_verify.c's texts, as <see cref="SignatureBlock.Text"/> mirrors
/// them). Each refused image is the good one with exactly one thing wrong.
/// </summary>
public static class SignedImages
{
    /// <summary>The ways an update is refused for its signature or its security counter.</summary>
    public enum Refusal
    {
        /// <summary>Stamped without a key: flags bit 0 clear, no signature block.</summary>
        Unsigned,

        /// <summary>Signed by a key the bootloader does not trust (a fresh P-256 key).</summary>
        OtherKey,

        /// <summary>A header field changed (fw_version's build), header CRC recomputed, signature not redone.</summary>
        TamperedHeader,

        /// <summary>One bit of the image flipped, image and header CRC recomputed, signature not redone.</summary>
        TamperedImage,

        /// <summary>One bit of the signature's r flipped.</summary>
        TamperedSignature,

        /// <summary>Signed with the trusted key, but with a security counter below the board's minimum.</summary>
        LowerCounter,
    }

    public static IReadOnlyList<Refusal> All { get; } = Enum.GetValues<Refusal>();

    /// <summary>The refusals the bootloader can tell from the header page alone (flags, key id, counter): over UART it
    /// refuses them before an image page changes. The others only show once the whole image is there to hash.</summary>
    public static bool IsHeaderLevel(Refusal refusal) => refusal is Refusal.Unsigned or Refusal.OtherKey or Refusal.LowerCounter;

    /// <summary>The bootloader's reason for the refusal, as its lines print it.</summary>
    public static string Reason(Refusal refusal, uint minimumCounter = 0) => refusal switch
    {
        Refusal.Unsigned => SignatureBlock.Text(SignatureStatus.Unsigned),
        Refusal.OtherKey => SignatureBlock.Text(SignatureStatus.UnknownKey),
        Refusal.LowerCounter => $"security counter {minimumCounter - 1} below minimum {minimumCounter}",
        _ => SignatureBlock.Text(SignatureStatus.BadSignature),
    };

    /// <summary>A key no bootloader of this build trusts, made once per test run.</summary>
    public static SigningKey OtherKey => LazyOtherKey.Value;

    private static readonly Lazy<SigningKey> LazyOtherKey = new(SigningKey.Generate);

    private static uint BlockBase(BuildOutput build) => build.Map.Header.Base + SignatureBlock.Offset;

    /// <summary>The demo application as version, signed with the build's key and the given security counter (the
    /// settings' SecurityCounter by default).</summary>
    public static MemoryImage Good(FirmwareVersion version, uint? securityCounter = null, BuildOutput? build = null)
    {
        build ??= Shipped.Build;
        return build.Application(version, new ImageSigning(build.SigningKey, securityCounter ?? build.Settings.SecurityCounter)).Image;
    }

    /// <summary>The demo application as version with exactly this one thing wrong. For
    /// <see cref="Refusal.LowerCounter"/> the counter is minimumCounter - 1 (minimumCounter must be at least 1).</summary>
    public static MemoryImage Refused(Refusal refusal, FirmwareVersion version, uint minimumCounter = 0, BuildOutput? build = null)
    {
        build ??= Shipped.Build;
        switch (refusal)
        {
            case Refusal.Unsigned:
                return build.UnsignedApplication(version).Image;
            case Refusal.OtherKey:
                return build.Application(version, new ImageSigning(OtherKey, build.Settings.SecurityCounter)).Image;
            case Refusal.LowerCounter:
                if (minimumCounter == 0)
                    throw new ArgumentOutOfRangeException(nameof(minimumCounter), "no counter is below a minimum of 0");
                return Good(version, minimumCounter - 1, build);
        }

        var image = Good(version, build: build);
        var header = ImageVariants.ReadHeader(image, build);
        switch (refusal)
        {
            case Refusal.TamperedHeader:
                var v = header.FwVersion;
                WriteHeader(image, header with { FwVersion = new FirmwareVersion(v.Major, v.Minor, v.Patch, (ushort)(v.Build + 1)) }, build);
                break;
            case Refusal.TamperedImage:
                // In the middle of the image, away from the vector table, so that every other check still passes.
                FlipBit(image, build.Map.Image.Base + header.ImageSize / 2, 3);
                WriteHeader(image, header with { ImageCrc32 = ImageCrc.Compute(image.Read(header.ImageAddr, (int)header.ImageSize, 0xFF)) }, build);
                break;
            case Refusal.TamperedSignature:
                FlipBit(image, BlockBase(build) + SignatureBlock.StampedSize - SignatureBlock.SignatureSize + 5, 2);
                break;
        }

        return image;
    }

    /// <summary>
    /// Signs an image whose header and image bytes are final but whose signature is not (an image grown or built here,
    /// an unsigned stamp): sets the signed flag, recomputes the header CRC and writes a fresh block after the header,
    /// as `stm32boot stamp --key` does. The image must be complete: bytes it lacks count as erased (0xFF).
    /// </summary>
    public static MemoryImage Sign(MemoryImage image, SigningKey? key = null, uint? securityCounter = null, BuildOutput? build = null)
    {
        build ??= Shipped.Build;
        var header = ImageVariants.ReadHeader(image, build);
        header = header with { Flags = header.Flags | SignatureBlock.SignedFlag };
        header = header with { HeaderCrc32 = header.ComputeHeaderCrc() };
        var block = ImageSignature.Sign(header, image.Read(header.ImageAddr, (int)header.ImageSize, 0xFF), key ?? build.SigningKey,
            securityCounter ?? build.Settings.SecurityCounter);
        image.Write(build.Map.Header.Base, header.ToBytes());
        image.Write(BlockBase(build), block);
        return image;
    }

    private static void WriteHeader(MemoryImage image, ImageHeader header, BuildOutput build) =>
        image.Write(build.Map.Header.Base, (header with { HeaderCrc32 = header.ComputeHeaderCrc() }).ToBytes());

    private static void FlipBit(MemoryImage image, uint address, int bit) =>
        image.Write(address, [(byte)(image.Read(address, 1, 0xFF)[0] ^ (1 << bit))]);
}
