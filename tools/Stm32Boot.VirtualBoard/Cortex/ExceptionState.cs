// Pending, active, enabled and priority state of every exception (ARMv7-M B1.5), shared by the NVIC and SCB
// register models and the exception entry/return logic. Exception numbers: 1 Reset .. 15 SysTick, 16 + IRQn.
namespace Stm32Boot.VirtualBoard.Cortex;

internal sealed class ExceptionState
{
    public const int NMI = 2, HardFault = 3, MemManage = 4, BusFault = 5, UsageFault = 6, SVCall = 11,
        DebugMonitor = 12, PendSV = 14, SysTick = 15, FirstIrq = 16;
    /// STM32L475: 82 maskable interrupt lines (RM0351 Table 57, IRQ 0..81).
    public const int IrqCount = 82;
    public const int Count = FirstIrq + IrqCount;
    /// STM32L4 implements 4 priority bits (PM0214 §4.3.7): the low nibble of every priority reads as zero.
    public const byte PriorityMask = 0xF0;
    /// Execution priority with nothing active and no mask: lower than any configurable priority.
    public const int ThreadPriority = 256;

    private readonly bool[] _enabled = new bool[Count];
    private readonly bool[] _pending = new bool[Count];
    private readonly bool[] _active = new bool[Count];
    private readonly bool[] _lineLevel = new bool[Count];
    private readonly byte[] _priority = new byte[Count];

    /// Something that can change which exception is due happened: the core re-checks at the next block boundary.
    public event Action? Changed;

    /// SCB_AIRCR.PRIGROUP: how many low priority bits are subpriority (group = bits above PRIGROUP).
    public int PriGroup { get; set; }

    public void Reset()
    {
        Array.Clear(_enabled);
        Array.Clear(_pending);
        Array.Clear(_active);
        Array.Clear(_lineLevel);
        Array.Clear(_priority);
        PriGroup = 0;
        // Fixed-priority exceptions and those that cannot be disabled.
        foreach (var n in new[] { NMI, HardFault, SVCall, DebugMonitor, PendSV, SysTick }) _enabled[n] = true;
    }

    public bool IsEnabled(int n) => _enabled[n];
    public bool IsPending(int n) => _pending[n];
    public bool IsActive(int n) => _active[n];
    public byte Priority(int n) => _priority[n];

    public void SetEnabled(int n, bool on)
    {
        if (_enabled[n] == on) return;
        _enabled[n] = on;
        Changed?.Invoke();
    }

    public void SetPending(int n, bool on)
    {
        // A level-sensitive line that is still asserted pends again at once when software clears it (B3.4.1).
        if (!on && _lineLevel[n]) on = true;
        if (_pending[n] == on) return;
        _pending[n] = on;
        if (on) Changed?.Invoke();
    }

    public void SetPriority(int n, byte value)
    {
        _priority[n] = (byte)(value & PriorityMask);
        Changed?.Invoke();
    }

    /// A peripheral's interrupt line, level-sensitive as STM32 peripheral interrupts are (ARMv7-M B3.4.1): an
    /// asserted line pends the interrupt unless its handler is running; a line still asserted when the handler
    /// returns pends it again (Deactivate). So a model may re-assert a line that is already high without making
    /// the handler run once more after it has cleared the cause.
    public void SetLine(int irqn, bool asserted)
    {
        var n = FirstIrq + irqn;
        _lineLevel[n] = asserted;
        if (asserted && !_active[n]) SetPending(n, true);
    }

    /// The core's NMI input (ARMv7-M B1.5.2: fixed priority -2, above every mask but the NMI's own activity).
    /// Level-sensitive like the IRQ lines: pending while asserted and not being handled, pending again when the
    /// handler returns with its source still asserted.
    public void SetNmiLine(bool asserted)
    {
        _lineLevel[NMI] = asserted;
        if (asserted && !_active[NMI]) SetPending(NMI, true);
    }

    /// Fixed priorities of Reset/NMI/HardFault are negative; the others are the programmed byte.
    public int PriorityOf(int n) => n switch { 1 => -3, NMI => -2, HardFault => -1, _ => _priority[n] };

    /// Group (preemption) priority: only these bits decide preemption.
    public int GroupPriorityOf(int n)
    {
        var p = PriorityOf(n);
        return p < 0 ? p : p & (0xFF << (PriGroup + 1)) & 0xFF;
    }

    /// The current execution priority from active exceptions and the mask registers (B1.5.4).
    public int ExecutionPriority(bool primask, byte basepri, bool faultmask)
    {
        var priority = ThreadPriority;
        for (var n = 1; n < Count; n++)
            if (_active[n]) priority = Math.Min(priority, GroupPriorityOf(n));
        if (basepri != 0) priority = Math.Min(priority, basepri & (0xFF << (PriGroup + 1)) & 0xFF);
        if (primask) priority = Math.Min(priority, 0);
        if (faultmask) priority = Math.Min(priority, -1);
        return priority;
    }

    /// Execution priority from active exceptions alone (what WFI wake-up compares against, B1.5.19).
    public int ActivePriority() => ExecutionPriority(false, 0, false);

    /// The pending, enabled exception that would be taken next (lowest priority value, then lowest number), or 0.
    public int HighestPending()
    {
        var best = 0;
        var bestPriority = int.MaxValue;
        for (var n = 1; n < Count; n++)
        {
            if (!_pending[n] || !_enabled[n]) continue;
            var p = PriorityOf(n);
            if (p < bestPriority) { best = n; bestPriority = p; }
        }
        return best;
    }

    /// Any exception (enabled or not) pending: ICSR.ISRPENDING counts external interrupts only.
    public bool AnyIrqPending()
    {
        for (var n = FirstIrq; n < Count; n++) if (_pending[n]) return true;
        return false;
    }

    public int ActiveCount()
    {
        var count = 0;
        for (var n = 1; n < Count; n++) if (_active[n]) count++;
        return count;
    }

    public void Activate(int n)
    {
        _pending[n] = false;
        _active[n] = true;
    }

    /// Exception return: the handler is done. A level line still asserted pends it again.
    public void Deactivate(int n)
    {
        _active[n] = false;
        if (_lineLevel[n]) _pending[n] = true;
        Changed?.Invoke();
    }
}
