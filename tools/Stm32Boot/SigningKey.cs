using System.Security.Cryptography;

namespace Stm32Boot;

/// <summary>
/// An ECDSA key on NIST P-256, read from PEM with .NET's own <see cref="ECDsa"/>: a private key (PKCS#8 "PRIVATE
/// KEY", or SEC1 "EC PRIVATE KEY" as <c>openssl ecparam -genkey</c> writes it) signs and verifies, a public key
/// ("PUBLIC KEY", SubjectPublicKeyInfo) only verifies. Its <see cref="KeyId"/> names it in a signature block and in the
/// bootloader's table of trusted keys.
/// </summary>
public sealed class SigningKey : IDisposable
{
    /// <summary>keys/development-signing-key.pem's id. That key is public (it is in the repository), so anything it
    /// signs can be signed by anyone: fine for development, never for a product.</summary>
    public const string DevelopmentKeyId = "2e283f35dee37e91";

    private const string P256Oid = "1.2.840.10045.3.1.7";

    private readonly ECDsa key;

    private SigningKey(ECDsa key, bool hasPrivateKey, string source)
    {
        this.key = key;
        HasPrivateKey = hasPrivateKey;
        Source = source;
        PublicKeyInfo = key.ExportSubjectPublicKeyInfo();
        KeyId = SHA256.HashData(PublicKeyInfo)[..SignatureBlock.KeyIdSize];
        var q = key.ExportParameters(false).Q;
        PublicPoint = [0x04, .. q.X!, .. q.Y!];
    }

    /// <summary>Where the key came from, for messages: a path, or "new key".</summary>
    public string Source { get; }

    public bool HasPrivateKey { get; }

    /// <summary>DER SubjectPublicKeyInfo, what <c>openssl pkey -pubin -outform DER</c> writes.</summary>
    public byte[] PublicKeyInfo { get; }

    /// <summary>The first 8 bytes of SHA-256 over <see cref="PublicKeyInfo"/>.</summary>
    public byte[] KeyId { get; }

    /// <summary><see cref="KeyId"/> in lower-case hex, as <c>sha256sum</c> starts its line.</summary>
    public string KeyIdText => Convert.ToHexString(KeyId).ToLowerInvariant();

    /// <summary>The X9.62 uncompressed point: 0x04, X, Y (32 bytes each, big-endian), as the bootloader's key table holds it.</summary>
    public byte[] PublicPoint { get; }

    public bool IsDevelopmentKey => KeyIdText == DevelopmentKeyId;

    public static SigningKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256), true, "new key");

    /// <summary>Reads the first key in a PEM file; refuses anything but an unencrypted P-256 EC key.</summary>
    public static SigningKey Load(string path)
    {
        if (!File.Exists(path))
            throw new MissingFileException($"key file '{path}' not found.");
        var pem = File.ReadAllText(path);
        if (!PemEncoding.TryFind(pem, out var fields))
            throw new Stm32BootException($"'{path}' holds no PEM block (-----BEGIN ...-----); a signing key is a PEM file as `stm32boot keygen` or openssl writes it.");
        var label = pem[fields.Label];
        if (label == "ENCRYPTED PRIVATE KEY")
            throw new Stm32BootException($"'{path}' is an encrypted private key, which stm32boot does not read; keep it encrypted at rest and decrypt it for the signing step only " +
                                         "(`openssl pkey -in KEY -out PLAIN.pem`).");
        if (label is not ("PRIVATE KEY" or "EC PRIVATE KEY" or "PUBLIC KEY"))
            throw new Stm32BootException($"'{path}' holds a PEM '{label}'; expected an EC key: 'PRIVATE KEY' (PKCS#8), 'EC PRIVATE KEY' or 'PUBLIC KEY'.");

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem[fields.Location]);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new Stm32BootException($"'{path}' holds a '{label}' that is not an EC key .NET can read ({e.Message.TrimEnd('.')}); " +
                                         "signing keys are ECDSA keys on P-256 (`stm32boot keygen`).");
        }

        var oid = key.ExportParameters(false).Curve.Oid;
        if (oid?.Value != P256Oid)
        {
            key.Dispose();
            var curve = oid?.Value is null ? "an unnamed curve" : $"curve {oid.FriendlyName} ({oid.Value})";
            throw new Stm32BootException($"'{path}' is a key on {curve}; the bootloader verifies ECDSA on P-256 (prime256v1, secp256r1) only.");
        }

        return new SigningKey(key, label != "PUBLIC KEY", path);
    }

    public string PrivateKeyPem => HasPrivateKey
        ? key.ExportPkcs8PrivateKeyPem()
        : throw new InvalidOperationException($"{Source} holds only a public key.");

    public string PublicKeyPem => key.ExportSubjectPublicKeyInfoPem();

    /// <summary>ECDSA over SHA-256 of <paramref name="data"/>: r then s, 32 bytes each (IEEE P1363).</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) => HasPrivateKey
        ? key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
        : throw new Stm32BootException($"'{Source}' holds only a public key; signing needs the private key ('PRIVATE KEY' or 'EC PRIVATE KEY' PEM).");

    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public void Dispose() => key.Dispose();
}
