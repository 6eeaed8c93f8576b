using System.Text;

namespace Stm32Boot;

/// <summary>
/// Renders signing_keys.h, the table of public keys the bootloader trusts (image_trusted_key_t, in
/// bootloader/core/image_verify.h), from the signing key: its key id and its X9.62 uncompressed point. The private
/// half never reaches the firmware.
/// </summary>
public static class SigningKeysGenerator
{
    public const string FileName = "signing_keys.h";

    public static MemoryMapGenerator.GeneratedFile Render(SigningKey key, string source)
    {
        var text = new StringBuilder();
        text.Append($"/* Generated from {source} by `stm32boot generate`. Do not edit: change SigningKey in the settings and rebuild.\n");
        text.Append(" * The public keys the bootloader trusts, for image_verify(). It defines the table: include it from one file only. */\n");
        text.Append("#ifndef SIGNING_KEYS_H\n#define SIGNING_KEYS_H\n\n");
        text.Append("#include \"image_verify.h\"\n\n");
        text.Append("#define SIGNING_KEY_COUNT 1u\n\n");
        text.Append("static const image_trusted_key_t signing_keys[SIGNING_KEY_COUNT] = {\n");
        text.Append($"    /* key id {key.KeyIdText}{(key.IsDevelopmentKey ? ", the public development key" : "")} */\n");
        text.Append("    {\n");
        text.Append($"        .id = {{ {Bytes(key.KeyId)} }},\n");
        text.Append("        .point = {\n");
        foreach (var line in key.PublicPoint.Chunk(13))
            text.Append($"            {Bytes(line)},\n");
        text.Append("        },\n    },\n};\n\n#endif /* SIGNING_KEYS_H */\n");
        return new MemoryMapGenerator.GeneratedFile(FileName, text.ToString());
    }

    /// <summary>signing_keys.h for settings without a SigningKey (RequireSignature false): no key. C11 has no
    /// zero-length arrays, so signing_keys is a null pointer with a count of 0, which code that takes the table
    /// (image_policy_t.keys) accepts unchanged; a bootloader built so never verifies, so it never reads a key.</summary>
    public static MemoryMapGenerator.GeneratedFile RenderNone(string source)
    {
        var text = new StringBuilder();
        text.Append($"/* Generated from {source} by `stm32boot generate`. Do not edit: change SigningKey in the settings and rebuild.\n");
        text.Append(" * SigningKey is empty (allowed only with RequireSignature false): the bootloader trusts no key. */\n");
        text.Append("#ifndef SIGNING_KEYS_H\n#define SIGNING_KEYS_H\n\n");
        text.Append("#include \"image_verify.h\"\n\n");
        text.Append("#define SIGNING_KEY_COUNT 0u\n\n");
        text.Append("/* No table: C11 has no zero-length arrays. */\n");
        text.Append("#define signing_keys ((const image_trusted_key_t *)0)\n\n#endif /* SIGNING_KEYS_H */\n");
        return new MemoryMapGenerator.GeneratedFile(FileName, text.ToString());
    }

    private static string Bytes(IEnumerable<byte> bytes) => string.Join(", ", bytes.Select(b => $"0x{b:X2}"));
}
