using Stm32Boot.VirtualBoard.Hosting;
using Stm32Boot.VirtualBoard.Tests.Core;
using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Hosting;

/// The interactive board's keys: Ctrl-T and a key on a console shared with USART1, command lines otherwise, and
/// what the keys do to a running board.
public sealed class BoardKeysTests
{
    private static (byte[] ToBoard, BoardKey[] Keys) Feed(EscapeKeyParser parser, params byte[][] reads)
    {
        var toBoard = new List<byte>();
        var keys = new List<BoardKey>();
        foreach (var read in reads) parser.Feed(read, toBoard, keys);
        return (toBoard.ToArray(), keys.ToArray());
    }

    [Fact]
    public void Typed_bytes_without_the_escape_all_reach_the_board()
    {
        var all = Enumerable.Range(0, 256).Where(b => b != BoardKeys.Escape).Select(b => (byte)b).ToArray();
        var (toBoard, keys) = Feed(new EscapeKeyParser(), all);
        Assert.Equal(all, toBoard);
        Assert.Empty(keys);
    }

    [Theory]
    [InlineData('b', BoardCommand.Button)]
    [InlineData('B', BoardCommand.Button)]
    [InlineData('r', BoardCommand.Reset)]
    [InlineData((char)0x12, BoardCommand.Reset)] // Ctrl-R: Ctrl still held after Ctrl-T
    [InlineData('p', BoardCommand.Power)]
    [InlineData('u', BoardCommand.Usb)]
    [InlineData('l', BoardCommand.Leds)]
    [InlineData('h', BoardCommand.Help)]
    [InlineData('q', BoardCommand.Quit)]
    [InlineData('x', BoardCommand.Unknown)]
    [InlineData('\r', BoardCommand.Unknown)]
    public void The_escape_and_a_key_make_a_board_key_and_neither_byte_reaches_the_board(char key, BoardCommand command)
    {
        var (toBoard, keys) = Feed(new EscapeKeyParser(), [(byte)'a', BoardKeys.Escape, (byte)key, (byte)'z']);
        Assert.Equal("az"u8.ToArray(), toBoard);
        Assert.Equal([new BoardKey(command, key)], keys);
    }

    [Fact]
    public void The_escape_twice_sends_one_escape_byte_and_no_key()
    {
        var (toBoard, keys) = Feed(new EscapeKeyParser(), [BoardKeys.Escape, BoardKeys.Escape, (byte)'r']);
        Assert.Equal([BoardKeys.Escape, (byte)'r'], toBoard);
        Assert.Empty(keys);
    }

    [Fact]
    public void An_escape_at_the_end_of_one_read_takes_its_key_from_the_next()
    {
        var parser = new EscapeKeyParser();
        var (toBoard, keys) = Feed(parser, [(byte)'x', BoardKeys.Escape]);
        Assert.Equal("x"u8.ToArray(), toBoard);
        Assert.Empty(keys);
        Assert.True(parser.Escaped);
        (toBoard, keys) = Feed(parser, [(byte)'p', (byte)'y']);
        Assert.Equal("y"u8.ToArray(), toBoard);
        Assert.Equal([new BoardKey(BoardCommand.Power, 'p')], keys);
        Assert.False(parser.Escaped);
    }

    [Theory]
    [InlineData("b", BoardCommand.Button)]
    [InlineData("  Reset ", BoardCommand.Reset)]
    [InlineData("P", BoardCommand.Power)]
    [InlineData("usb", BoardCommand.Usb)]
    [InlineData("l", BoardCommand.Leds)]
    [InlineData("?", BoardCommand.Help)]
    [InlineData("quit", BoardCommand.Quit)]
    [InlineData("bx", BoardCommand.Unknown)]
    public void A_command_line_is_a_letter_or_its_word(string line, BoardCommand command) =>
        Assert.Equal(command, BoardKeys.ParseLine(line));

    [Fact]
    public void An_empty_command_line_is_no_command() => Assert.Null(BoardKeys.ParseLine("  \t"));

