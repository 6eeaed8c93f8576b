// The user's hands on the interactive virtual board: B1, the reset button, the power, the USB drive, and eyes on
// LED1/LED2. Keys arrive on an input thread (the terminal's reader) while the board runs on the session's thread;
// Post only queues them, and the session applies them between two runs of the board (ApplyPending), so every key
// takes effect at one well-defined virtual time, the one its event line shows, and never inside an instruction
// slice or a peripheral callback. LED changes come from the GPIO model's edge events (no polling of the pins):
// each is printed with the virtual time of the write that changed the pin.
using System.Collections.Concurrent;
using Stm32Boot.VirtualBoard.Peripherals;

namespace Stm32Boot.VirtualBoard.Hosting;

public sealed class BoardControls
{
    private readonly Board _board;
    private readonly string? _usbDriveImage;
    private readonly Action<string> _print;
    private readonly ConcurrentQueue<BoardKey> _pending = new();
    private readonly CancellationTokenSource _quit = new();
    private bool _buttonPressed;

    /// <param name="buttonPressed">Whether B1 is held from power-on on (--button-held).</param>
    /// <param name="usbDriveImage">The disk image of the drive in CN9 (--usb-drive), plugged in already; null: none.</param>
    /// <param name="print">Writes one event line (stderr: stdout may be USART1).</param>
    public BoardControls(Board board, bool buttonPressed, string? usbDriveImage, Action<string> print)
    {
        _board = board;
        _buttonPressed = buttonPressed;
        _usbDriveImage = usbDriveImage;
        UsbDrivePlugged = usbDriveImage is not null;
        _print = print;
        board.Peripherals.Gpio.OutputChanged += OnOutputChanged;
    }

    /// Cancelled by the quit key.
    public CancellationToken QuitRequested => _quit.Token;
    public bool UsbDrivePlugged { get; private set; }
    /// Why the power key does nothing in this run, null when it works (--gdb: a debugger needs a powered core, as the
    /// ST-LINK loses its target when the board's power goes).
    public string? PowerKeyRefusal { get; set; }
    /// The prefix keys are typed with, for help ("Ctrl-T " on a shared console, "" on a command line).
    public string KeyPrefix { get; set; } = "Ctrl-T ";

    /// From any thread: the key takes effect at the next ApplyPending. Help and quit act at once: they touch no
    /// hardware, and quit must work even when the board's thread is busy.
    public void Post(BoardKey key)
    {
        switch (key.Command)
        {
            case BoardCommand.Help:
                PrintHelp();
                break;
            case BoardCommand.Quit:
                _print("quit");
                _quit.Cancel();
                break;
            case BoardCommand.Unknown:
                _print($"{KeyPrefix}{Printable(key.Typed)}: not a board key; {KeyPrefix}h lists them.");
                break;
            default:
                _pending.Enqueue(key);
                Posted?.Invoke();
                break;
        }
    }

    /// Raised (on the posting thread) when a key was queued: a session sleeping while the board waits wakes on it.
    public event Action? Posted;

    public void PrintHelp()
    {
        _print("board keys:");
        foreach (var line in BoardKeys.Help(KeyPrefix)) _print(line);
        if (KeyPrefix.Length > 0) _print($"  {KeyPrefix}Ctrl-T  send Ctrl-T itself to USART1");
    }

    /// With USART1 on a pty or TCP the terminal is free: a background thread reads command lines from input (a
    /// letter or its word per line, BoardKeys.ParseLine) until it ends. Keys are typed without the escape then.
    public void ReadCommandLines(TextReader input)
    {
        KeyPrefix = "";
        new Thread(() =>
        {
            try
            {
                while (input.ReadLine() is { } line)
                {
                    var command = BoardKeys.ParseLine(line);
                    if (command == BoardCommand.Unknown) _print($"{line.Trim()}: not a board command; h lists them.");
                    else if (command is { } known) Post(new BoardKey(known, line.Trim()[0]));
                }
            }
            catch (IOException) { } // standard input closed under us: no more commands
        }) { IsBackground = true, Name = "board keys" }.Start();
    }

    /// On the board's thread, between runs: applies the queued keys in the order typed, at the current virtual time.
    /// Returns how many it applied.
    public int ApplyPending()
    {
        var applied = 0;
        for (; _pending.TryDequeue(out var key); applied++) Apply(key.Command);
        return applied;
    }

    private void Apply(BoardCommand command)
    {
        switch (command)
        {
            case BoardCommand.Button:
                _buttonPressed = !_buttonPressed;
                if (_buttonPressed) _board.PressButton();
                else _board.ReleaseButton();
                Event(_buttonPressed ? "B1 pressed" : "B1 released");
                break;
            case BoardCommand.Reset:
                if (_board.Machine.PoweredOff)
                {
                    Event("reset pressed: the board is off, nothing happens");
                    break;
                }
                Event("reset pressed (NRST)");
                _board.PressResetButton();
                break;
            case BoardCommand.Power:
                if (PowerKeyRefusal is { } refusal)
                {
                    Event($"power stays on: {refusal}");
                    break;
                }
                if (_board.Machine.PoweredOff)
                {
                    Event("power on");
                    _board.PowerOn();
                }
                else
                {
                    Event("power off");
                    _board.Machine.PowerOff("the user cut the power");
                }
                break;
            case BoardCommand.Usb:
                if (_usbDriveImage is null)
                {
                    Event("no USB drive to plug in: start emulate with --usb-drive IMAGE");
                }
                else if (UsbDrivePlugged)
                {
                    _board.DetachUsbDrive();
                    UsbDrivePlugged = false;
                    Event("USB drive unplugged");
                }
                else
                {
                    _board.AttachUsbDrive(_usbDriveImage);
                    UsbDrivePlugged = true;
                    Event($"USB drive {_usbDriveImage} plugged in");
                }
                break;
            case BoardCommand.Leds:
                Event($"LED1 {OnOff(_board.Led1)}, LED2 {OnOff(_board.Led2)}{(_board.Machine.PoweredOff ? " (power off)" : "")}");
                break;
        }
    }

    private void OnOutputChanged(char port, int pin, bool level, ulong atPs)
    {
        if (new BoardPin(port, pin) == BoardDescription.Led1) _print($"{Stamp(atPs)} LED1 {OnOff(level == BoardDescription.LedOnLevel)}");
        else if (new BoardPin(port, pin) == BoardDescription.Led2) _print($"{Stamp(atPs)} LED2 {OnOff(level == BoardDescription.LedOnLevel)}");
    }

    private void Event(string what) => _print($"{Stamp(_board.NowPs)} {what}");

    /// Virtual time in seconds, to the millisecond: "[12.345 s]".
    public static string Stamp(ulong atPs) => $"[{atPs / (double)Board.Second:F3} s]";

    private static string OnOff(bool on) => on ? "on" : "off";

    private static string Printable(char typed) =>
        typed is >= (char)1 and <= (char)26 ? $"Ctrl-{(char)('A' + typed - 1)}" : typed < ' ' || typed == (char)0x7F ? $"0x{(int)typed:X2}" : typed.ToString();
}
