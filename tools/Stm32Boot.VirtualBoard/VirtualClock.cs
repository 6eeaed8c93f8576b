// The board's timeline. Time is derived from core cycles at the current SYSCLK, so it is exact and deterministic:
// instructions advance it through the block hook, sleeping and polling fast-forward jump it to the next event.
namespace Stm32Boot.VirtualBoard;

internal sealed unsafe class VirtualClock : IVirtualClock
{
    private const ulong PsPerSecond = 1_000_000_000_000;
    /// RM0351 §6.2.3: after reset the core runs from MSI at 4 MHz.
    public const uint ResetSysclkHz = 4_000_000;

    private readonly HookState* _state;
    private readonly PriorityQueue<long, (ulong AtPs, long Handle)> _queue = new();
    private readonly Dictionary<long, Action> _live = new();
    private long _nextHandle = 1;
    private ulong _basePs;
    private ulong _baseCycle;
    private uint _hz = ResetSysclkHz;
    private ulong _limitPs = ulong.MaxValue;

    public VirtualClock(HookState* state) => _state = state;

    /// Raised after SysclkHz changed (SysTick converts its count to the new period).
    public event Action? SysclkChanged;

    public ulong Cycles => _state->Cycles;

    public ulong NowPs => _basePs + (ulong)((UInt128)(_state->Cycles - _baseCycle) * PsPerSecond / _hz);

    public uint SysclkHz
    {
        get => _hz;
        set
        {
            if (value == 0) throw new ArgumentOutOfRangeException(nameof(value), "SYSCLK cannot be 0 Hz.");
            if (value == _hz) return;
            Rebase();
            _hz = value;
            UpdateDeadline();
            SysclkChanged?.Invoke();
        }
    }

    public long Schedule(ulong atPs, Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        // A callback fires at the first block boundary at or after its time, so a model that schedules relative to
        // its previous event can ask for a time that is already a few cycles past: it runs at once.
        var handle = _nextHandle++;
        _live.Add(handle, callback);
        _queue.Enqueue(handle, (Math.Max(atPs, NowPs), handle));
        UpdateDeadline();
        return handle;
    }

    public void Cancel(long handle)
    {
        if (_live.Remove(handle)) DropCancelledHead();
        UpdateDeadline();
    }

    /// Time of the next live event, or null.
    public ulong? NextEventPs
    {
        get
        {
            DropCancelledHead();
            return _queue.TryPeek(out _, out var key) ? key.AtPs : null;
        }
    }

    /// The run loop's own limit (end of run, power cut): the block hook also stops there.
    public ulong LimitPs
    {
        get => _limitPs;
        set { _limitPs = value; UpdateDeadline(); }
    }

    /// Runs every event that is due, in time order (ties: in the order they were scheduled). Returns how many ran.
    public int RunDue()
    {
        var ran = 0;
        while (_queue.TryPeek(out var handle, out var key) && key.AtPs <= NowPs)
        {
            _queue.Dequeue();
            if (!_live.Remove(handle, out var callback)) continue;
            callback();
            ran++;
        }
        UpdateDeadline();
        return ran;
    }

    /// Sleep or a detected polling loop: the core clock runs on with nothing to execute, up to atPs exactly.
    public void AdvanceTo(ulong atPs)
    {
        var now = NowPs;
        if (atPs <= now) return;
        var cycles = (ulong)(((UInt128)(atPs - now) * _hz + PsPerSecond - 1) / PsPerSecond);
        _state->Cycles += cycles;
        _baseCycle = _state->Cycles;
        _basePs = atPs;
        UpdateDeadline();
    }

    /// The first cycle count at which NowPs >= atPs (at the current frequency).
    public ulong CycleAt(ulong atPs)
    {
        if (atPs <= _basePs) return _baseCycle;
        var cycles = ((UInt128)(atPs - _basePs) * _hz + PsPerSecond - 1) / PsPerSecond;
        return cycles > ulong.MaxValue - _baseCycle ? ulong.MaxValue : _baseCycle + (ulong)cycles;
    }

    /// The time at which the core reaches the given cycle count (at the current frequency).
    public ulong PsAtCycle(ulong cycle) =>
        cycle <= _baseCycle ? _basePs : _basePs + (ulong)(((UInt128)(cycle - _baseCycle) * PsPerSecond + _hz - 1) / _hz);

    /// Reset: every pending peripheral event belongs to the chip that is being reset.
    public void ClearEvents()
    {
        _queue.Clear();
        _live.Clear();
        UpdateDeadline();
    }

    private void Rebase()
    {
        _basePs = NowPs;
        _baseCycle = _state->Cycles;
    }

    private void DropCancelledHead()
    {
        while (_queue.TryPeek(out var handle, out _) && !_live.ContainsKey(handle)) _queue.Dequeue();
    }

    private void UpdateDeadline()
    {
        DropCancelledHead();
        var until = _limitPs;
        if (_queue.TryPeek(out _, out var key) && key.AtPs < until) until = key.AtPs;
        _state->Deadline = until == ulong.MaxValue ? ulong.MaxValue : CycleAt(until);
    }
}
