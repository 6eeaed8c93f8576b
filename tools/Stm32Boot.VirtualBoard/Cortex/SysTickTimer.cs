// SysTick (ARMv7-M B3.3, PM0214 §4.5): a 24-bit down-counter clocked by HCLK (CLKSOURCE=1) or HCLK/8, counted in
// core cycles of the virtual clock, so it stays exact when the firmware changes SYSCLK or the core sleeps.
namespace Stm32Boot.VirtualBoard.Cortex;

internal sealed class SysTickTimer
{
    private const uint CTRL_ENABLE = 1u << 0, CTRL_TICKINT = 1u << 1, CTRL_CLKSOURCE = 1u << 2, CTRL_COUNTFLAG = 1u << 16;
    private const uint CounterMask = 0x00FF_FFFF;
    /// STK_CALIB: no exact 10 ms calibration on STM32L4 (SKEW=1, TENMS=0), reference clock HCLK/8 present.
    private const uint Calib = 0x4000_0000;

    private readonly VirtualClock _clock;
    private readonly ExceptionState _exceptions;
    private uint _ctrl;
    private uint _load;
    /// While running: the counter held _refValue at core cycle _refCycle; stopped: it holds _refValue.
    private uint _refValue;
    private ulong _refCycle;
    private long _event = -1;

    public SysTickTimer(VirtualClock clock, ExceptionState exceptions)
    {
        _clock = clock;
        _exceptions = exceptions;
        _clock.SysclkChanged += Reschedule;
    }

    /// For inspection: SYST_CSR without clearing COUNTFLAG, SYST_RVR, SYST_CVR.
    public uint PeekCtrl => _ctrl;
    public uint Load => _load;
    public uint Value => CurrentValue();

    private bool Running => (_ctrl & CTRL_ENABLE) != 0;
    private uint CyclesPerTick => (_ctrl & CTRL_CLKSOURCE) != 0 ? 1u : 8u;

    public void Reset()
    {
        _ctrl = 0;
        _load = 0;
        _refValue = 0;
        _event = -1;
    }

    public uint Read(uint offset) => offset switch
    {
        0x0 => ReadCtrl(),
        0x4 => _load,
        0x8 => CurrentValue(),
        0xC => Calib,
        _ => throw new ArgumentOutOfRangeException(nameof(offset)),
    };

    public void Write(uint offset, uint value)
    {
        switch (offset)
        {
            case 0x0:
                var current = CurrentValue();
                _ctrl = (_ctrl & CTRL_COUNTFLAG) | (value & (CTRL_ENABLE | CTRL_TICKINT | CTRL_CLKSOURCE));
                _refValue = current;
                _refCycle = _clock.Cycles;
                Reschedule();
                break;
            case 0x4:
                _load = value & CounterMask;
                break;
            case 0x8:
                // Any write clears the counter and COUNTFLAG; the next tick reloads from LOAD.
                _ctrl &= ~CTRL_COUNTFLAG;
                _refValue = 0;
                _refCycle = _clock.Cycles;
                Reschedule();
                break;
            case 0xC:
                break; // STK_CALIB is read-only; writes are ignored as on silicon.
            default:
                throw new ArgumentOutOfRangeException(nameof(offset));
        }
    }

    private uint ReadCtrl()
    {
        var value = _ctrl;
        _ctrl &= ~CTRL_COUNTFLAG; // COUNTFLAG clears on read
        return value;
    }

    /// The counter now: counts down from _refValue one per tick; after reaching 0 the next tick reloads LOAD.
    private uint CurrentValue()
    {
        if (!Running) return _refValue;
        var ticks = (_clock.Cycles - _refCycle) / CyclesPerTick;
        if (ticks <= _refValue) return (uint)(_refValue - ticks);
        if (_load == 0) return 0;
        var sinceZero = ticks - _refValue - 1;
        return (uint)(_load - sinceZero % ((ulong)_load + 1));
    }

    /// The next 1 -> 0 transition raises COUNTFLAG and (TICKINT) the SysTick exception.
    private void Reschedule()
    {
        if (_event >= 0) _clock.Cancel(_event);
        _event = -1;
        if (!Running) return;
        // Re-anchor on the present so a frequency change applies from now on.
        _refValue = CurrentValue();
        _refCycle = _clock.Cycles;
        ulong ticksToZero;
        if (_refValue != 0) ticksToZero = _refValue;
        else if (_load != 0) ticksToZero = (ulong)_load + 1;
        else return; // LOAD = 0: the counter stays at 0 and never signals (B3.3.1)
        var atCycle = _refCycle + ticksToZero * CyclesPerTick;
        _event = _clock.Schedule(_clock.PsAtCycle(atCycle), () => ReachedZero(atCycle));
    }

    private void ReachedZero(ulong atCycle)
    {
        _event = -1;
        _ctrl |= CTRL_COUNTFLAG;
        if ((_ctrl & CTRL_TICKINT) != 0) _exceptions.SetPending(ExceptionState.SysTick, true);
        _refValue = 0;
        _refCycle = atCycle;
        var nextCycle = atCycle + ((ulong)_load + 1) * CyclesPerTick;
        if (_load != 0) _event = _clock.Schedule(_clock.PsAtCycle(nextCycle), () => ReachedZero(nextCycle));
    }
}
