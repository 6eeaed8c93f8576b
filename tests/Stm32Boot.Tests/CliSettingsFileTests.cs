using Xunit;

namespace Stm32Boot.Tests;

/// <summary>Which settings the CLI uses without --settings: those of the built tree it runs in (out/settings.effective.json
/// beside build/settings.json), so `stm32boot info out/application.hex` after `./build.sh --BoardId=...` judges the image
/// by the board it was built for; --settings still wins; outside a built tree, the embedded defaults.</summary>
public class CliSettingsFileTests
{
    private const string OtherBoard = "0x04150002";

    private static async Task<(int ExitCode, string Out, string Error)> Stm32Boot(string workingDirectory, params string[] arguments)
    {
        var result = await ExternalTool.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "stm32boot.dll"), .. arguments], workingDirectory);
        return (result.ExitCode, result.StandardOutput, result.StandardError);
    }

    /// <summary>A built tree in <paramref name="scratch"/>: the shipped build/settings.json, effective settings for
    /// another board, and out/application.hex stamped with them.</summary>
    private static async Task<string> BuiltTreeForAnotherBoard(ScratchDirectory scratch)
    {
        Directory.CreateDirectory(scratch.File("build"));
        Directory.CreateDirectory(scratch.File("out"));
        scratch.Write("build/settings.json", TestSettings.DefaultsJson);
        var effective = scratch.Write("out/settings.effective.json", TestSettings.With("BoardId", OtherBoard));
        var elf = await new TinyArmElf { WithSignatureSection = true }.Build(scratch, TestSettings.ParseWith("BoardId", OtherBoard));
        // Stamped from the repository's root, where the settings' SigningKey path starts.
        var stamp = await Stm32Boot(Repository.Root, "stamp", elf, "--settings", effective, "--out-dir", scratch.File("out"), "--name", "application");
        Assert.True(stamp.ExitCode == 0, stamp.Error);
        return effective;
    }

    /// <summary>An IDE's post-build step (docs/your-application.md) runs in the IDE's build folder, outside the
    /// repository, and names the repository's effective settings: their relative SigningKey is that repository's.</summary>
    [Fact]
    public async Task Stamp_outside_the_repository_signs_with_the_key_of_the_repository_its_settings_belong_to()
    {
        using var repository = new ScratchDirectory();
        using var ide = new ScratchDirectory();
        using var key = SigningKey.Generate();
        Directory.CreateDirectory(repository.File("build"));
        Directory.CreateDirectory(repository.File("out"));
        Directory.CreateDirectory(repository.File("keys"));
        repository.Write("build/settings.json", TestSettings.DefaultsJson);
        repository.Write("keys/product.pem", key.PrivateKeyPem);
        var effective = repository.Write("out/settings.effective.json", TestSettings.With("SigningKey", "keys/product.pem"));
        var elf = await new TinyArmElf { WithSignatureSection = true }.Build(ide, TestSettings.Defaults);

        var stamp = await Stm32Boot(ide.Path, "stamp", elf, "--settings", effective, "--out-dir", "stamped");

        Assert.True(stamp.ExitCode == 0, stamp.Out + stamp.Error);
        Assert.Contains($"signed by key {key.KeyIdText} ({repository.File("keys/product.pem")})", stamp.Out);
        Assert.True(File.Exists(ide.File("stamped/application.hex")));
    }

    [Fact]
    public async Task Info_in_a_built_tree_uses_its_effective_settings_and_says_so()
    {
        using var scratch = new ScratchDirectory();
        var effective = await BuiltTreeForAnotherBoard(scratch);
        var below = Directory.CreateDirectory(scratch.File("out/deeper")).FullName;
        var key = Repository.Path("keys", "development-signing-key.pem");

        var atRoot = await Stm32Boot(scratch.Path, "info", "out/application.hex", "--key", key);
        var fromBelow = await Stm32Boot(below, "info", "../application.hex", "--key", key);

        Assert.Equal((0, ""), (atRoot.ExitCode, atRoot.Error));
        Assert.Contains($"settings: {effective}", atRoot.Out);
        Assert.Contains("accepted:", atRoot.Out);
        Assert.Equal(0, fromBelow.ExitCode);
        Assert.Contains($"settings: {effective}", fromBelow.Out);
    }

    [Fact]
    public async Task The_settings_option_wins_over_the_built_tree()
    {
        using var scratch = new ScratchDirectory();
        await BuiltTreeForAnotherBoard(scratch);
        var shipped = scratch.File("build/settings.json");

        var result = await Stm32Boot(scratch.Path, "info", "out/application.hex", "--settings", shipped,
            "--key", Repository.Path("keys", "development-signing-key.pem"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"settings: {shipped}", result.Out);
        Assert.Contains("refused:", result.Out);
    }

    [Fact]
    public async Task Outside_a_built_tree_the_embedded_defaults_are_used()
    {
        using var scratch = new ScratchDirectory();
        await BuiltTreeForAnotherBoard(scratch);
        // Outside the repository, so that no built tree lies above it.
        var outside = Directory.CreateTempSubdirectory("stm32boot-tests-");
        try
        {
            File.Copy(scratch.File("out/application.hex"), Path.Combine(outside.FullName, "application.hex"));

            var result = await Stm32Boot(outside.FullName, "info", "application.hex",
                "--key", Repository.Path("keys", "development-signing-key.pem"));

            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"settings: {BuildSettings.EmbeddedSourceName}", result.Out);
        }
        finally
        {
            outside.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_tree_without_effective_settings_is_not_a_built_tree()
    {
        using var scratch = new ScratchDirectory();
        Directory.CreateDirectory(scratch.File("build"));
        scratch.Write("build/settings.json", TestSettings.DefaultsJson);
        var outside = Directory.CreateTempSubdirectory("stm32boot-tests-");
        try
        {
            Assert.Null(BuildSettings.FindEffective(outside.FullName));
            // The scratch tree has no out/settings.effective.json: the search goes on upward past it.
            Assert.NotEqual(Path.Combine(scratch.Path, BuildSettings.EffectiveFile), BuildSettings.FindEffective(scratch.Path));
        }
        finally
        {
            outside.Delete(recursive: true);
        }
    }
}
