// System control block (ARMv7-M B3.2, PM0214 §4.4) plus CPACR and the FPU context registers. Fault status
// registers always read 0: the virtual board stops at the first fault instead of running the firmware's handler.
namespace Stm32Boot.VirtualBoard.Cortex;

internal sealed class Scb
{
    /// Cortex-M4 r0p1 (PM0214 §4.4.1): implementer ARM, variant 0, part C24, revision 1.
    public const uint CpuId = 0x410F_C241;
    private const uint VectKey = 0x05FA, VectKeyStat = 0xFA05;
    private const uint AIRCR_SYSRESETREQ = 1u << 2, AIRCR_VECTCLRACTIVE = 1u << 1, AIRCR_VECTRESET = 1u << 0;
    public const uint SCR_SLEEPONEXIT = 1u << 1, SCR_SLEEPDEEP = 1u << 2, SCR_SEVONPEND = 1u << 4;
    private const uint CCR_NONBASETHRDENA = 1u << 0, CCR_USERSETMPEND = 1u << 1, CCR_UNALIGN_TRP = 1u << 3,
        CCR_DIV_0_TRP = 1u << 4, CCR_BFHFNMIGN = 1u << 8, CCR_STKALIGN = 1u << 9;
    private const uint ICSR_NMIPENDSET = 1u << 31, ICSR_PENDSVSET = 1u << 28, ICSR_PENDSVCLR = 1u << 27,
        ICSR_PENDSTSET = 1u << 26, ICSR_PENDSTCLR = 1u << 25, ICSR_ISRPENDING = 1u << 22, ICSR_RETTOBASE = 1u << 11;
    /// PM0214 §4.4.4: TBLOFF is bits [29:9].
    private const uint VtorMask = 0x3FFF_FE00;

    private readonly ExceptionState _exceptions;
    private readonly Func<int> _currentException;
    private readonly Action<string> _requestSystemReset;
    private readonly Action<string> _fault;

    public Scb(ExceptionState exceptions, Func<int> currentException, Action<string> requestSystemReset, Action<string> fault)
    {
        _exceptions = exceptions;
        _currentException = currentException;
        _requestSystemReset = requestSystemReset;
        _fault = fault;
    }

    public uint Vtor { get; private set; }
    public uint Scr { get; private set; }
    public uint Ccr { get; private set; }
    public uint Cpacr { get; private set; }
    private uint _fpccr, _fpcar, _fpdscr;

    public void Reset()
    {
        Vtor = 0;
        Scr = 0;
        Ccr = CCR_STKALIGN;
        Cpacr = 0;
        _fpccr = 0xC000_0000; // ASPEN | LSPEN (PM0214 §4.6.2)
        _fpcar = 0;
        _fpdscr = 0;
    }

    /// offset relative to 0xE000ED00; word registers only (SHPR is handled byte-wise by ReadShpr/WriteShpr).
    public uint ReadWord(uint offset) => offset switch
    {
        0x00 => CpuId,
        0x04 => ReadIcsr(),
        0x08 => Vtor,
        0x0C => (VectKeyStat << 16) | ((uint)_exceptions.PriGroup << 8),
        0x10 => Scr,
        0x14 => Ccr,
        0x24 => ReadShcsr(),
        0x28 or 0x2C or 0x30 or 0x34 or 0x38 or 0x3C => 0, // CFSR, HFSR, DFSR, MMFAR, BFAR, AFSR
        0x88 => Cpacr,
        _ => throw new ArgumentOutOfRangeException(nameof(offset)),
    };

