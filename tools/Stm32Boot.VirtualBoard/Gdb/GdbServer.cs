// A GDB stub for the virtual board: GDB's remote serial protocol (the GDB manual, appendix "GDB Remote Serial
// Protocol") on a TCP port of the loopback interface, one debugger at a time, all-stop, one thread.
//
// The board waits halted at reset until a debugger connects; while it is halted virtual time stands still. `c` runs
// it paced by the wall clock (InteractiveSession, so USART1's host link works as without a debugger) until a
// breakpoint, Ctrl-C or a fault; `s` executes one instruction (Machine.Step). Breakpoints, `Z0` and `Z1` alike, are
// emulator breakpoints (Machine.AddBreakpoint): nothing is written into flash, so the firmware's own CRC and
// signature checks see the flash as it is. `D` (detach) and a dropped connection let the board run on freely; a
// debugger connecting later halts it where it is, as attaching does. `k` ends the run.
//
// Packets served (manual section "Packets" unless said): `?`; `g`/`G` and `p`/`P` in TargetRegisters' order; `m`, `M`,
// `X` (memory through the debug port: Board.ReadThroughDebugPort); `Z0`/`z0`, `Z1`/`z1` (six hardware breakpoints,
// the FPB's instruction comparators of the Cortex-M4, Cortex-M4 TRM §8.3); `c`, `C`, `s`, `S` (an address argument
// sets the PC, a signal is ignored); `D`, `k`, `vKill`; `H` and `T` (one thread); section "General Query Packets":
// qSupported (PacketSize, qXfer:features:read+, QStartNoAckMode+), qXfer:features:read:target.xml, qAttached (1: the
// board exists before and after the debugger, so quitting GDB detaches rather than kills), qC, qfThreadInfo and
// qsThreadInfo, qRcmd (`monitor reset` / `monitor reset halt`: NRST, the board stays halted), QStartNoAckMode.
// Everything else, vCont? included, gets the empty reply: "not supported" (section "Overview").
// Stop replies (section "Stop Reply Packets"): `T05` after a breakpoint or step and at reset, `T02` after Ctrl-C,
// each with the PC, SP and LR (`n:r;` pairs in target byte order) and `thread:1;`; `T0b` (SIGSEGV) after a fault of
// the firmware, preceded by an `O` packet carrying the virtual board's reason, which GDB prints; `W00` when --max-time
// ends the run.
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Stm32Boot.VirtualBoard.Hosting;

namespace Stm32Boot.VirtualBoard.Gdb;

public sealed class GdbServer : IDisposable
{
    /// The Cortex-M4's Flash Patch and Breakpoint unit has six instruction address comparators (Cortex-M4 TRM
    /// r0p1 §8.3, FP_CTRL.NUM_CODE = 6): what a real ST-LINK offers for breakpoints in flash.
    public const int HardwareBreakpoints = 6;
    private const int PacketSize = 0x4000;
    private const int SIGINT = 2, SIGTRAP = 5, SIGSEGV = 11;

    private readonly Board _board;
    private readonly InteractiveSession _session;
    private readonly TcpListener _listener;
    private readonly BlockingCollection<(int Connection, RemoteInput? Input)> _inputs = new();
    private readonly Lock _sendLock = new();
    private readonly HashSet<uint> _softBreakpoints = new();
    private readonly HashSet<uint> _hardBreakpoints = new();
    private volatile NetworkStream? _client;
    private int _connection;
    private volatile bool _noAck;
    private byte[]? _lastSent;
    private RunState _state = RunState.Halted;
    private string _lastStop;
    private BoardFaultException? _fault;
    private bool _killed;

    private enum RunState { Halted, Continuing, Free }

    /// A debugger connected (queued by the connection's thread like its packets).
    private sealed record Attached : RemoteInput;

