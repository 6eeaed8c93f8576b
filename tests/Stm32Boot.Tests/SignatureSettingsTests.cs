using System.Text.Json.Nodes;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>RequireSignature and VerifySignatureAtBoot in build/settings.json: whether the bootloader installs only
/// signed images, and whether it checks the signature again at every boot; with SigningKey, the key they need.</summary>
public class SignatureSettingsTests
{
    private static string BuildConfig(string json) =>
        MemoryMapGenerator.Render(BuildSettings.Parse(json, "test-settings.json"))
            .Single(f => f.Name == MemoryMapGenerator.BuildConfigHeader).Content;

    private static string With(params (string Key, JsonNode? Value)[] changes)
    {
        var root = JsonNode.Parse(TestSettings.DefaultsJson)!.AsObject();
        foreach (var (key, value) in changes)
            root[key] = value;
        return root.ToJsonString();
    }

    [Fact]
    public void The_shipped_default_requires_signatures_and_checks_them_before_commit_only()
    {
        Assert.True(BuildSettings.Default.RequireSignature);
        Assert.False(BuildSettings.Default.VerifySignatureAtBoot);
        Assert.True(TestSettings.Defaults.RequireSignature);
        Assert.False(TestSettings.Defaults.VerifySignatureAtBoot);
    }

    [Theory]
    [InlineData(true, false, 1, 0)]
    [InlineData(true, true, 1, 1)]
    [InlineData(false, false, 0, 0)]
    public void Each_combination_renders_into_build_config_h(bool require, bool atBoot, int requireMacro, int atBootMacro)
    {
        var json = With(("RequireSignature", require), ("VerifySignatureAtBoot", atBoot));

        var settings = BuildSettings.Parse(json, "test-settings.json");
        Assert.Equal((require, atBoot), (settings.RequireSignature, settings.VerifySignatureAtBoot));
        var config = BuildConfig(json);
        Assert.Contains($"#define REQUIRE_SIGNATURE {requireMacro}\n", config);
        Assert.Contains($"#define VERIFY_SIGNATURE_AT_BOOT {atBootMacro}\n", config);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"  \"")]
    [InlineData("null")]
    public void Requiring_signatures_without_a_signing_key_is_refused_naming_both(string signingKey)
    {
        var error = Assert.Throws<Stm32BootException>(() => BuildSettings.Parse(With(("SigningKey", JsonNode.Parse(signingKey))), "test-settings.json"));

        Assert.StartsWith("test-settings.json: RequireSignature is true but SigningKey is empty: ", error.Message);
        Assert.Contains("Set SigningKey, or RequireSignature to false.", error.Message);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("null")]
    public void Without_required_signatures_the_signing_key_may_be_empty(string signingKey)
    {
        var settings = BuildSettings.Parse(With(("RequireSignature", false), ("SigningKey", JsonNode.Parse(signingKey))), "test-settings.json");

        Assert.Null(settings.SigningKey);
        Assert.False(settings.RequireSignature);
    }

    [Fact]
    public void Without_required_signatures_a_given_signing_key_still_signs()
    {
        var settings = BuildSettings.Parse(With(("RequireSignature", false)), "test-settings.json");

        Assert.Equal("keys/development-signing-key.pem", settings.SigningKey);
    }

    [Fact]
    public void Verifying_at_boot_without_required_signatures_is_refused_naming_both()
    {
        var error = Assert.Throws<Stm32BootException>(() =>
            BuildSettings.Parse(With(("RequireSignature", false), ("VerifySignatureAtBoot", true)), "test-settings.json"));

        Assert.Equal("test-settings.json: VerifySignatureAtBoot is true but RequireSignature is false: a bootloader that does not require " +
                     "signatures has no signature check to run at boot. Set RequireSignature to true, or VerifySignatureAtBoot to false.",
            error.Message);
    }

    [Theory]
    [InlineData("RequireSignature", "\"true\"", "RequireSignature \"true\" must be true or false (on the command line: --RequireSignature=true).")]
    [InlineData("RequireSignature", "1", "RequireSignature 1 must be true or false")]
    [InlineData("VerifySignatureAtBoot", "\"no\"", "VerifySignatureAtBoot \"no\" must be true or false (on the command line: --VerifySignatureAtBoot=true).")]
    [InlineData("VerifySignatureAtBoot", "0", "VerifySignatureAtBoot 0 must be true or false")]
    public void Other_values_are_refused(string key, string json, string expected)
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith(key, JsonNode.Parse(json)));

        Assert.StartsWith($"test-settings.json: {expected}", error.Message);
    }

    [Theory]
    [InlineData("RequireSignature")]
    [InlineData("VerifySignatureAtBoot")]
    [InlineData("SigningKey")]
    public void A_missing_key_is_named(string key)
    {
        var error = Assert.Throws<Stm32BootException>(() => TestSettings.ParseWith(key, null));

        Assert.Equal($"test-settings.json: {key} is missing.", error.Message);
    }

    [Fact]
    public void Without_a_key_signing_keys_h_has_no_table()
    {
        var file = SigningKeysGenerator.RenderNone("test-settings.json");

        Assert.Equal(SigningKeysGenerator.FileName, file.Name);
        Assert.Contains("#define SIGNING_KEY_COUNT 0u\n", file.Content);
        Assert.Contains("#define signing_keys ((const image_trusted_key_t *)0)\n", file.Content);
        Assert.DoesNotContain("signing_keys[", file.Content);
    }

    [Theory]
    [InlineData("\"keys/next.pub.pem\"")]
    [InlineData("[\"\"]")]
    [InlineData("[1]")]
    [InlineData("null")]
    public void TrustedKeys_must_be_a_list_of_key_paths(string trustedKeys)
    {
        var error = Assert.Throws<Stm32BootException>(() => BuildSettings.Parse(With(("TrustedKeys", JsonNode.Parse(trustedKeys))), "test-settings.json"));

        Assert.StartsWith($"test-settings.json: TrustedKeys {trustedKeys} must be a list of PEM key paths", error.Message);
    }

    [Fact]
    public void TrustedKeys_need_a_signing_key_and_default_to_none()
    {
        var error = Assert.Throws<Stm32BootException>(() => BuildSettings.Parse(
            With(("RequireSignature", false), ("SigningKey", ""), ("TrustedKeys", new JsonArray("keys/next.pub.pem"))), "test-settings.json"));

        Assert.StartsWith("test-settings.json: TrustedKeys lists keys but SigningKey is empty", error.Message);
        Assert.Empty(BuildSettings.Default.TrustedKeys);
        Assert.Equal(["keys/next.pub.pem"], BuildSettings.Parse(With(("TrustedKeys", new JsonArray("keys/next.pub.pem"))), "t.json").TrustedKeys);
    }
}
