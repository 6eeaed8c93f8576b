using Xunit;

namespace Stm32Boot.Tests;

/// <summary>The stm32boot CLI run as a process, as the build runs it (from the repository's root, where the settings'
/// SigningKey path starts): exit codes, stdout, one-line errors on stderr.</summary>
public class CliTests(TinyArmElfFixture fixture) : IClassFixture<TinyArmElfFixture>
{
    private static async Task<(int ExitCode, string Out, string Error)> Stm32Boot(params string[] arguments)
    {
        // The test project references the CLI, so its build output sits beside the tests.
        var result = await ExternalTool.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "stm32boot.dll"), .. arguments], Repository.Root);
        return (result.ExitCode, result.StandardOutput, result.StandardError);
    }

    private static void AssertOneLineError(string error, string expectedStart)
    {
        Assert.StartsWith(expectedStart, error);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Generate_writes_then_leaves_unchanged_files_alone()
    {
        using var scratch = new ScratchDirectory();
        var settings = scratch.Write("settings.json", TestSettings.DefaultsJson);

        var first = await Stm32Boot("generate", "--settings", settings, "--out", scratch.File("gen"));
        var second = await Stm32Boot("generate", "--settings", settings, "--out", scratch.File("gen"));

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("wrote", first.Out);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(5, second.Out.Split('\n').Count(line => line.StartsWith("unchanged")));
        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "memory.ld")), File.ReadAllText(scratch.File("gen/memory.ld")));
        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "signing_keys.h")), File.ReadAllText(scratch.File("gen/signing_keys.h")));
    }

    [Fact]
    public async Task Stamp_then_info_accepts_and_info_on_the_unstamped_elf_refuses()
    {
        using var scratch = new ScratchDirectory();
        // Signed by the settings' SigningKey, the development key: the ELF needs room for the block.
        var elf = await new TinyArmElf { WithSignatureSection = true }.Build(scratch, TestSettings.Defaults);

        var stamp = await Stm32Boot("stamp", elf, "--out-dir", scratch.Path, "--version", "3.1.4.1");
        var stamped = await Stm32Boot("info", scratch.File("application.hex"));
        var bin = await Stm32Boot("info", scratch.File("application.bin") + "@0x08020000");
        var unstamped = await Stm32Boot("info", fixture.ElfPath);

        Assert.Equal(0, stamp.ExitCode);
        AssertOneLineError(stamp.Error, "stm32boot: warning: this Release image is signed with the development key " +
                                        $"(keys/development-signing-key.pem, key id {SigningKey.DevelopmentKeyId}), which is public");
        Assert.Contains("3.1.4.1", stamp.Out);
        Assert.Contains($"signed by key {SigningKey.DevelopmentKeyId}", stamp.Out);
        Assert.Contains($"wrote {scratch.File("application.elf")}", stamp.Out);
        Assert.Equal((0, ""), (stamped.ExitCode, stamped.Error));
        Assert.Contains("✓ │ image_crc32", stamped.Out);
        Assert.Contains($"verifies with key {SigningKey.DevelopmentKeyId}", stamped.Out);
        Assert.Contains("accepted: the bootloader would boot this image.", stamped.Out);
        Assert.Equal(0, bin.ExitCode);
        Assert.Equal(1, unstamped.ExitCode);
        Assert.Contains("✗ │ header_crc32", unstamped.Out);
        Assert.Contains("refused:", unstamped.Out);
    }

    /// <summary>Bytes past the end of flash: `flash` refuses the file (FlashPlan), so `info` must not call it accepted,
    /// and both name the bytes in the same words.</summary>
    [Fact]
    public async Task Info_refuses_an_image_with_bytes_beyond_flash_as_flash_does()
    {
        using var scratch = new ScratchDirectory();
        var elf = await new TinyArmElf { WithSignatureSection = true }.Build(scratch, TestSettings.Defaults);
        await Stm32Boot("stamp", elf, "--out-dir", scratch.Path);
        var map = TestSettings.Defaults.MemoryMap;
        var lines = File.ReadAllLines(scratch.File("application.hex")).ToList();
        // Four bytes at the first address past flash, before the end-of-file record.
        lines.InsertRange(lines.Count - 1, [HexRecord.Linear((ushort)(map.Flash.End >> 16)), HexRecord.Data((ushort)map.Flash.End, 1, 2, 3, 4)]);
        var path = scratch.Write("beyond.hex", string.Join("\n", lines) + "\n");

        var info = await Stm32Boot("info", path);
        var flash = Assert.Throws<Stm32BootException>(() => global::Stm32Boot.Uart.FlashPlan.Create(FirmwareFile.Load(path).Image, map, path));

        var reason = $"'{path}' has 4 bytes outside the ";
        var first = $", the first at {HexNumber.Format((uint)map.Flash.End)};";
        Assert.Equal(1, info.ExitCode);
        Assert.DoesNotContain("accepted:", info.Out);
        Assert.Contains($"refused: {reason}{map.Flash}{first}", info.Out);
        Assert.StartsWith(reason, flash.Message);
        Assert.Contains(first, flash.Message);
    }

    [Fact]
    public async Task Without_required_signatures_an_empty_signing_key_generates_no_key_and_stamps_unsigned()
    {
        using var scratch = new ScratchDirectory();
        var json = System.Text.Json.Nodes.JsonNode.Parse(TestSettings.DefaultsJson)!;
        json["RequireSignature"] = false;
        json["SigningKey"] = "";
        var settings = scratch.Write("settings.json", json.ToJsonString());
        var elf = await new TinyArmElf { WithSignatureSection = true }.Build(scratch, TestSettings.Defaults);

        var generate = await Stm32Boot("generate", "--settings", settings, "--out", scratch.File("gen"));
        var stamp = await Stm32Boot("stamp", elf, "--settings", settings, "--out-dir", scratch.Path);

        Assert.Equal((0, ""), (generate.ExitCode, generate.Error));
        Assert.Contains("#define SIGNING_KEY_COUNT 0u\n", File.ReadAllText(scratch.File("gen/signing_keys.h")));
        // The bootloader's policy takes the table as main.c does, in a static initializer: it must compile without a key.
        var bearSslDirectory = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Repository.Path("build", "deps.json")))
            .RootElement.GetProperty("BearSSL").GetProperty("Directory").GetString()!;
        var bearSslInclude = Repository.Path("out", "deps", bearSslDirectory, "inc");
        Assert.True(Directory.Exists(bearSslInclude), $"{bearSslInclude} is missing: ./build.sh --target=Deps unpacks BearSSL.");
        await ExternalTool.RunChecked("cc", ["-std=c11", "-Wall", "-Werror", "-fsyntax-only", "-I", scratch.File("gen"),
                "-I", Repository.Path("bootloader", "core"), "-I", Repository.Path("platform", "include"), "-I", bearSslInclude, "-x", "c", "-"],
            standardInput: """
                #include "signing_keys.h"
                #include "image_policy.h"
                static const image_policy_t policy = { .keys = signing_keys, .key_count = SIGNING_KEY_COUNT };
                int main(void) { return policy.keys == 0 && policy.key_count == 0 ? 0 : 1; }
                """u8.ToArray());
        Assert.Contains("#define REQUIRE_SIGNATURE 0\n", File.ReadAllText(scratch.File("gen/build_config.h")));
        Assert.Equal((0, ""), (stamp.ExitCode, stamp.Error));
        Assert.Contains("unsigned (SigningKey is empty)", stamp.Out);
        Assert.DoesNotContain("signed by key", stamp.Out);
    }

    [Fact]
    public async Task TrustedKeys_are_compiled_in_after_the_signing_key_and_a_key_trusted_twice_is_refused()
    {
        using var scratch = new ScratchDirectory();
        await Stm32Boot("keygen", scratch.File("next.pem"));
        using var next = SigningKey.Load(scratch.File("next.pub.pem"));
        using var development = SigningKey.Load(Repository.Path("keys", "development-signing-key.pub.pem"));
        var json = System.Text.Json.Nodes.JsonNode.Parse(TestSettings.DefaultsJson)!;
        json["TrustedKeys"] = new System.Text.Json.Nodes.JsonArray(scratch.File("next.pub.pem"));
        var settings = scratch.Write("settings.json", json.ToJsonString());
        json["TrustedKeys"] = new System.Text.Json.Nodes.JsonArray("keys/development-signing-key.pub.pem");
        var twice = scratch.Write("twice.json", json.ToJsonString());

        var generate = await Stm32Boot("generate", "--settings", settings, "--out", scratch.File("gen"));
        var refused = await Stm32Boot("generate", "--settings", twice, "--out", scratch.File("gen2"));

        Assert.Equal((0, ""), (generate.ExitCode, generate.Error));
        var header = File.ReadAllText(scratch.File("gen/signing_keys.h"));
        Assert.Contains("#define SIGNING_KEY_COUNT 2u\n", header);
        Assert.True(header.IndexOf($"key id {development.KeyIdText}", StringComparison.Ordinal) <
                    header.IndexOf($"key id {next.KeyIdText}", StringComparison.Ordinal), "the signing key comes first");
        Assert.Equal(1, refused.ExitCode);
        AssertOneLineError(refused.Error, $"stm32boot: error: key id {development.KeyIdText} is trusted twice");
        Assert.False(File.Exists(scratch.File("gen2/signing_keys.h")));
    }

    [Theory]
    [InlineData("emulate")]
    [InlineData("flash")]
    [InlineData("send")]
    [InlineData("stamp")]
    [InlineData("info")]
    [InlineData("generate")]
    public async Task Help_of_every_command_prints(string command)
    {
        var result = await Stm32Boot(command, "--help");

        Assert.Equal((0, ""), (result.ExitCode, result.Error));
        Assert.Contains("USAGE:", result.Out);
    }

    [Theory]
    [InlineData]
    [InlineData("flash")]
    public async Task Help_as_a_command_prints_what_the_help_option_prints(params string[] command)
    {
        var asCommand = await Stm32Boot(["help", .. command]);
        var asOption = await Stm32Boot([.. command, "--help"]);

        Assert.Equal((0, ""), (asCommand.ExitCode, asCommand.Error));
        Assert.Contains("USAGE:", asCommand.Out);
        Assert.Equal(asOption.Out, asCommand.Out);
    }

    /// <summary>Input or environment wrong, not a bug in stm32boot: one line, exit 1 (README, "exit codes"), no stack trace.</summary>
    [Fact]
    public async Task Emulate_on_a_busy_tcp_port_is_a_one_line_error()
    {
        using var scratch = new ScratchDirectory();
        var hex = scratch.Write("small.hex", HexRecord.File(HexRecord.Linear(0x0800), HexRecord.Data(0, 1, 2, 3, 4), HexRecord.EndOfFile));
        var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;

            var result = await Stm32Boot("emulate", hex, "--uart", $"tcp:{port}", "--max-time", "0.001");

            Assert.Equal(1, result.ExitCode);
            AssertOneLineError(result.Error, $"stm32boot: error: --uart tcp:{port}: cannot listen on 127.0.0.1:{port}");
        }
        finally
        {
            busy.Stop();
        }
    }

    [Fact]
    public async Task Emulate_of_a_hex_with_data_outside_flash_is_a_one_line_error()
    {
        using var scratch = new ScratchDirectory();
        var hex = scratch.Write("beyond.hex", HexRecord.File(HexRecord.Linear(0x0810), HexRecord.Data(0, 1, 2), HexRecord.EndOfFile));

        var result = await Stm32Boot("emulate", hex, "--max-time", "0.001");

        Assert.Equal(1, result.ExitCode);
        AssertOneLineError(result.Error, $"stm32boot: error: '{hex}' has 2 bytes outside the flash 0x08000000–0x080FFFFF, the first at 0x08100000;");
    }

    [Fact]
    public async Task A_bad_version_is_a_user_error_on_one_line()
    {
        using var scratch = new ScratchDirectory();

        var result = await Stm32Boot("stamp", fixture.ElfPath, "--out-dir", scratch.Path, "--version", "1.2.3");

        Assert.Equal(1, result.ExitCode);
        AssertOneLineError(result.Error, "stm32boot: error: --version '1.2.3' is not a version a.b.c.d of four numbers 0..65535");
        Assert.False(File.Exists(scratch.File("application.hex")));
    }

    [Fact]
    public async Task Merge_needs_start_from_when_start_addresses_disagree()
    {
        using var scratch = new ScratchDirectory();
        var a = scratch.Write("a.hex", HexRecord.File(HexRecord.Data(0, 1), HexRecord.StartLinear(0x08000101), HexRecord.EndOfFile));
        var b = scratch.Write("b.hex", HexRecord.File(HexRecord.Data(4, 1), HexRecord.StartLinear(0x08020A41), HexRecord.EndOfFile));

        var refused = await Stm32Boot("merge", a, b, "-o", scratch.File("out.hex"));
        var merged = await Stm32Boot("merge", a, b, "-o", scratch.File("out.hex"), "--start-from", a, "--record-length", "32");

        Assert.Equal(1, refused.ExitCode);
        AssertOneLineError(refused.Error, "stm32boot: error: the inputs disagree on the start address");
        Assert.Equal((0, ""), (merged.ExitCode, merged.Error));
        Assert.Equal(0x08000101u, IntelHexReader.ReadFile(scratch.File("out.hex")).StartAddress);
    }

    [Fact]
    public async Task Merge_into_a_directory_that_does_not_exist_is_a_usage_error_and_makes_no_directory()
    {
        using var scratch = new ScratchDirectory();
        var a = scratch.Write("a.hex", HexRecord.File(HexRecord.Data(0, 1), HexRecord.EndOfFile));
        var output = scratch.File("no/such/dir/x.hex");

        var result = await Stm32Boot("merge", a, "-o", output);

        Assert.Equal(2, result.ExitCode);
        AssertOneLineError(result.Error, $"stm32boot: error: -o {output}: directory '{scratch.File("no/such/dir")}' does not exist.");
        Assert.False(Directory.Exists(scratch.File("no")));
    }

    [Fact]
    public async Task Info_on_a_raw_binary_without_an_address_says_how_to_give_one()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("app.bin");
        File.WriteAllBytes(path, [1, 2, 3, 4]);

        var result = await Stm32Boot("info", path);

        Assert.Equal(1, result.ExitCode);
        AssertOneLineError(result.Error, $"stm32boot: error: '{path}' is neither an ELF nor an Intel HEX file; for a raw binary say where it starts, e.g. {path}@0x08020000.");
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("generate")]
    [InlineData("generate", "--out", "x", "--no-such-option")]
    [InlineData("merge", "-o", "out.hex")]
    [InlineData("merge", "a.hex", "-o", "out.hex", "--record-length", "many")]
    public async Task Usage_errors_exit_2_with_one_line(params string[] arguments)
    {
        var result = await Stm32Boot(arguments);

        Assert.Equal(2, result.ExitCode);
        AssertOneLineError(result.Error, "stm32boot: ");
        Assert.EndsWith("See 'stm32boot --help'.", result.Error.TrimEnd());
    }

    /// <summary>A file named on the command line that is not there is wrong the way a missing argument is: exit 2
    /// (README, "exit codes"), with the file named, for every command that reads one.</summary>
    [Theory]
    [InlineData("info", "no/such.hex")]
    [InlineData("info", "no/such.bin@0x08020000")]
    [InlineData("merge", "no/such.hex", "-o", "out/x.hex")]
    [InlineData("stamp", "no/such.elf", "--out-dir", "out/tests")]
    [InlineData("flash", "no/such.hex", "--port", "tcp:localhost:1")]
    [InlineData("send", "no/such.hex", "--port", "tcp:localhost:1")]
    [InlineData("emulate", "no/such.hex")]
    [InlineData("info", "keys/development-signing-key.pem", "--settings", "no/such.json")]
    public async Task A_missing_input_file_exits_2_like_a_missing_argument(params string[] arguments)
    {
        var result = await Stm32Boot(arguments);

        Assert.Equal(2, result.ExitCode);
        AssertOneLineError(result.Error, "stm32boot: error: ");
        Assert.Contains("no/such", result.Error);
    }

    [Fact]
    public async Task A_missing_key_file_given_with_key_exits_2()
    {
        using var scratch = new ScratchDirectory();

        var result = await Stm32Boot("stamp", fixture.ElfPath, "--out-dir", scratch.Path, "--key", "no/such/key.pem");

        Assert.Equal(2, result.ExitCode);
        AssertOneLineError(result.Error, "stm32boot: error: key file 'no/such/key.pem' not found.");
    }
}
