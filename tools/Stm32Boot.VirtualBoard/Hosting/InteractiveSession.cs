// Runs a board against a host link in wall-clock time. Virtual time never runs ahead of the wall clock (sleep and
// polling would otherwise skip ahead in an instant), so host timeouts (stm32flash waits 0.5 s for an answer) and LED
// blinking look as on the real board; and host bytes reach USART1 at about the virtual time the host sent them: the
// board runs up to the wall clock's present, then looks for host bytes again at least every millisecond of wall
// time, instead of after a fixed slice of virtual time that a host's answer would have to wait out (stm32flash waits
// for three answers per 256-byte block). A busy firmware may fall behind the wall clock; it is never hurried, and
// host bytes then land as soon as the board looks.
using System.Diagnostics;

namespace Stm32Boot.VirtualBoard.Hosting;

public sealed class InteractiveSession
{
    /// The longest run between two looks at the link while the board is behind the wall clock.
    private const ulong Slice = 1 * Board.Millisecond;
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
            var presentPs = startPs + (ulong)wall.Elapsed.Ticks * 100_000;
            var until = Math.Min(presentPs, _board.NowPs + Slice);
            if (maxPs is { } max) until = Math.Min(until, max);
            if (until <= _board.NowPs)
            {
                // Caught up with the wall clock: nothing can happen before the host sends or time passes.
                Thread.Sleep(1);
                continue;
            }
            _board.Machine.RunUntil(until);
        }
    }
}