    public void WriteWord(uint offset, uint value)
    {
        switch (offset)
        {
            case 0x00: break; // CPUID is read-only
            case 0x04: WriteIcsr(value); break;
            case 0x08: Vtor = value & VtorMask; break;
            case 0x0C: WriteAircr(value); break;
            case 0x10: Scr = value & (SCR_SLEEPONEXIT | SCR_SLEEPDEEP | SCR_SEVONPEND); break;
            case 0x14: WriteCcr(value); break;
            case 0x24: WriteShcsr(value); break;
            case 0x28 or 0x2C or 0x30 or 0x34 or 0x38 or 0x3C: break; // status registers: write 1 to clear, all 0 here
            case 0x88: Cpacr = value & (0xFu << 20); break; // CP10/CP11; Unicorn's FPU is always on
            default: throw new ArgumentOutOfRangeException(nameof(offset));
        }
    }

    /// SHPR1-3 bytes: system handler priorities for exceptions 4..15 (offset 0xD18 + n - 4).
    public byte ReadShpr(int exception) => IsConfigurableSystemHandler(exception) ? _exceptions.Priority(exception) : (byte)0;

    public void WriteShpr(int exception, byte value)
    {
        if (IsConfigurableSystemHandler(exception)) _exceptions.SetPriority(exception, value);
    }

    public uint ReadFpu(uint offset) => offset switch { 0x34 => _fpccr, 0x38 => _fpcar, 0x3C => _fpdscr, _ => throw new ArgumentOutOfRangeException(nameof(offset)) };

    /// FPCCR/FPCAR/FPDSCR at 0xE000EF34..3C (offset relative to 0xE000EF00). The core always stacks the full FP
    /// frame when FPCA is set, which is what lazy stacking looks like to software.
    public void WriteFpu(uint offset, uint value)
    {
        switch (offset)
        {
            case 0x34: _fpccr = (_fpccr & 0x1FF) | (value & 0xC000_0000); break; // ASPEN/LSPEN; the rest is status
            case 0x38: _fpcar = value & ~7u; break;
            case 0x3C: _fpdscr = value & 0x07C0_0000; break; // AHP, DN, FZ, RMode
            default: throw new ArgumentOutOfRangeException(nameof(offset));
        }
    }

    private static bool IsConfigurableSystemHandler(int n) =>
        n is ExceptionState.MemManage or ExceptionState.BusFault or ExceptionState.UsageFault or ExceptionState.SVCall
            or ExceptionState.DebugMonitor or ExceptionState.PendSV or ExceptionState.SysTick;

    private uint ReadIcsr()
    {
        var active = (uint)_currentException();
        var pending = (uint)_exceptions.HighestPending();
        var value = (active & 0x1FF) | ((pending & 0x1FF) << 12);
        if (_exceptions.AnyIrqPending()) value |= ICSR_ISRPENDING;
        if (_exceptions.ActiveCount() <= 1) value |= ICSR_RETTOBASE;
        if (_exceptions.IsPending(ExceptionState.PendSV)) value |= ICSR_PENDSVSET;
        if (_exceptions.IsPending(ExceptionState.SysTick)) value |= ICSR_PENDSTSET;
        if (_exceptions.IsPending(ExceptionState.NMI)) value |= ICSR_NMIPENDSET;
        return value;
    }

    private void WriteIcsr(uint value)
    {
        if ((value & ICSR_PENDSVSET) != 0 && (value & ICSR_PENDSVCLR) != 0 || (value & ICSR_PENDSTSET) != 0 && (value & ICSR_PENDSTCLR) != 0)
        {
            _fault($"SCB_ICSR write 0x{value:X8} sets both a SET and a CLR bit of the same exception (UNPREDICTABLE, PM0214 §4.4.3)");
            return;
        }
        if ((value & ICSR_NMIPENDSET) != 0) _exceptions.SetPending(ExceptionState.NMI, true);
        if ((value & ICSR_PENDSVSET) != 0) _exceptions.SetPending(ExceptionState.PendSV, true);
        if ((value & ICSR_PENDSVCLR) != 0) _exceptions.SetPending(ExceptionState.PendSV, false);
        if ((value & ICSR_PENDSTSET) != 0) _exceptions.SetPending(ExceptionState.SysTick, true);
        if ((value & ICSR_PENDSTCLR) != 0) _exceptions.SetPending(ExceptionState.SysTick, false);
    }

