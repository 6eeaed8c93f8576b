using System.Security.Cryptography;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>Signing keys: what `stm32boot keygen` writes loads back, the key id is what Python computes from the public
/// key's DER (as `openssl pkey -pubin -outform DER | sha256sum` would), the shipped development key is the one the
/// tools warn about, and every file that is not a usable P-256 key is refused with the reason.</summary>
public class SigningKeyTests
{
    private static async Task<(int ExitCode, string Out, string Error)> Stm32Boot(params string[] arguments)
    {
        var result = await ExternalTool.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "stm32boot.dll"), .. arguments]);
        return (result.ExitCode, result.StandardOutput, result.StandardError);
    }

    // SHA-256 over the DER inside a PEM, in Python: an implementation independent of .NET's key export.
    private static async Task<string> PythonKeyId(string pemPath)
    {
        var result = await ExternalTool.RunChecked("python3", ["-c",
            "import base64, hashlib, sys; lines = open(sys.argv[1]).read().split('\\n'); " +
            "der = base64.b64decode(''.join(l for l in lines if l and not l.startswith('-----'))); " +
            "print(hashlib.sha256(der).hexdigest()[:16])", pemPath]);
        return result.StandardOutput.Trim();
    }

    [Fact]
    public async Task Keygen_writes_a_private_and_a_public_key_that_load_with_the_same_id()
    {
        using var scratch = new ScratchDirectory();
        var keygen = await Stm32Boot("keygen", scratch.File("product.pem"));

        using var privateKey = SigningKey.Load(scratch.File("product.pem"));
        using var publicKey = SigningKey.Load(scratch.File("product.pub.pem"));
        Assert.Equal(0, keygen.ExitCode);
        Assert.Contains($"key id {privateKey.KeyIdText}", keygen.Out);
        Assert.True(privateKey.HasPrivateKey);
        Assert.False(publicKey.HasPrivateKey);
        Assert.Equal(privateKey.KeyId, publicKey.KeyId);
        Assert.Equal(privateKey.PublicPoint, publicKey.PublicPoint);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(scratch.File("product.pem")));
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(scratch.File("product.pub.pem")));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(scratch.File("product.pem")));
        Assert.Equal(await PythonKeyId(scratch.File("product.pub.pem")), privateKey.KeyIdText);
        Assert.Equal(65, privateKey.PublicPoint.Length);
        Assert.Equal(0x04, privateKey.PublicPoint[0]);
    }

    [Fact]
    public async Task Keygen_does_not_overwrite_a_key_unless_forced()
    {
        using var scratch = new ScratchDirectory();
        await Stm32Boot("keygen", scratch.File("k.pem"));
        var before = File.ReadAllText(scratch.File("k.pem"));

        var again = await Stm32Boot("keygen", scratch.File("k.pem"));
        var forced = await Stm32Boot("keygen", scratch.File("k.pem"), "--force");

        Assert.Equal(1, again.ExitCode);
        Assert.StartsWith($"stm32boot: error: '{scratch.File("k.pem")}' exists; keygen does not overwrite a key", again.Error);
        Assert.Equal(0, forced.ExitCode);
        Assert.NotEqual(before, File.ReadAllText(scratch.File("k.pem")));
    }

    [Fact]
    public async Task The_shipped_development_key_is_the_one_the_tools_call_public()
    {
        using var key = SigningKey.Load(Repository.Path("keys", "development-signing-key.pem"));
        using var publicKey = SigningKey.Load(Repository.Path("keys", "development-signing-key.pub.pem"));

        Assert.True(key.IsDevelopmentKey);
        Assert.Equal(SigningKey.DevelopmentKeyId, key.KeyIdText);
        Assert.Equal(key.PublicPoint, publicKey.PublicPoint);
        Assert.Equal(SigningKey.DevelopmentKeyId, await PythonKeyId(Repository.Path("keys", "development-signing-key.pub.pem")));
        using var other = SigningKey.Generate();
        Assert.False(other.IsDevelopmentKey);
    }

    [Fact]
    public void An_openssl_style_sec1_private_key_loads()
    {
        using var scratch = new ScratchDirectory();
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var path = scratch.Write("sec1.pem", ecdsa.ExportECPrivateKeyPem());

        using var key = SigningKey.Load(path);

        Assert.True(key.HasPrivateKey);
        Assert.Equal(ecdsa.ExportSubjectPublicKeyInfo(), key.PublicKeyInfo);
    }

    public static TheoryData<string, string, string> UnusableKeys()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var rsa = RSA.Create(2048);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new()
        {
            { "empty.pem", "", "holds no PEM block" },
            { "p384.pem", p384.ExportPkcs8PrivateKeyPem(), "is a key on curve ECDSA_P384 (1.3.132.0.34); the bootloader verifies ECDSA on P-256" },
            { "rsa.pem", rsa.ExportPkcs8PrivateKeyPem(), "holds a 'PRIVATE KEY' that is not an EC key .NET can read" },
            { "rsa-pkcs1.pem", rsa.ExportRSAPrivateKeyPem(), "holds a PEM 'RSA PRIVATE KEY'; expected an EC key" },
            { "encrypted.pem", p256.ExportEncryptedPkcs8PrivateKeyPem("secret", new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000)),
                "is an encrypted private key, which stm32boot does not read" },
        };
    }

    [Theory]
    [MemberData(nameof(UnusableKeys))]
    public void Unusable_key_files_are_refused_with_the_reason(string name, string content, string expected)
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Write(name, content);

        var error = Assert.Throws<Stm32BootException>(() => SigningKey.Load(path));

        Assert.StartsWith($"'{path}' ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_public_key_verifies_but_does_not_sign()
    {
        using var key = SigningKey.Load(Repository.Path("keys", "development-signing-key.pub.pem"));
        using var privateKey = SigningKey.Load(Repository.Path("keys", "development-signing-key.pem"));
        var signature = privateKey.Sign("data"u8);

        Assert.True(key.Verify("data"u8, signature));
        Assert.False(key.Verify("datA"u8, signature));
        Assert.Equal(64, signature.Length);
        var error = Assert.Throws<Stm32BootException>(() => key.Sign("data"u8));
        Assert.Contains("holds only a public key; signing needs the private key", error.Message);
    }

    [Fact]
    public void A_missing_key_file_is_named()
    {
        var error = Assert.Throws<MissingFileException>(() => SigningKey.Load("no/such/key.pem"));
        Assert.Equal("key file 'no/such/key.pem' not found.", error.Message);
    }
}
