using System.Text.Json;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>
/// The signature block has one definition, bootloader/core/image_signature.h; SignatureBlock mirrors it, and the
/// reasons of image_verify.h have the same texts on both sides. tests/host/signature_layout_dump.c prints the C
/// side; it is compiled here with the host compiler (against BearSSL's headers, as the Deps task unpacked them) and
/// its output compared with the C# constants.
/// </summary>
public class SignatureLayoutMatchesCTests
{
    [Fact]
    public async Task C_layout_and_reason_texts_equal_the_csharp_ones()
    {
        using var scratch = new ScratchDirectory();
        var program = scratch.File("signature_layout_dump");
        var bearSslDirectory = JsonDocument.Parse(File.ReadAllText(Repository.Path("build", "deps.json")))
            .RootElement.GetProperty("BearSSL").GetProperty("Directory").GetString()!;
        var bearSslInclude = Repository.Path("out", "deps", bearSslDirectory, "inc");
        Assert.True(Directory.Exists(bearSslInclude), $"{bearSslInclude} is missing: ./build.sh --target=Deps unpacks BearSSL.");

        // Only image_verify_status_text is called: with --gc-sections the rest of image_verify.c, and with it every
        // call into BearSSL, is dropped, so BearSSL itself need not be linked.
        await ExternalTool.RunChecked("cc", ["-std=c11", "-Wall", "-Werror", "-ffunction-sections", "-Wl,--gc-sections",
            "-I", Repository.Path("bootloader", "core"), "-I", Repository.Path("platform", "include"), "-I", bearSslInclude,
            Repository.Path("tests", "host", "signature_layout_dump.c"), Repository.Path("bootloader", "core", "image_verify.c"),
            Repository.Path("platform", "src", "text.c"), "-o", program]);
        var lines = (await ExternalTool.RunChecked(program, [])).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var values = lines.Where(l => !l.StartsWith("status ")).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => long.Parse(p[1]));
        var texts = lines.Where(l => l.StartsWith("status ")).Select(l => l.Split(' ', 3)).ToDictionary(p => int.Parse(p[1]), p => p[2]);

        Assert.Equal(new Dictionary<string, long>
        {
            ["offset"] = SignatureBlock.Offset,
            ["area_end"] = SignatureBlock.AreaEnd,
            ["magic0"] = SignatureBlock.Magic[0],
            ["magic1"] = SignatureBlock.Magic[1],
            ["version"] = SignatureBlock.Version,
            ["version_offset"] = 2,
            ["protected_size_offset"] = 4,
            ["block_size_offset"] = 6,
            ["header_size"] = SignatureBlock.HeaderSize,
            ["tlv_header_size"] = SignatureBlock.TlvHeaderSize,
            ["key_id_type"] = SignatureBlock.KeyIdType,
            ["security_counter_type"] = SignatureBlock.SecurityCounterType,
            ["signature_type"] = SignatureBlock.SignatureType,
            ["key_id_size"] = SignatureBlock.KeyIdSize,
            ["security_counter_size"] = SignatureBlock.SecurityCounterSize,
            ["signature_size"] = SignatureBlock.SignatureSize,
            ["point_size"] = 65,
            ["stamped_size"] = SignatureBlock.StampedSize,
            ["signed_flag"] = SignatureBlock.SignedFlag,
        }, values);
        Assert.Equal(Enum.GetValues<SignatureStatus>().ToDictionary(s => (int)s, SignatureBlock.Text), texts);
    }

    [Fact]
    public void A_stamped_block_is_laid_out_as_the_c_header_says()
    {
        var protectedBytes = SignatureBlock.CreateProtectedBytes([1, 2, 3, 4, 5, 6, 7, 8], 0x01020304);
        var block = SignatureBlock.Create(protectedBytes, Enumerable.Range(0, 64).Select(i => (byte)i).ToArray());

        Assert.Equal(
            Convert.FromHexString("5347" + "0100" + "1C00" + "6000" +
                                  "0100" + "0800" + "0102030405060708" +
                                  "0200" + "0400" + "04030201" +
                                  "1000" + "4000" + string.Concat(Enumerable.Range(0, 64).Select(i => $"{i:X2}"))),
            block);
        Assert.Equal(SignatureStatus.Ok, SignatureBlock.TryParse(block, out var parsed));
        Assert.Equal((28, 96, 0x01020304u), (parsed!.ProtectedSize, parsed.BlockSize, parsed.SecurityCounter));
        Assert.Equal(protectedBytes, parsed.ProtectedBytes);
    }
}
