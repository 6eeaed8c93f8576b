// Runs a board against a host link: the firmware executes in short slices of virtual time, host bytes are fed
// to USART1 between slices, and virtual time is never let run ahead of the wall clock (sleep and polling would
// otherwise skip it in an instant), so host timeouts (stm32flash waits 0.5 s for an answer) and LED blinking look
// as on the real board. A busy firmware may fall behind the wall clock; it is never hurried.
using System.Diagnostics;

namespace Stm32Boot.VirtualBoard.Hosting;

public sealed class InteractiveSession
{
    private const ulong Slice = 5 * Board.Millisecond;
    private readonly Board _board;
    private readonly IUartHostLink _link;

    public InteractiveSession(Board board, IUartHostLink link)
    {
        _board = board;
        _link = link;
        _board.Peripherals.Usart1.Transmitted += link.Send;
    }

    /// Runs until virtual time maxPs (null: until cancelled). A firmware fault ends it with BoardFaultException.
    public void Run(ulong? maxPs, CancellationToken cancel)
    {
        var wall = Stopwatch.StartNew();
        var startPs = _board.NowPs;
        Span<byte> input = stackalloc byte[256];
        while (!cancel.IsCancellationRequested && (maxPs is null || _board.NowPs < maxPs))
        {
            int n;
            while ((n = _link.Receive(input)) > 0) _board.SendToUart(input[..n]);
            var until = _board.NowPs + Slice;
            if (maxPs is { } max) until = Math.Min(until, max);
            _board.Machine.RunUntil(until);
            var aheadPs = (long)(_board.NowPs - startPs) - wall.Elapsed.Ticks * 100_000;
            if (aheadPs > 0) Thread.Sleep(TimeSpan.FromTicks(Math.Min(aheadPs / 100_000, TimeSpan.TicksPerMillisecond * 20)));
        }
    }
}
