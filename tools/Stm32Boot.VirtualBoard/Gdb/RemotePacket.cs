// The framing layer of GDB's remote serial protocol (the GDB manual, appendix "GDB Remote Serial Protocol",
// section "Overview"): a packet is `$payload#cc`, cc the two lower-case hex digits of the payload bytes' sum modulo
// 256; the receiver answers `+` (received) or `-` (send again) until both sides agree on QStartNoAckMode; a lone
// 0x03 byte outside a packet is the interrupt (section "Interrupts"). Binary data (X packets, qXfer replies) escapes
// `#`, `$`, `}` (and `*` in what the stub sends, lest it read as run-length encoding) as `}` then the byte XOR 0x20.
using System.Globalization;
using System.Text;

namespace Stm32Boot.VirtualBoard.Gdb;

/// What the byte stream from GDB carries, one item at a time.
public abstract record RemoteInput
{
    /// A complete packet; ChecksumOk false when its checksum did not match (the stub answers `-`).
    public sealed record Packet(byte[] Payload, bool ChecksumOk) : RemoteInput
    {
        public string Text => Encoding.Latin1.GetString(Payload);
    }

    /// `+`: the last packet sent arrived.
    public sealed record Ack : RemoteInput;
    /// `-`: the last packet sent arrived damaged; send it again.
    public sealed record Nack : RemoteInput;
    /// 0x03 outside a packet: GDB's Ctrl-C, stop the target.
    public sealed record Interrupt : RemoteInput;
}

public static class RemotePacket
{
    public const byte InterruptByte = 0x03;

    public static byte Checksum(ReadOnlySpan<byte> payload)
    {
        var sum = 0;
        foreach (var b in payload) sum += b;
        return (byte)sum;
    }

    /// `$payload#cc` with payload escaped (Escape).
    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var escaped = Escape(payload);
        var frame = new byte[escaped.Length + 4];
        frame[0] = (byte)'$';
        escaped.CopyTo(frame, 1);
        frame[^3] = (byte)'#';
        var checksum = Checksum(escaped);
        frame[^2] = (byte)"0123456789abcdef"[checksum >> 4];
        frame[^1] = (byte)"0123456789abcdef"[checksum & 0xF];
        return frame;
    }

    public static byte[] Frame(string payload) => Frame(Encoding.Latin1.GetBytes(payload));

    public static bool MustEscape(byte b) => b is (byte)'#' or (byte)'$' or (byte)'}' or (byte)'*';

    public static byte[] Escape(ReadOnlySpan<byte> data)
    {
        var output = new List<byte>(data.Length);
        foreach (var b in data)
        {
            if (MustEscape(b))
            {
                output.Add((byte)'}');
                output.Add((byte)(b ^ 0x20));
            }
            else output.Add(b);
        }
        return output.ToArray();
    }

    /// The binary data of an X packet as sent: every `}` takes the next byte XOR 0x20.
    public static byte[] Unescape(ReadOnlySpan<byte> data)
    {
        var output = new List<byte>(data.Length);
        for (var i = 0; i < data.Length; i++)
        {
            if (data[i] != (byte)'}') output.Add(data[i]);
            else if (i + 1 < data.Length) output.Add((byte)(data[++i] ^ 0x20));
            else throw new FormatException("binary data ends with the escape byte '}'");
        }
        return output.ToArray();
    }

    public static string ToHex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static byte[] FromHex(string hex)
    {
        if (hex.Length % 2 != 0) throw new FormatException($"odd number of hex digits: '{hex}'");
        return Convert.FromHexString(hex);
    }

    /// A register or word in target byte order (little endian), as `g`, `p` and stop replies carry it.
    public static string ToHexLittleEndian(ulong value, int bytes)
    {
        var buffer = new byte[bytes];
        for (var i = 0; i < bytes; i++) buffer[i] = (byte)(value >> (8 * i));
        return ToHex(buffer);
    }

    public static ulong FromHexLittleEndian(string hex)
    {
        var bytes = FromHex(hex);
        if (bytes.Length > 8) throw new FormatException($"'{hex}' is longer than 64 bits");
        ulong value = 0;
        for (var i = 0; i < bytes.Length; i++) value |= (ulong)bytes[i] << (8 * i);
        return value;
    }

    /// A number as the commands write it: big-endian hex without prefix (addresses, lengths, register numbers).
    public static uint ParseHexNumber(string text)
    {
        if (text.Length == 0 || !uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            throw new FormatException($"'{text}' is not a hex number");
        return value;
    }
}

/// Splits GDB's byte stream into RemoteInput items. Between packets only `+`, `-` and 0x03 mean something; other
/// bytes (line noise, a stray `#`) are dropped, as the manual lets a stub do.
public sealed class RemotePacketReader
{
    private enum State { Idle, Payload, Checksum1, Checksum2 }

    private readonly List<byte> _payload = new();
    private State _state = State.Idle;
    private int _checksumHigh;

    public IEnumerable<RemoteInput> Feed(ReadOnlyMemory<byte> bytes)
    {
        var items = new List<RemoteInput>();
        foreach (var b in bytes.Span)
        {
            switch (_state)
            {
                case State.Idle:
                    if (b == (byte)'$') { _payload.Clear(); _state = State.Payload; }
                    else if (b == (byte)'+') items.Add(new RemoteInput.Ack());
                    else if (b == (byte)'-') items.Add(new RemoteInput.Nack());
                    else if (b == RemotePacket.InterruptByte) items.Add(new RemoteInput.Interrupt());
                    break;
                case State.Payload:
                    if (b == (byte)'#') _state = State.Checksum1;
                    else if (b == (byte)'$') _payload.Clear(); // a new packet started: the broken one is forgotten
                    else _payload.Add(b);
                    break;
                case State.Checksum1:
                    _checksumHigh = HexDigit(b);
                    _state = State.Checksum2;
                    break;
                case State.Checksum2:
                    var low = HexDigit(b);
                    var payload = _payload.ToArray();
                    var ok = _checksumHigh >= 0 && low >= 0 && RemotePacket.Checksum(payload) == (_checksumHigh << 4 | low);
                    items.Add(new RemoteInput.Packet(payload, ok));
                    _state = State.Idle;
                    break;
            }
        }
        return items;
    }

    private static int HexDigit(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
