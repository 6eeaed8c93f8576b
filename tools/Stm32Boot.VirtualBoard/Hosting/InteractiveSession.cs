// Runs a board against a host link in wall-clock time. Virtual time never runs ahead of the wall clock (sleep and
// polling would otherwise skip ahead in an instant), so host timeouts (stm32flash waits 0.5 s for an answer) and LED
// blinking look as on the real board; and host bytes reach USART1 at about the virtual time the host sent them: the
// board runs up to the wall clock's present, then looks for host bytes again, instead of after a fixed slice of
// virtual time that a host's answer would have to wait out (stm32flash waits for three answers per 256-byte block).
// While the board waits (its core sleeps in WFI, or spins in a loop proven to wait for the next event:
// Machine.IdleUntilPs) nothing happens on it before its next event, so the session's thread sleeps until the wall
// clock reaches that event's virtual time or the host acts (bytes on the link, a board key, a debugger), instead of
// running the board again and again up to a present that moved on by a few microseconds. On waking it brings the
// board up to the present in one run before it looks at the link again, so host bytes land at the virtual time they
// arrived. While the host talks to the board (a byte either way in the last ActiveWindow) the wait is as exact as
// the wall clock allows, spinning its last millisecond, since the host may be timing the answers (stm32flash, a whole
// update). Once nobody has talked to it for a while (a prompt, the bootloader waiting for a host) the board may lag
// the wall clock by up to IdleBatchMs and then catch up with the events it lagged behind in one run: its 1 kHz
// SysTick costs the host one wake-up per IdleBatchMs instead of one per millisecond, while a host byte or key still
// wakes it at once. A busy firmware may fall behind the wall clock; it is never hurried, and host bytes then land as
// soon as the board looks.
using System.Diagnostics;

namespace Stm32Boot.VirtualBoard.Hosting;

