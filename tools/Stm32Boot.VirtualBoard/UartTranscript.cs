// Everything USART1 sent, with the virtual time of each byte's stop bit, split into lines at "\r\n" or "\n".
using System.Text;

namespace Stm32Boot.VirtualBoard;

public sealed class UartTranscript
{
    private readonly List<(byte Value, ulong AtPs)> _bytes = new();
    private readonly List<UartLine> _lines = new();
    private readonly StringBuilder _current = new();
    private ulong _currentStartPs;

    public IReadOnlyList<(byte Value, ulong AtPs)> Bytes => _bytes;
    /// Complete lines, without their line ending.
    public IReadOnlyList<UartLine> Lines => _lines;
    /// The text after the last line ending (a prompt such as "> ").
    public string Pending => _current.ToString();

    public void Add(byte value, ulong atPs)
    {
        _bytes.Add((value, atPs));
        if (value == '\n')
        {
            var text = _current.ToString().TrimEnd('\r');
            _lines.Add(new UartLine(text, _currentStartPs, atPs));
            _current.Clear();
            return;
        }
        if (_current.Length == 0) _currentStartPs = atPs;
        _current.Append(value is >= 0x20 and < 0x7F or (byte)'\r' or (byte)'\t' ? (char)value : '\uFFFD');
    }

    public void Clear()
    {
        _bytes.Clear();
        _lines.Clear();
        _current.Clear();
    }

    public override string ToString() => string.Join("\n", _lines.Select(l => l.Text)) + (_current.Length > 0 ? "\n" + _current : "");
}

/// A line USART1 sent: its text, when its first byte and its line ending went out.
public sealed record UartLine(string Text, ulong StartPs, ulong EndPs);