    /// port 0 takes any free port (see Port).
    public GdbServer(Board board, InteractiveSession session, int port)
    {
        _board = board;
        _session = session;
        _lastStop = StopReply(SIGTRAP, board.Machine.PoweredOn ? board.Machine : null);
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        new Thread(AcceptLoop) { IsBackground = true, Name = $"gdb 127.0.0.1:{Port}" }.Start();
    }

    public int Port { get; }
    /// Status lines (debugger attached, detached...), for the emulate command's stderr.
    public Action<string>? Log { get; set; }

    /// Serves the debugger and runs the board until `k`, --max-time (maxPs of virtual time) or cancel. A fault of the
    /// firmware with no debugger attached ends it with BoardFaultException; with one attached, the debugger is told
    /// and the fault is rethrown when it detaches or kills.
    public void Run(ulong? maxPs, CancellationToken cancel)
    {
        using var stop = cancel.Register(_session.Wake);
        try
        {
            while (!cancel.IsCancellationRequested && !_killed)
            {
                if (_state == RunState.Halted)
                {
                    if (_inputs.TryTake(out var input, 50, cancel)) Handle(input);
                    continue;
                }
                while (_state != RunState.Halted && !_killed && _inputs.TryTake(out var input)) Handle(input);
                if (_state == RunState.Halted || _killed) continue;
                if (maxPs is { } max && _board.NowPs >= max)
                {
                    if (_state == RunState.Continuing) SendPacket("W00");
                    return;
                }
                RunResult? result;
                try { result = _session.RunSlice(maxPs); }
                catch (BoardFaultException fault) when (_state == RunState.Continuing)
                {
                    Stop(fault);
                    continue;
                }
                if (result is { Reason: StopReason.Breakpoint } && _state == RunState.Continuing) Stop(SIGTRAP);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested) { }
        if (_fault is { } faulted) throw faulted;
    }

    // ---- the board thread's side ------------------------------------------------------------------------------------

    private void Handle((int Connection, RemoteInput? Input) item)
    {
        if (item.Connection != _connection) return; // from a connection that has ended since
        switch (item.Input)
        {
            case null: // the debugger's connection closed: as a detach (after `D`, once is enough)
                if (_state != RunState.Free) Detach("the debugger's connection closed");
                break;
            case RemoteInput.Interrupt:
                if (_state == RunState.Continuing) Stop(SIGINT);
                break;
            case Attached:
                // Attaching halts a board that runs freely (after an earlier detach), where it is; GDB asks `?`.
                if (_state != RunState.Halted) _lastStop = StopReply(SIGTRAP, _board.Machine);
                if (_fault is null) _state = RunState.Halted;
                break;
            case RemoteInput.Nack when !_noAck && _lastSent is { } again:
                Send(again);
                break;
            case RemoteInput.Packet { ChecksumOk: true } packet:
                string? reply;
                try { reply = Dispatch(packet.Text, packet.Payload); }
                catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or IndexOutOfRangeException)
                {
                    // A packet this stub cannot parse or carry out: "E NN" (section "Standard Replies").
                    Log?.Invoke($"gdb: '{Shorten(packet.Text)}': {e.Message}");
                    reply = "E01";
                }
                if (reply is not null) SendPacket(reply);
                break;
        }
    }

