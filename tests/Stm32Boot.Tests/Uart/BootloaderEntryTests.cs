using System.Text;
using System.Text.RegularExpressions;
using Stm32Boot.Uart;
using Xunit;

namespace Stm32Boot.Tests.Uart;

public partial class BootloaderEntryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(@"update\r", "update\r")]
    [InlineData(@"update\n", "update\n")]
    [InlineData(@"a\\b\t\x7F\r", "a\\b\t\x7F\r")]
    [InlineData("update\r", "update\r")]
    public void The_command_takes_c_escapes(string text, string expected)
    {
        Assert.Equal(Encoding.ASCII.GetBytes(expected), BootloaderEntry.ParseCommand(text));
    }

    [Theory]
    [InlineData("update", "--enter 'update' must end with \\r or \\n, which makes the application's console run it (e.g. --enter \"update\\r\").")]
    [InlineData(@"update\q\r", @"--enter 'update\q\r': the escape at character 7 is not one of \r, \n, \t, \\ or \xHH (two hex digits).")]
    [InlineData(@"update\x7\r", @"--enter 'update\x7\r': the escape at character 7 is not one of \r, \n, \t, \\ or \xHH (two hex digits).")]
    [InlineData("mise à jour\\r", "--enter 'mise à jour\\r': character 6 is not printable ASCII; write control characters as \\r, \\n, \\t or \\xHH.")]
    public void A_bad_command_says_what_is_wrong(string text, string expected)
    {
        Assert.Equal(expected, Assert.Throws<Stm32BootException>(() => BootloaderEntry.ParseCommand(text)).Message);
    }

    [Fact]
    public void The_application_resets_into_the_bootloader_which_then_answers_the_protocol()
    {
        var (host, device) = DuplexPipe.Create();
        using var bootloader = new FakeBootloader(device, startInApplication: true);
        var lines = new List<string>();

        var stay = BootloaderEntry.Enter(host, BootloaderEntry.ParseCommand(@"update\r"), Timeout, lines.Add);
        var client = new An3155Client(host) { Timeouts = FakeSession.FastTimeouts };
        client.Connect();

        Assert.Equal("stay: update requested by application", stay);
        Assert.Equal(["update", "entering bootloader (backup-register request)", "L475 bootloader 1.0.0 board 0x04150001", stay], lines);
        Assert.Equal(0x0415, client.GetId());
        host.Dispose();
    }

    [Fact]
    public void Lines_the_board_printed_before_the_command_are_not_its_answer()
    {
        var (host, device) = DuplexPipe.Create();
        // The banner of the boot before, still in the pty's buffer when the host opens it.
        device.Write("L475 bootloader 1.0.0 board 0x04150001\r\nboot: application 1.0.0.1 -> 0x08020800\r\n"u8);
        using var bootloader = new FakeBootloader(device, startInApplication: true);

        var stay = BootloaderEntry.Enter(host, "update\r"u8.ToArray(), Timeout);

        Assert.Equal("stay: update requested by application", stay);
        host.Dispose();
    }

    [Fact]
    public void A_bootloader_that_boots_the_application_again_is_an_error()
    {
        var (host, device) = DuplexPipe.Create();
        using var _ = device;
        var answer = new Thread(() =>
        {
            var command = new byte[7];
            device.ReadExactly(command);
            device.Write("update\r\nL475 bootloader 1.0.0 board 0x04150001\r\nboot: application 1.0.0.1 -> 0x08020800\r\n"u8);
        });
        answer.Start();

        var error = Assert.Throws<Stm32BootException>(() => BootloaderEntry.Enter(host, "update\r"u8.ToArray(), Timeout));
        answer.Join();

        Assert.StartsWith("the bootloader started the application again ('boot: application 1.0.0.1 -> 0x08020800') instead of staying in update mode", error.Message);
    }

    [Fact]
    public void Silence_after_the_command_says_how_to_enter_update_mode_by_hand()
    {
        var (host, device) = DuplexPipe.Create();
        using var _ = device;

        var error = Assert.Throws<Stm32BootException>(() => BootloaderEntry.Enter(host, "update\r"u8.ToArray(), TimeSpan.FromMilliseconds(300)));

        Assert.Equal("no 'stay: …' line from the bootloader within 0.3 s of sending the --enter command: is the application running, " +
                     "with its console on this port at 115200 8N1? Otherwise put the board in update mode by hand: hold B1 (USER) and press RESET.", error.Message);
    }

    [Fact]
    public void The_console_framing_is_the_boards()
    {
        var boardH = File.ReadAllText(Repository.Path("platform", "include", "board.h"));

        var baud = int.Parse(ConsoleBaud().Match(boardH).Groups[1].Value);

        Assert.Equal(baud, UartFraming.Console.Baud);
    }

    [GeneratedRegex(@"#define\s+BOARD_CONSOLE_BAUD\s+(\d+)u")]
    private static partial Regex ConsoleBaud();
}
