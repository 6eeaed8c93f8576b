// The key and security counter the build signs the application with (SigningKey and SecurityCounter of the
// settings), for the benches that stamp, pad or re-stamp images: a bootloader built with RequireSignature installs
// only signed images, and one built with VerifySignatureAtBoot boots only them, so every changed image is signed again.
namespace Stm32Boot.Bench;

internal static class BenchSigning
{
    /// The settings' signing; null when they name no key (RequireSignature false), and the images stay unsigned.
    public static ImageSigning? Load(BuildSettings settings) =>
        settings.SigningKey is null
            ? null
            // Relative to the repository's root, as the build resolves it (it runs the tools from there).
            : new ImageSigning(SigningKey.Load(Path.Combine(RepositoryRoot, settings.SigningKey)), settings.SecurityCounter);

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props"))) return dir.FullName;
            throw new DirectoryNotFoundException("Run the benchmarks from inside the repository, or pass the out/ directory as the first argument.");
        }
    }

    /// The header for image (its size and CRCs filled in from it) and the signature block that goes after it: signed
    /// with signing, or no block and the signed flag cleared without it.
    public static (ImageHeader Header, byte[] Block) Stamp(ImageHeader header, byte[] image, ImageSigning? signing)
    {
        var filled = header with
        {
            ImageSize = (uint)image.Length,
            ImageCrc32 = ImageCrc.Compute(image),
            Flags = signing is null ? header.Flags & ~SignatureBlock.SignedFlag : header.Flags | SignatureBlock.SignedFlag,
        };
        filled = filled with { HeaderCrc32 = filled.ComputeHeaderCrc() };
        return (filled, signing is null ? [] : ImageSignature.Sign(filled, image, signing.Key, signing.SecurityCounter));
    }
}