    /// The reply to one packet; null when it has none now (c: the stop reply comes later; k: none).
    private string? Dispatch(string text, byte[] payload)
    {
        if (text.Length == 0) return "";
        var machine = _board.Machine;
        switch (text[0])
        {
            case '?': return _lastStop;
            case 'g': return string.Concat(TargetRegisters.All.Select(r => RemotePacket.ToHexLittleEndian(TargetRegisters.Read(machine, r), r.BitSize / 8)));
            case 'G':
            {
                var hex = text[1..];
                var offset = 0;
                foreach (var r in TargetRegisters.All)
                {
                    var digits = r.BitSize / 4;
                    if (offset + digits > hex.Length) break; // a shorter G leaves the rest as they are
                    TargetRegisters.Write(machine, r, RemotePacket.FromHexLittleEndian(hex.Substring(offset, digits)));
                    offset += digits;
                }
                return "OK";
            }
            case 'p':
                return Register(text[1..]) is { } read ? RemotePacket.ToHexLittleEndian(TargetRegisters.Read(machine, read), read.BitSize / 8) : "E00";
            case 'P':
            {
                var (number, value) = Split(text[1..], '=');
                if (Register(number) is not { } written) return "E00";
                TargetRegisters.Write(machine, written, RemotePacket.FromHexLittleEndian(value));
                return "OK";
            }
            case 'm':
            {
                var (address, length) = AddressLength(text[1..]);
                return Memory(() => RemotePacket.ToHex(_board.ReadThroughDebugPort(address, (int)length)));
            }
            case 'M':
            {
                var (range, hex) = Split(text[1..], ':');
                var (address, length) = AddressLength(range);
                var bytes = RemotePacket.FromHex(hex);
                if (bytes.Length != length) throw new FormatException($"M: {bytes.Length} bytes of data for a length of {length}");
                return Memory(() => { _board.WriteThroughDebugPort(address, bytes); return "OK"; });
            }
            case 'X':
            {
                // Binary data follows the first ':' (escaped, RemotePacket.Unescape); GDB probes with length 0.
                var colon = Array.IndexOf(payload, (byte)':');
                if (colon < 0) throw new FormatException("X without ':'");
                var (address, length) = AddressLength(Encoding.Latin1.GetString(payload, 1, colon - 1));
                var bytes = RemotePacket.Unescape(payload.AsSpan(colon + 1));
                if (bytes.Length != length) throw new FormatException($"X: {bytes.Length} bytes of data for a length of {length}");
                return Memory(() => { _board.WriteThroughDebugPort(address, bytes); return "OK"; });
            }
            case 'Z': case 'z': return Breakpoint(text[0] == 'Z', text[1..]);
            case 'c': case 'C': return Resume(text, step: false);
            case 's': case 'S': return Resume(text, step: true);
            case 'D':
                Detach("the debugger detached");
                return "OK";
            case 'k':
                Kill();
                return null;
            case 'H': case 'T': return "OK"; // one thread: whichever the debugger selects, it is alive
            case 'q': case 'Q': return Query(text);
            case 'v':
                if (text.StartsWith("vKill", StringComparison.Ordinal)) { Kill(); return "OK"; }
                return ""; // vCont?, vMustReplyEmpty and the rest: not supported
            default: return "";
        }
    }

    private string Query(string text)
    {
        if (text.StartsWith("qSupported", StringComparison.Ordinal))
            return $"PacketSize={PacketSize:x};qXfer:features:read+;QStartNoAckMode+";
        if (text == "QStartNoAckMode")
        {
            // The OK still travels in ack mode (GDB acknowledges it); nothing after it is acknowledged.
            _noAck = true;
            return "OK";
        }
        if (text.StartsWith("qXfer:features:read:", StringComparison.Ordinal))
        {
            // qXfer:features:read:ANNEX:OFFSET,LENGTH -> 'm' + data (more follows) or 'l' + data (the last part).
            var rest = text["qXfer:features:read:".Length..];
            var (annex, range) = Split(rest, ':');
            if (annex != "target.xml") return "E00";
            var (offset, length) = AddressLength(range);
            var xml = TargetRegisters.TargetXml;
            if (offset >= xml.Length) return "l";
            var part = xml.Substring((int)offset, (int)Math.Min(length, (uint)xml.Length - offset));
            return (offset + part.Length < xml.Length ? "m" : "l") + part; // Frame escapes what must be
        }
        if (text == "qAttached") return "1";
        if (text == "qC") return "QC1";
        if (text == "qfThreadInfo") return "m1";
        if (text == "qsThreadInfo") return "l";
        if (text.StartsWith("qRcmd,", StringComparison.Ordinal)) return Monitor(Encoding.Latin1.GetString(RemotePacket.FromHex(text[6..])).Trim());
        return "";
    }