public sealed class InteractiveSession
{
    /// The longest run between two looks at the link while the board is behind the wall clock.
    private const ulong Slice = 1 * Board.Millisecond;
    /// How long after the board's last byte an answer is watched for without sleeping (a busy board only: an idle
    /// one sleeps on _wake, which the answer sets).
    private static readonly TimeSpan AnswerWindow = TimeSpan.FromMilliseconds(2);
    /// How long after the last byte either way (or key) the host counts as talking to the board: waits are exact.
    /// Longer than the board's silences in an exchange: a page erase (22 ms, Flash.PageErasePs), the 100 ms between
    /// two BUSY bytes while the bootloader checks a signature.
    private static readonly TimeSpan ActiveWindow = TimeSpan.FromMilliseconds(250);
    /// How far a board nobody talks to may lag the wall clock while it waits: a wake-up of the host per IdleBatchMs.
    private const int IdleBatchMs = 20;
    /// The longest sleep of an idle board: it then catches up with the wall clock even when nothing is scheduled,
    /// so NowPs keeps following the wall clock as a running board's does.
    private const int LongestIdleWaitMs = 100;
    private readonly Board _board;
    private readonly IUartHostLink _link;
    private readonly Stopwatch _wall = new();
    /// Set by whatever the host does to the board from another thread (link bytes, board keys, a debugger, a stop).
    private readonly AutoResetEvent _wake = new(false);
    private TimeSpan _lastSent = -AnswerWindow;
    /// The last byte either way or key applied.
    private TimeSpan _lastActivity = -ActiveWindow;
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
            _lastSent = _lastActivity = _wall.Elapsed;
        };
        link.Received += Wake;
        if (controls is not null) controls.Posted += Wake;
    }

    /// Passes of the session's loop (RunSlice calls): what the host spends on the board, a run of the board or a
    /// wait. While the board waits, one or two per event it wakes for, plus one per LongestIdleWaitMs at most.
    public long Looks { get; private set; }

    /// From any thread: something for the board arrived (the session sleeping while the board waits looks at once).
    public void Wake() => _wake.Set();

    /// Runs until virtual time maxPs (null: until cancelled). A firmware fault ends it with BoardFaultException.
    public void Run(ulong? maxPs, CancellationToken cancel)
    {
        Resume();
        using var stop = cancel.Register(Wake);
        while (!cancel.IsCancellationRequested && (maxPs is null || _board.NowPs < maxPs)) RunSlice(maxPs);
    }

    /// Ties virtual time to the wall clock from now on: after the board stood still (halted by a debugger), it goes
    /// on from where it stopped instead of racing to catch up with the time it stood.
    public void Resume()
    {
        _wall.Restart();
        _startPs = _board.NowPs;
        _lastSent = -AnswerWindow;
        _lastActivity = -ActiveWindow;
    }

    /// One look at the link and one run up to the wall clock's present (at most a slice, never past maxPs); or, when
    /// the board waits for its next event, a sleep until the wall clock reaches it or the host acts; or, when the
    /// board is there already, a short wait. Returns how the board's run ended, null when it did not run.
    public RunResult? RunSlice(ulong? maxPs)
    {
        Looks++;
        // Keys first, at the virtual time the board stopped at: the next run starts from what they changed.
        var changed = _controls?.ApplyPending() > 0;
        Span<byte> input = stackalloc byte[256];
        int n;
        // A board without power receives nothing: what the host sends meanwhile is lost, as on the wire.
        while ((n = _link.Receive(input)) > 0)
        {
            changed = true;
            if (!_board.Machine.PoweredOff) _board.SendToUart(input[..n]);
        }
        if (changed) _lastActivity = _wall.Elapsed;
        var max = maxPs ?? ulong.MaxValue;
        // The board waits only if the host changed nothing since its last run (a key, a byte may end the wait), and
        // for a time still to come (an event due now is run first, below).
        if (!changed && _board.Machine.IdleUntilPs is { } idle && idle > _board.NowPs) return WaitWhileIdle(Math.Min(idle, max), max);
        var until = Math.Min(Math.Min(WallPs(), _board.NowPs + Slice), max);
        if (until > _board.NowPs) return _board.Machine.RunUntil(until);
        // Caught up with the wall clock: nothing can happen before the host sends or time passes.
        if (_wall.Elapsed - _lastSent < AnswerWindow) Thread.SpinWait(1000);
        else _wake.WaitOne(1);
        return null;
    }

    /// The board does nothing by itself before virtual time nextPs: sleep until the wall clock reaches it (a board
    /// nobody talks to: at least IdleBatchMs) or the host acts, then bring the board to the present in one run, so
    /// what the host sent meanwhile lands at the time it arrived (at the next look). Up to nextPs that run is exact
    /// and costs next to nothing (nothing executes, or only the loop that waits); after it, the events the board
    /// lagged behind run as they would have.
    private RunResult? WaitWhileIdle(ulong nextPs, ulong maxPs)
    {
        var wallPs = WallPs();
        if (nextPs > wallPs)
        {
            var gapMs = (nextPs - wallPs) / (double)Board.Millisecond;
            if (_wall.Elapsed - _lastActivity >= ActiveWindow)
                _wake.WaitOne((int)Math.Clamp(Math.Ceiling(gapMs), IdleBatchMs, LongestIdleWaitMs));
            // A timed wait ends up to a fraction of a millisecond late: sleep short of the event, spin the rest.
            else if (gapMs >= 2) _wake.WaitOne((int)Math.Min(gapMs - 1, LongestIdleWaitMs));
            else
                while (WallPs() < nextPs && !_wake.WaitOne(0)) Thread.SpinWait(100);
            wallPs = WallPs();
        }
        var to = Math.Min(wallPs, maxPs);
        return to > _board.NowPs ? _board.Machine.RunUntil(to) : null;
    }

    private ulong WallPs() => _startPs + (ulong)_wall.Elapsed.Ticks * 100_000;
}
