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

    public static MemoryMapGenerator.GeneratedFile Render(SigningKey key, string source) => Render([(key, source)]);

    /// <param name="keys">The signing key first, then the further trusted keys (TrustedKeys), each with where it came
    /// from; no two with the same key id (the bootloader picks a key by id).</param>
    public static MemoryMapGenerator.GeneratedFile Render(IReadOnlyList<(SigningKey Key, string Source)> keys)
    {
        if (keys.Count == 0)
            throw new ArgumentException("at least the signing key", nameof(keys));
        var twice = keys.GroupBy(k => k.Key.KeyIdText).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new Stm32BootException($"key id {twice.Key} is trusted twice ({string.Join(", ", twice.Select(k => k.Source))}): " +
                                         "the bootloader picks a key by its id, so each trusted key must be a different key.");
        var text = new StringBuilder();
        text.Append($"/* Generated from {string.Join(", ", keys.Select(k => k.Source))} by `stm32boot generate`. Do not edit: change SigningKey or\n");
        text.Append(" * TrustedKeys in the settings and rebuild.\n");
        text.Append(" * The public keys the bootloader trusts, for image_verify(). It defines the table: include it from one file only. */\n");
        text.Append("#ifndef SIGNING_KEYS_H\n#define SIGNING_KEYS_H\n\n");
        text.Append("#include \"image_verify.h\"\n\n");
        text.Append($"#define SIGNING_KEY_COUNT {keys.Count}u\n\n");
        text.Append("static const image_trusted_key_t signing_keys[SIGNING_KEY_COUNT] = {\n");
        foreach (var (key, source) in keys)
        {
            text.Append($"    /* key id {key.KeyIdText}, {(key.IsDevelopmentKey ? "the public development key" : source)} */\n");
            text.Append("    {\n");
            text.Append($"        .id = {{ {Bytes(key.KeyId)} }},\n");
            text.Append("        .point = {\n");
            foreach (var line in key.PublicPoint.Chunk(13))
                text.Append($"            {Bytes(line)},\n");
            text.Append("        },\n    },\n");
        }
        text.Append("};\n\n#endif /* SIGNING_KEYS_H */\n");
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
