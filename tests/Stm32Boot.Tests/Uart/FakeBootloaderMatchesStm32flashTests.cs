using Stm32Boot.Uart;
using Xunit;

namespace Stm32Boot.Tests.Uart;

/// <summary>
/// The fake bootloader the client tests rely on, checked against a peer no one here wrote: Debian's stm32flash
/// writes, verifies and starts an image through it over a pty pair (8N1: a pty cannot carry parity).
/// </summary>
public class FakeBootloaderMatchesStm32flashTests
{
    [Fact]
    public async Task Stm32flash_writes_verifies_and_starts_an_image_through_the_fake()
    {
        using var scratch = new ScratchDirectory();
        var image = Enumerable.Range(0, 5000).Select(i => (byte)(i * 13 + 1)).ToArray();
        var bin = scratch.File("image.bin");
        File.WriteAllBytes(bin, image);
        using var ptys = new PtyPair();
        using var boardEnd = SerialLink.Open(new SerialDevice(ptys.B), new UartFraming(115200, UartParity.None));
        using var bootloader = new FakeBootloader(boardEnd.Stream);

        var result = await ExternalTool.Run("stm32flash", ["-m", "8n1", "-b", "115200", "-w", bin, "-v", "-S", "0x08020800", "-g", "0x08020800", ptys.A]);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Equal(image, bootloader.Read(0x08020800, image.Length));
        Assert.Equal(0x08020800u, bootloader.StartedAt);
        Assert.Equal(0x0415, bootloader.ProductId);
        Assert.Contains("> 01 FE\n< 79 31 00 00 79\n> 00 FF\n< 79 07 31 00 01 02 11 21 31 44 79\n> 02 FD\n< 79 01 04 15 79", bootloader.Transcript);
    }
}