    private void WriteAircr(uint value)
    {
        if (value >> 16 != VectKey) return; // without VECTKEY the write is ignored (B3.2.6)
        if ((value & (AIRCR_VECTCLRACTIVE | AIRCR_VECTRESET)) != 0)
        {
            _fault($"SCB_AIRCR write 0x{value:X8} sets VECTRESET/VECTCLRACTIVE, which are for a debugger only (UNPREDICTABLE from software)");
            return;
        }
        _exceptions.PriGroup = (int)((value >> 8) & 7);
        if ((value & AIRCR_SYSRESETREQ) != 0) _requestSystemReset(Machine.SoftwareResetReason);
    }

    private void WriteCcr(uint value)
    {
        // Unicorn cannot trap these, so pretending they are set would hide the faults the firmware asked for.
        var unsupported = value & (CCR_UNALIGN_TRP | CCR_DIV_0_TRP | CCR_BFHFNMIGN);
        if (unsupported != 0)
        {
            _fault($"SCB_CCR write 0x{value:X8}: UNALIGN_TRP/DIV_0_TRP/BFHFNMIGN are not modelled by the virtual board");
            return;
        }
        Ccr = (value & (CCR_NONBASETHRDENA | CCR_USERSETMPEND)) | CCR_STKALIGN;
    }

    private uint ReadShcsr()
    {
        uint value = 0;
        void Bit(bool on, int bit) { if (on) value |= 1u << bit; }
        Bit(_exceptions.IsActive(ExceptionState.MemManage), 0);
        Bit(_exceptions.IsActive(ExceptionState.BusFault), 1);
        Bit(_exceptions.IsActive(ExceptionState.UsageFault), 3);
        Bit(_exceptions.IsActive(ExceptionState.SVCall), 7);
        Bit(_exceptions.IsActive(ExceptionState.DebugMonitor), 8);
        Bit(_exceptions.IsActive(ExceptionState.PendSV), 10);
        Bit(_exceptions.IsActive(ExceptionState.SysTick), 11);
        Bit(_exceptions.IsPending(ExceptionState.UsageFault), 12);
        Bit(_exceptions.IsPending(ExceptionState.MemManage), 13);
        Bit(_exceptions.IsPending(ExceptionState.BusFault), 14);
        Bit(_exceptions.IsPending(ExceptionState.SVCall), 15);
        Bit(_exceptions.IsEnabled(ExceptionState.MemManage), 16);
        Bit(_exceptions.IsEnabled(ExceptionState.BusFault), 17);
        Bit(_exceptions.IsEnabled(ExceptionState.UsageFault), 18);
        return value;
    }

    private void WriteShcsr(uint value)
    {
        // Active bits are writable only for context-switch code; changing them here would corrupt the core's
        // exception bookkeeping, so only the enables and pending bits are honoured.
        if ((value & 0x0D8Bu) != (ReadShcsr() & 0x0D8Bu))
        {
            _fault($"SCB_SHCSR write 0x{value:X8} changes exception active bits, which the virtual board does not model");
            return;
        }
        _exceptions.SetPending(ExceptionState.UsageFault, (value & (1u << 12)) != 0);
        _exceptions.SetPending(ExceptionState.MemManage, (value & (1u << 13)) != 0);
        _exceptions.SetPending(ExceptionState.BusFault, (value & (1u << 14)) != 0);
        _exceptions.SetPending(ExceptionState.SVCall, (value & (1u << 15)) != 0);
        _exceptions.SetEnabled(ExceptionState.MemManage, (value & (1u << 16)) != 0);
        _exceptions.SetEnabled(ExceptionState.BusFault, (value & (1u << 17)) != 0);
        _exceptions.SetEnabled(ExceptionState.UsageFault, (value & (1u << 18)) != 0);
    }
}
