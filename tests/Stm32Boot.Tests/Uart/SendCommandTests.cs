using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Stm32Boot.Tests.Uart;

/// <summary>`stm32boot send` run as a process (its help and a missing file: CliTests): one-line errors (README), and a whole update against
/// <see cref="FakeReceiver"/> over TCP, as `stm32boot emulate --uart tcp:PORT` offers the console.</summary>
public class SendCommandTests
{
    private static async Task<(int ExitCode, string Out, string Error)> Stm32Boot(params string[] arguments)
    {
        var result = await ExternalTool.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "stm32boot.dll"), .. arguments], Repository.Root);
        return (result.ExitCode, result.StandardOutput, result.StandardError);
    }

    private static string Settings(ScratchDirectory scratch) => scratch.Write("settings.json", TestSettings.DefaultsJson);

    [Fact]
    public async Task A_file_outside_the_slot_is_refused_in_one_line_before_the_port_is_opened()
    {
        using var scratch = new ScratchDirectory();
        var bin = scratch.File("boot.bin");
        await File.WriteAllBytesAsync(bin, new byte[0x800]);

        var result = await Stm32Boot("send", bin + "@0x08000000", "--force", "--settings", Settings(scratch), "--port", "tcp:127.0.0.1:1");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("stm32boot: error: ", result.Error);
        Assert.Contains("does not fit the slot: its bytes lie at 0x08000000–0x080007FF", result.Error);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData(null, 0, "receive: installing 1.0.0.2 at reset")]
    [InlineData("receive: not installed: bad signature", 1, "stm32boot: error: the application did not install the image: 'receive: not installed: bad signature'")]
    public async Task Start_sends_the_image_and_the_exit_code_follows_the_application_answer(string? refusal, int exitCode, string expected)
    {
        using var scratch = new ScratchDirectory();
        var bin = scratch.File("application.bin");
        var image = Enumerable.Range(0, 0x1900).Select(i => (byte)(i * 7)).ToArray();
        await File.WriteAllBytesAsync(bin, image);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        FakeReceiver? receiver = null;
        var accepted = Task.Run(async () =>
        {
            var client = await listener.AcceptTcpClientAsync();
            receiver = new FakeReceiver(client.GetStream())
            {
                Answer = refusal is null ? ["receive: verified 1.0.0.2 (12288 bytes): ok", "receive: installing 1.0.0.2 at reset"] : [refusal],
            };
            return client;
        });

        var result = await Stm32Boot("send", bin + "@0x08020000", "--force", "--start", "--settings", Settings(scratch), "--port", $"tcp:127.0.0.1:{port}");

        using var client = await accepted;
        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(expected, exitCode == 0 ? result.Out : result.Error);
        Assert.Contains("console: receive: ready for XMODEM-1K", result.Out);
        using (receiver)
        {
        }

        var received = receiver!.Received.ToArray();
        Assert.Equal(image, received[..image.Length]);
        Assert.All(received[image.Length..], b => Assert.Equal(0x1A, b));
        Assert.Equal(7, received.Length / 1024);
    }
}
