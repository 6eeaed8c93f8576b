// USART1 on this process's standard input and output. When standard input is a terminal, its echo and line editing
// are off while the link is open (Termios.Keystrokes), as in a serial terminal program: the firmware's console echoes
// what it receives, and with the terminal's own echo every typed line showed twice. Board keys (Ctrl-T and a key,
// BoardKeys) are taken out of the typed bytes before they reach USART1.
namespace Stm32Boot.VirtualBoard.Hosting;

public sealed class StdioLink : IUartHostLink
{
    private readonly Stream _out = Console.OpenStandardOutput();
    private readonly ReceiveQueue _in = new();

    private const int StandardInput = 0;
    private readonly byte[]? _terminalSettings;

    /// <param name="boardKeys">Receives the board keys typed as Ctrl-T and a key (EscapeKeyParser), on the reader
    /// thread; null: every typed byte goes to USART1.</param>
    public StdioLink(Action<BoardKey>? boardKeys = null)
    {
        if (Termios.IsTerminal(StandardInput))
        {
            _terminalSettings = Termios.Get(StandardInput, "standard input");
            Termios.Set(StandardInput, Termios.Keystrokes(_terminalSettings), "standard input");
            // Also when the process ends without disposing the link (an unhandled exception): a terminal left
            // without echo looks broken to whoever typed into it.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => RestoreTerminal();
        }

        var reader = new Thread(() =>
        {
            // File descriptor 0 itself: on a terminal, Console.OpenStandardInput() reads through .NET's own line
            // editor, which echoes what it reads (a second echo beside the firmware's).
            using var input = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(StandardInput, ownsHandle: false), FileAccess.Read, 1);
            var buffer = new byte[256];
            int n;
            var escapes = boardKeys is null ? null : new EscapeKeyParser();
            var toBoard = new List<byte>(256);
            var keys = new List<BoardKey>();
            try
            {
                while ((n = input.Read(buffer)) > 0)
                {
                    if (escapes is null) { _in.Add(buffer.AsSpan(0, n)); continue; }
                    toBoard.Clear();
                    keys.Clear();
                    escapes.Feed(buffer.AsSpan(0, n), toBoard, keys);
                    _in.Add(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(toBoard));
                    foreach (var key in keys) boardKeys!(key);
                }
            }
            catch (IOException) { } // standard input closed under us: nothing more to read
        }) { IsBackground = true, Name = "stdin → USART1" };
        reader.Start();
    }

    public string Description => "standard input/output";

    /// The board's last byte on standard output did not end its line (a prompt, a line being typed): an event line
    /// on the same terminal must start on a line of its own. Set false by whoever wrote that line break.
    public bool MidLine { get; set; }

    public void Send(byte value)
    {
        MidLine = value != '\n';
        _out.WriteByte(value);
        if (value == '\n') _out.Flush();
    }

    /// Writes out what the board sent so far, e.g. before an event line on stderr, which shares the terminal.
    public void Flush() => _out.Flush();

    public event Action? Received
    {
        add => _in.Added += value;
        remove => _in.Added -= value;
    }

    public int Receive(Span<byte> buffer)
    {
        _out.Flush();
        return _in.Take(buffer);
    }

    public void Dispose()
    {
        _out.Flush();
        RestoreTerminal();
    }

    private void RestoreTerminal()
    {
        if (_terminalSettings is not null) Termios.Set(StandardInput, _terminalSettings, "standard input");
    }
}
