// A virtual clock for model tests: time moves only when the test advances it, and due events run in time order
// (ties in scheduling order), like the board's clock at block boundaries.
namespace Stm32Boot.VirtualBoard.Tests.Peripherals;

public sealed class FakeClock : IVirtualClock
{
    private readonly PriorityQueue<long, (ulong AtPs, long Handle)> _queue = new();
    private readonly Dictionary<long, Action> _live = new();
    private long _nextHandle = 1;

    public ulong NowPs { get; private set; }
    public uint SysclkHz { get; set; } = 4_000_000;

    public long Schedule(ulong atPs, Action callback)
    {
        var handle = _nextHandle++;
        _live.Add(handle, callback);
        _queue.Enqueue(handle, (Math.Max(atPs, NowPs), handle));
        return handle;
    }

    public void Cancel(long handle) => _live.Remove(handle);

    /// Runs every event up to atPs (inclusive), then leaves the time at atPs.
    public void AdvanceTo(ulong atPs)
    {
        while (_queue.TryPeek(out var handle, out var key) && key.AtPs <= atPs)
        {
            _queue.Dequeue();
            if (!_live.Remove(handle, out var callback)) continue;
            NowPs = key.AtPs;
            callback();
        }
        NowPs = Math.Max(NowPs, atPs);
    }

    public void Advance(ulong ps) => AdvanceTo(NowPs + ps);

    public void AdvanceMicroseconds(double us) => Advance((ulong)Math.Round(us * 1_000_000));

    /// Runs events until none is left or the limit is reached.
    public void RunUntilIdle(ulong limitPs = ulong.MaxValue)
    {
        while (_queue.TryPeek(out var handle, out var key) && key.AtPs <= limitPs)
        {
            if (!_live.ContainsKey(handle)) { _queue.Dequeue(); continue; }
            AdvanceTo(key.AtPs);
        }
    }

    /// The real board drops every pending event at reset; tests of reset behaviour do the same.
    public void ClearEvents()
    {
        _queue.Clear();
        _live.Clear();
    }
}