    [Fact]
    public void Every_key_has_its_own_letter_and_word()
    {
        Assert.Equal(BoardKeys.Table.Count, BoardKeys.Table.Select(e => e.Letter).Distinct().Count());
        Assert.Equal(BoardKeys.Table.Count, BoardKeys.Table.Select(e => e.Word).Distinct().Count());
        Assert.All(BoardKeys.Table, e => Assert.Equal(e.Letter, e.Word[0]));
        // Ctrl-T itself is the escape: no key may be t.
        Assert.DoesNotContain(BoardKeys.Table, e => e.Letter == 't');
    }

    // LED1 (PA5) on, then counts in SRAM forever: a power cut must put LED1 out and the power-on light it again.
    private static readonly TestFirmware Led1On = TestFirmware.Build("""
        int main(void)
        {
            REG(0x4002104C) |= 1u;                              // RCC_AHB2ENR.GPIOAEN
            REG(0x48000000) = (REG(0x48000000) & ~(3u << 10)) | (1u << 10); // GPIOA_MODER: PA5 output
            REG(0x48000018) = 1u << 5;                          // GPIOA_BSRR: PA5 high
            RESULT[0] += 1;
            for (;;) RESULT[1] += 1;
        }
        """);

    [Fact]
    public async Task Keys_apply_between_runs_at_the_virtual_time_their_event_line_shows()
    {
        using var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, Led1On.Image);
        var lines = new List<string>();
        var controls = new BoardControls(board, buttonPressed: false, usbDriveImage: null, line => { lock (lines) lines.Add(line); });
        board.PowerOn();
        board.RunFor(10 * Board.Millisecond);
        Assert.True(board.Led1);
        Assert.Contains(lines, l => l.EndsWith("LED1 on", StringComparison.Ordinal));

        // Posted from another thread (the terminal's reader), nothing happens until the run loop applies it.
        await Task.Run(() => controls.Post(new BoardKey(BoardCommand.Power, 'p')));
        Assert.False(board.Machine.PoweredOff);
        controls.ApplyPending();
        Assert.True(board.Machine.PoweredOff);
        Assert.False(board.Led1);
        Assert.Contains("[0.010 s] power off", lines);
        Assert.Contains("[0.010 s] LED1 off", lines);

        // Off: virtual time passes, nothing runs.
        var instructions = board.Machine.Instructions;
        var offAt = board.NowPs;
        board.RunFor(500 * Board.Millisecond);
        Assert.Equal(instructions, board.Machine.Instructions);
        Assert.Equal(offAt + 500 * Board.Millisecond, board.NowPs);

        controls.Post(new BoardKey(BoardCommand.Power, 'p'));
        controls.ApplyPending();
        Assert.Contains("[0.510 s] power on", lines);
        var powerOn = board.Machine.Resets[^1];
        Assert.Equal((ResetKind.PowerOn, offAt + 500 * Board.Millisecond), (powerOn.Kind, powerOn.AtPs));
        board.RunFor(10 * Board.Millisecond);
        Assert.True(board.Led1);
        Assert.Equal(1u, board.Read(TestFirmware.ResultsBase)); // SRAM was lost: the count started over

        controls.Post(new BoardKey(BoardCommand.Reset, 'r'));
        controls.Post(new BoardKey(BoardCommand.Button, 'b'));
        controls.ApplyPending();
        Assert.Equal(Machine.NrstReason, board.Machine.Resets[^1].Reason);
        Assert.Contains("[0.520 s] reset pressed (NRST)", lines);
        Assert.Contains("[0.520 s] B1 pressed", lines);
        Assert.False(board.Peripherals.Gpio.GetOutput('C', 13)); // pressed B1 pulls PC13 low

        controls.Post(new BoardKey(BoardCommand.Usb, 'u'));
        controls.ApplyPending();
        Assert.Contains("[0.520 s] no USB drive to plug in: start emulate with --usb-drive IMAGE", lines);

        // Under a debugger the power key is refused, and says why.
        controls.PowerKeyRefusal = "not under --gdb";
        controls.Post(new BoardKey(BoardCommand.Power, 'p'));
        controls.ApplyPending();
        Assert.False(board.Machine.PoweredOff);
        Assert.Contains("[0.520 s] power stays on: not under --gdb", lines);
    }
}
