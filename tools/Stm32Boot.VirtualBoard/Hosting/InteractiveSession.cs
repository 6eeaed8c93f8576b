// Runs a board against a host link in wall-clock time. Virtual time never runs ahead of the wall clock (sleep and
// polling would otherwise skip ahead in an instant), so host timeouts (stm32flash waits 0.5 s for an answer) and LED
// blinking look as on the real board; and host bytes reach USART1 at about the virtual time the host sent them: the
// board runs up to the wall clock's present, then looks for host bytes again, instead of after a fixed slice of
// virtual time that a host's answer would have to wait out (stm32flash waits for three answers per 256-byte block).
// Right after the board sent something the session watches the link closely, since a host answers within a fraction
// of a millisecond; otherwise it looks every millisecond. A busy firmware may fall behind the wall clock; it is never
// hurried, and host bytes then land as soon as the board looks.
using System.Diagnostics;

namespace Stm32Boot.VirtualBoard.Hosting;

public sealed class InteractiveSession
{
    /// The longest run between two looks at the link while the board is behind the wall clock.
    private const ulong Slice = 1 * Board.Millisecond;
    /// How long after the board's last byte an answer is watched for without sleeping.
    private static readonly TimeSpan AnswerWindow = TimeSpan.FromMilliseconds(2);
    private readonly Board _board;
    private readonly IUartHostLink _link;
    private readonly Stopwatch _wall = new();
    private TimeSpan _lastSent = -AnswerWindow;
    private ulong _startPs;

    private readonly BoardControls? _controls;

    /// <param name="controls">The user's keys (B1, reset, power, USB drive), applied between two runs of the board.</param>
    public InteractiveSession(Board board, IUartHostLink link, BoardControls? controls = null)
    {
        _board = board;
        _link = link;
        _controls = controls;
        _board.Peripherals.Console.Transmitted += value =>
        {
            link.Send(value);
            _lastSent = _wall.Elapsed;
        };
    }

    /// Runs until virtual time maxPs (null: until cancelled). A firmware fault ends it with BoardFaultException.
    public void Run(ulong? maxPs, CancellationToken cancel)
    {
        Resume();
        while (!cancel.IsCancellationRequested && (maxPs is null || _board.NowPs < maxPs)) RunSlice(maxPs);
    }

    /// Ties virtual time to the wall clock from now on: after the board stood still (halted by a debugger), it goes
    /// on from where it stopped instead of racing to catch up with the time it stood.
    public void Resume()
    {
        _wall.Restart();
        _startPs = _board.NowPs;
        _lastSent = -AnswerWindow;
    }

    /// One look at the link and one run up to the wall clock's present (at most a slice, never past maxPs); or, when
    /// the board is there already, a short wait. Returns how the board's run ended, null when it waited.
    public RunResult? RunSlice(ulong? maxPs)
    {
        // Keys first, at the virtual time the board stopped at: the next run starts from what they changed.
        _controls?.ApplyPending();
        Span<byte> input = stackalloc byte[256];
        int n;
        // A board without power receives nothing: what the host sends meanwhile is lost, as on the wire.
        while ((n = _link.Receive(input)) > 0)
            if (!_board.Machine.PoweredOff) _board.SendToUart(input[..n]);
        var now = _wall.Elapsed;
        var until = Math.Min(_startPs + (ulong)now.Ticks * 100_000, _board.NowPs + Slice);
        if (maxPs is { } max) until = Math.Min(until, max);
        if (until > _board.NowPs) return _board.Machine.RunUntil(until);
        // Caught up with the wall clock: nothing can happen before the host sends or time passes.
        if (now - _lastSent < AnswerWindow) Thread.SpinWait(1000);
        else Thread.Sleep(1);
        return null;
    }
}