    private string Monitor(string command)
    {
        if (command is "reset" or "reset halt")
        {
            _board.PressResetButton();
            _lastStop = StopReply(SIGTRAP, _board.Machine);
            Console("virtual board: NRST pressed and released; the core is halted at the reset vector\n");
            return "OK";
        }
        Console($"virtual board: monitor commands: reset, reset halt (both reset through NRST and stay halted); not '{command}'\n");
        return "OK";
    }

    private string Breakpoint(bool insert, string arguments)
    {
        // Z TYPE,ADDR,KIND[;cond...]: type 0 software, 1 hardware breakpoint; 2-4 watchpoints are not supported.
        var fields = arguments.Split(';')[0].Split(',');
        if (fields.Length < 2) throw new FormatException("Z/z needs TYPE,ADDR,KIND");
        var address = RemotePacket.ParseHexNumber(fields[1]) & ~1u;
        HashSet<uint> set;
        switch (fields[0])
        {
            case "0": set = _softBreakpoints; break;
            case "1": set = _hardBreakpoints; break;
            default: return "";
        }
        if (insert)
        {
            if (set == _hardBreakpoints && !set.Contains(address) && set.Count >= HardwareBreakpoints) return "E0e";
            if (set.Add(address)) _board.Machine.AddBreakpoint(address);
        }
        else if (set.Remove(address) && !_softBreakpoints.Contains(address) && !_hardBreakpoints.Contains(address))
            _board.Machine.RemoveBreakpoint(address);
        return "OK";
    }

    private string? Resume(string text, bool step)
    {
        // c [ADDR], s [ADDR]; C SIG[;ADDR], S SIG[;ADDR].
        var argument = text[1..];
        if (text[0] is 'C' or 'S') argument = argument.Contains(';') ? argument[(argument.IndexOf(';') + 1)..] : "";
        if (argument.Length > 0) _board.Machine.WriteRegister(CoreRegister.Pc, RemotePacket.ParseHexNumber(argument));
        if (_fault is { } fault)
        {
            // The board cannot run on after a fault; the debugger hears why again.
            Console($"virtual board: {fault.Fault}\n");
            return _lastStop;
        }
        if (!step)
        {
            _session.Resume();
            _state = RunState.Continuing;
            return null;
        }
        try
        {
            // A core asleep with nothing to wake it does not finish its step: look for Ctrl-C every millisecond.
            while (!_board.Machine.Step(_board.NowPs + Board.Millisecond))
            {
                if (InterruptWaiting()) return Stopped(SIGINT);
            }
            return Stopped(SIGTRAP);
        }
        catch (BoardFaultException e)
        {
            RecordFault(e);
            return _lastStop;
        }
    }

    private bool InterruptWaiting()
    {
        while (_inputs.TryTake(out var item))
        {
            if (item.Connection == _connection && item.Input is RemoteInput.Interrupt) return true;
            if (item.Connection == _connection && item.Input is null) { Detach("the debugger's connection closed"); return true; }
        }
        return false;
    }

    private void Stop(int signal) => SendPacket(Stopped(signal));

    private string Stopped(int signal)
    {
        _state = RunState.Halted;
        return _lastStop = StopReply(signal, _board.Machine);
    }

    private void Stop(BoardFaultException fault)
    {
        RecordFault(fault);
        SendPacket(_lastStop);
    }

    private void RecordFault(BoardFaultException fault)
    {
        _fault = fault;
        _state = RunState.Halted;
        Log?.Invoke($"gdb: the firmware stopped the virtual board: {fault.Fault}");
        Console($"virtual board: {fault.Fault}\n");
        _lastStop = StopReply(SIGSEGV, _board.Machine.PoweredOn ? _board.Machine : null);
    }

