// The keys of the interactive virtual board: what a user does to the board's hardware while `emulate` runs, typed
// on the console. With USART1 on the terminal (--uart stdio) every typed byte goes to the firmware, so board keys
// hide behind an escape byte, as in picocom (Ctrl-A) or ssh (~.): Ctrl-T, then a letter. Ctrl-T because no
// console the bootloader or the application runs uses it, a terminal does not take it for itself (unlike Ctrl-S/Q,
// Ctrl-Z, Ctrl-C), and picocom users know an escape key followed by a letter. With USART1 elsewhere (pty, tcp) the
// terminal is free: the same letters are typed as command lines, no escape needed.
namespace Stm32Boot.VirtualBoard.Hosting;

/// What a key does to the board.
public enum BoardCommand
{
    /// B1 USER: pressed if released, released if pressed (a finger stays on it across resets).
    Button,
    /// The black reset button B2: a pulse on NRST.
    Reset,
    /// The board's power: off if on, on (a power-on reset) if off.
    Power,
    /// The USB drive in CN9 (--usb-drive): pulled out if in, plugged in again if out.
    Usb,
    /// Print LED1 and LED2's states.
    Leds,
    /// Print the keys.
    Help,
    /// End the run as Ctrl-C does (the flash is saved with --flash).
    Quit,
    /// A key that means nothing: told, and otherwise ignored.
    Unknown,
}

/// A board key the user typed: its command and the character as typed (for the message about an unknown key).
public readonly record struct BoardKey(BoardCommand Command, char Typed);

public static class BoardKeys
{
    /// Ctrl-T (ASCII DC4).
    public const byte Escape = 0x14;

    /// One line per key, for Ctrl-T h and `help`: the letter and what it does.
    public static readonly IReadOnlyList<(char Letter, string Word, BoardCommand Command, string Meaning)> Table =
    [
        ('b', "button", BoardCommand.Button, "press B1 (USER), or release it if pressed"),
        ('r', "reset", BoardCommand.Reset, "press the reset button (NRST pin reset)"),
        ('p', "power", BoardCommand.Power, "cut the power, or restore it (power-on reset)"),
        ('u', "usb", BoardCommand.Usb, "unplug the --usb-drive from CN9, or plug it in again"),
        ('l', "leds", BoardCommand.Leds, "print LED1 and LED2"),
        ('h', "help", BoardCommand.Help, "print these keys"),
        ('q', "quit", BoardCommand.Quit, "stop the emulator, as Ctrl-C does"),
    ];

    /// The key's command: its letter in either case, or the letter with Ctrl held (Ctrl-T Ctrl-R as Ctrl-T r, for
    /// a user who keeps Ctrl down after the escape).
    public static BoardCommand CommandOf(byte key)
    {
        var letter = key is >= 1 and <= 26 ? (char)('a' + key - 1) : char.ToLowerInvariant((char)key);
        foreach (var entry in Table)
            if (entry.Letter == letter) return entry.Command;
        return BoardCommand.Unknown;
    }

    /// A command line typed on the terminal while USART1 is on a pty or TCP: a letter or its word, any case, spaces
    /// around ignored. An empty line is no command (null).
    public static BoardCommand? ParseLine(string line)
    {
        var word = line.Trim().ToLowerInvariant();
        if (word.Length == 0) return null;
        if (word == "?") return BoardCommand.Help;
        foreach (var entry in Table)
            if (word == entry.Word || word.Length == 1 && word[0] == entry.Letter) return entry.Command;
        return BoardCommand.Unknown;
    }

    /// The keys table, as printed by help, prefixed as the user types them (e.g. "Ctrl-T " or "").
    public static IEnumerable<string> Help(string prefix) =>
        Table.Select(e => $"  {prefix}{e.Letter}  {e.Meaning}");
}

/// Splits what the user types on a console shared with USART1 into bytes for the firmware and board keys: Ctrl-T
/// followed by a key is a board key and neither byte reaches the firmware; Ctrl-T Ctrl-T sends one Ctrl-T. Not
/// thread-safe: one reader feeds it. The escape may end one read and its key start the next.
public sealed class EscapeKeyParser
{
    private bool _escaped;

    /// Whether the last byte fed was an escape still waiting for its key.
    public bool Escaped => _escaped;

    public void Feed(ReadOnlySpan<byte> typed, ICollection<byte> toBoard, ICollection<BoardKey> keys)
    {
        foreach (var b in typed)
        {
            if (!_escaped)
            {
                if (b == BoardKeys.Escape) _escaped = true;
                else toBoard.Add(b);
                continue;
            }
            _escaped = false;
            if (b == BoardKeys.Escape) toBoard.Add(b);
            else keys.Add(new BoardKey(BoardKeys.CommandOf(b), (char)b));
        }
    }
}
