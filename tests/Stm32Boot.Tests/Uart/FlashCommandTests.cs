using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Stm32Boot.Tests.Uart;

/// <summary>`stm32boot flash` run as a process, as the build's Flash task runs it, against the fake bootloader on a
/// TCP port of this process.</summary>
public sealed class FlashCommandTests(TinyArmElfFixture fixture) : IClassFixture<TinyArmElfFixture>, IDisposable
{
    private readonly TcpListener listener = StartListener();
    private readonly ScratchDirectory scratch = new();

    private static TcpListener StartListener()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }

    private string Port => $"tcp:127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

    private string StampedHex() => Stamper.Stamp(fixture.ElfPath, TestSettings.Defaults).WriteTo(scratch.Path, "application")[0];

    private static async Task<(int ExitCode, string Out, string Error)> Stm32Boot(params string[] arguments)
    {
        var result = await ExternalTool.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "stm32boot.dll"), .. arguments]);
        return (result.ExitCode, result.StandardOutput, result.StandardError);
    }

    /// <summary>Runs the command while a fake bootloader serves the one connection it makes.</summary>
    private async Task<(int ExitCode, string Out, string Error, FakeBootloader Bootloader)> FlashAgainstFake(
        Func<Stream, FakeBootloader> bootloader, params string[] arguments)
    {
        var run = Stm32Boot(["flash", .. arguments, "--port", Port]);
        using var socket = await listener.AcceptTcpClientAsync();
        var fake = bootloader(socket.GetStream());
        var (exitCode, output, error) = await run;
        fake.Dispose();
        return (exitCode, output, error, fake);
    }

    [Fact]
    public async Task Flashes_verifies_and_starts_a_stamped_hex_and_summarises()
    {
        var hex = StampedHex();

        var (exitCode, output, error, bootloader) = await FlashAgainstFake(device => new FakeBootloader(device), hex, "--verify", "--go");

        Assert.True(exitCode == 0, output + error);
        Assert.Equal("", error);
        foreach (var segment in IntelHexReader.ReadFile(hex).Image.Segments)
            Assert.Equal(segment.Data, bootloader.Read(segment.Address, segment.Data.Length));
        Assert.Equal(FakeBootloader.ImageBase, bootloader.StartedAt);
        Assert.Contains($"through {Port}", output);
        Assert.Contains("AN3155 3.1, product id 0x415, commands 00 01 02 11 21 31 44", output);
        Assert.Contains("write  100 %: 152 of 152 bytes", output);
        Assert.Contains("all equal", output);
        Assert.Contains("the application at 0x08020800", output);
        Assert.Contains("no wire rate over TCP", output);
    }

    [Fact]
    public async Task Enter_sends_the_console_command_and_waits_for_update_mode()
    {
        var (exitCode, output, error, bootloader) = await FlashAgainstFake(device => new FakeBootloader(device, startInApplication: true),
            StampedHex(), "--enter", @"update\r");

        Assert.True(exitCode == 0, output + error);
        Assert.Contains("console: stay: update requested by application", output);
        Assert.NotEmpty(bootloader.WrittenBlocks);
        Assert.Null(bootloader.StartedAt);
    }

    [Fact]
    public async Task A_verify_mismatch_exits_3_without_starting_the_application()
    {
        var (exitCode, output, error, bootloader) = await FlashAgainstFake(device => new FakeBootloader(device) { WeakCell = 0x08020804 },
            StampedHex(), "--verify", "--go");

        Assert.True(exitCode == 3, output + error);
        Assert.StartsWith("stm32boot: verify failed: 1 of 2 blocks read back differently, the first at 0x08020804: wrote 0x", error);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Null(bootloader.StartedAt);
    }

    [Fact]
    public async Task An_image_the_bootloader_would_refuse_needs_force()
    {
        var refused = await Stm32Boot("flash", fixture.ElfPath, "--port", Port);
        var (exitCode, output, error, bootloader) = await FlashAgainstFake(device => new FakeBootloader(device), fixture.ElfPath, "--force");

        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith($"stm32boot: error: '{fixture.ElfPath}' would not boot: the bootloader refuses it at reset (failed: header_crc32, image_size, image_crc32).", refused.Error);
        Assert.Contains("or pass --force to send it anyway.", refused.Error);
        Assert.True(exitCode == 0, output + error);
        Assert.NotEmpty(bootloader.WrittenBlocks);
    }

    [Fact]
    public async Task No_bootloader_answering_exits_1_and_says_how_to_enter_update_mode()
    {
        var run = Stm32Boot("flash", StampedHex(), "--port", Port);
        using var silent = await listener.AcceptTcpClientAsync();

        var (exitCode, _, error) = await run;

        Assert.Equal(1, exitCode);
        Assert.StartsWith($"stm32boot: error: {Port}: sync (0x7F): no answer: no bootloader is listening on this link.", error);
        Assert.EndsWith("To enter update mode, hold B1 (USER) while resetting the board, or pass --enter \"update\\r\" while the application runs.", error.TrimEnd());
    }

    [Fact]
    public async Task Nothing_listening_exits_1()
    {
        var port = Port;
        listener.Stop();

        var (exitCode, _, error) = await Stm32Boot("flash", StampedHex(), "--port", port);

        Assert.Equal(1, exitCode);
        Assert.StartsWith($"stm32boot: error: cannot connect to 127.0.0.1:", error);
    }

    [Theory]
    [InlineData("--baud", "300")]
    [InlineData("--port", "tcp:localhost")]
    [InlineData("--parity", "odd")]
    [InlineData("--enter", "update")]
    [InlineData("--retries", "11")]
    public async Task Bad_options_exit_2(string option, string value)
    {
        var (exitCode, _, error) = await Stm32Boot("flash", "application.hex", option, value);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("stm32boot: ", error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    public void Dispose()
    {
        listener.Stop();
        scratch.Dispose();
    }
}