    private static string StopReply(int signal, Machine? machine)
    {
        var reply = new StringBuilder($"T{signal:x2}");
        if (machine is not null)
            foreach (var r in new[] { TargetRegisters.Pc, TargetRegisters.Sp, TargetRegisters.Lr })
                reply.Append($"{r.Number:x2}:{RemotePacket.ToHexLittleEndian(TargetRegisters.Read(machine, r), 4)};");
        return reply.Append("thread:1;").ToString();
    }

    private void Detach(string why)
    {
        foreach (var address in _softBreakpoints.Concat(_hardBreakpoints).Distinct()) _board.Machine.RemoveBreakpoint(address);
        _softBreakpoints.Clear();
        _hardBreakpoints.Clear();
        if (_fault is not null)
        {
            _killed = true; // Run rethrows the fault
            return;
        }
        _session.Resume();
        _state = RunState.Free;
        Log?.Invoke($"gdb: {why}; the board runs on");
    }

    private void Kill()
    {
        _killed = true;
        Log?.Invoke("gdb: killed by the debugger; the run ends");
    }

    private TargetRegister? Register(string number)
    {
        var n = RemotePacket.ParseHexNumber(number);
        return n < TargetRegisters.All.Count ? TargetRegisters.All[(int)n] : null;
    }

    private string Memory(Func<string> access)
    {
        try { return access(); }
        // A bus error for the debugger (unmapped, RDP): GDB shows "Cannot access memory at address ...".
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException or ArgumentException) { return "E02"; }
    }

    private static (uint, uint) AddressLength(string text)
    {
        var (address, length) = Split(text, ',');
        return (RemotePacket.ParseHexNumber(address), RemotePacket.ParseHexNumber(length));
    }

    private static (string, string) Split(string text, char separator)
    {
        var at = text.IndexOf(separator);
        if (at < 0) throw new FormatException($"'{separator}' missing in '{Shorten(text)}'");
        return (text[..at], text[(at + 1)..]);
    }

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "..." : text;

    /// Text for GDB's console: an `O` packet (hex-encoded output), allowed while a command runs (section "Stop Reply
    /// Packets", "O XX...").
    private void Console(string text) => SendPacket("O" + RemotePacket.ToHex(Encoding.UTF8.GetBytes(text)));

    private void SendPacket(string payload) => Send(RemotePacket.Frame(payload));

    private void Send(byte[] frame)
    {
        _lastSent = frame;
        lock (_sendLock)
        {
            try { _client?.Write(frame); }
            catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        }
    }

    // ---- the connection's side ---------------------------------------------------------------------------------------

    private void AcceptLoop()
    {
        while (true)
        {
            TcpClient client;
            try { client = _listener.AcceptTcpClient(); }
            catch (Exception e) when (e is SocketException or InvalidOperationException or ObjectDisposedException) { return; } // listener stopped
            client.NoDelay = true;
            using var stream = client.GetStream();
            var connection = Interlocked.Increment(ref _connection);
            _noAck = false;
            _client = stream;
            Post((connection, new Attached()));
            Log?.Invoke($"gdb: debugger connected from {client.Client.RemoteEndPoint}");
            var reader = new RemotePacketReader();
            var buffer = new byte[4096];
            try
            {
                int n;
                while ((n = stream.Read(buffer)) > 0)
                {
                    foreach (var input in reader.Feed(buffer.AsMemory(0, n)))
                    {
                        if (input is RemoteInput.Packet packet && !_noAck)
                            lock (_sendLock) stream.WriteByte(packet.ChecksumOk ? (byte)'+' : (byte)'-');
                        Post((connection, input));
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException) { }
            _client = null;
            Post((connection, null));
            client.Dispose();
        }
    }

    /// Hands the debugger's input to the board's thread, and wakes the session if it sleeps while the board waits
    /// (Ctrl-C must stop a board idling at a prompt at once).
    private void Post((int Connection, RemoteInput? Input) item)
    {
        _inputs.Add(item);
        _session.Wake();
    }

    public void Dispose()
    {
        _listener.Stop();
        _client?.Dispose();
    }
}
