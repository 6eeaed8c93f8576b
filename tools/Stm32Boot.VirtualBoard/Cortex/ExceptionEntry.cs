// Exception entry and return done by the host: Unicorn 2.0.1 has no NVIC, so the core stacks and unstacks the
// frame itself (ARMv7-M B1.5.6-B1.5.8), in the register order measured on Unicorn 2.0.1 (Debian libunicorn2).
using System.Buffers.Binary;
using Stm32Boot.VirtualBoard.Unicorn;

namespace Stm32Boot.VirtualBoard.Cortex;

internal sealed class ExceptionEntry
{
    private const uint CONTROL_NPRIV = 1, CONTROL_SPSEL = 2, CONTROL_FPCA = 4;
    private const uint XPSR_STACK_ALIGN = 1u << 9, EPSR_T = 1u << 24;
    private const uint BasicFrame = 0x20, ExtendedFrame = 0x68;

    private readonly ExceptionState _exceptions;
    private readonly Func<uint> _vtor;
    private readonly Func<uint, uint, bool> _isRam;

    public ExceptionEntry(ExceptionState exceptions, Func<uint> vtor, Func<uint, uint, bool> isRam)
    {
        _exceptions = exceptions;
        _vtor = vtor;
        _isRam = isRam;
    }

    /// The exception being handled (IPSR), 0 in Thread mode.
    public int Current { get; private set; }

    public void Reset() => Current = 0;

    public void Enter(UnicornEngine uc, int n)
    {
        var control = uc.Read(ArmReg.Control);
        var handlerMode = Current != 0;
        if (!handlerMode && (control & CONTROL_NPRIV) != 0)
            throw new CoreFault($"exception {ExceptionName(n)} in unprivileged Thread mode (CONTROL.nPRIV=1): the virtual board " +
                "only models privileged Thread mode, because Unicorn ignores the host's stack-pointer writes there");
        var usePsp = !handlerMode && (control & CONTROL_SPSEL) != 0;
        var extended = (control & CONTROL_FPCA) != 0;
        var sp = uc.Read(usePsp ? ArmReg.Psp : ArmReg.Msp);
        var xpsr = uc.Read(ArmReg.Xpsr);
        var size = extended ? ExtendedFrame : BasicFrame;
        var frame = sp - size;
        if ((frame & 4) != 0) { frame -= 4; xpsr |= XPSR_STACK_ALIGN; } // CCR.STKALIGN: 8-byte aligned frame
        else xpsr &= ~XPSR_STACK_ALIGN;
        if (!_isRam(frame, size))
            throw new CoreFault($"exception {ExceptionName(n)}: the stack frame at 0x{frame:X8} ({(usePsp ? "PSP" : "MSP")}=0x{sp:X8}) " +
                "is outside SRAM1/SRAM2 (stack overflow or bad stack pointer)");

        Span<byte> bytes = stackalloc byte[(int)size];
        var regs = new[] { ArmReg.R0, ArmReg.R1, ArmReg.R2, ArmReg.R3, ArmReg.R12, ArmReg.Lr };
        for (var i = 0; i < regs.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes[(4 * i)..], uc.Read(regs[i]));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[24..], uc.Read(ArmReg.Pc));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[28..], xpsr);
        if (extended)
        {
            for (var i = 0; i < 16; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes[(32 + 4 * i)..], uc.Read(ArmReg.S0 + i));
            BinaryPrimitives.WriteUInt32LittleEndian(bytes[96..], uc.Read(ArmReg.Fpscr));
        }
        uc.WriteMemory(frame, bytes);

        var vtor = _vtor();
        var vectorAddress = vtor + 4u * (uint)n;
        if (!_isRam(vectorAddress, 4) && !IsFlash(vectorAddress))
            throw new CoreFault($"exception {ExceptionName(n)}: its vector at 0x{vectorAddress:X8} (VTOR=0x{vtor:X8}) is neither flash nor SRAM");
        var vector = uc.ReadWord(vectorAddress);
        if ((vector & 1) == 0)
            throw new CoreFault($"exception {ExceptionName(n)}: vector at 0x{vectorAddress:X8} holds 0x{vector:X8}, not a Thumb address " +
                "(bit 0 clear: INVSTATE UsageFault on silicon; an erased or missing vector table?)");

        // Order matters (measured): CONTROL before IPSR, SPSEL is ignored in Handler mode.
        uc.Write(ArmReg.Control, control & ~(CONTROL_SPSEL | CONTROL_FPCA));
        uc.Write(usePsp ? ArmReg.Psp : ArmReg.Msp, frame);
        uc.Write(ArmReg.Ipsr, (uint)n);
        uc.Write(ArmReg.Epsr, EPSR_T);
        uc.Write(ArmReg.ApsrNzcv, uc.Read(ArmReg.ApsrNzcv)); // 2.0.1 caches the mode; this re-write refreshes it
        var excReturn = handlerMode ? 0xFFFF_FFF1u : usePsp ? 0xFFFF_FFFDu : 0xFFFF_FFF9u;
        if (extended) excReturn &= ~0x10u;
        uc.Write(ArmReg.Lr, excReturn);
        uc.Write(ArmReg.Pc, vector);
        _exceptions.Activate(n);
        Current = n;
    }

    /// Returns from the current exception; reports whether the core is back in Thread mode.
    public bool Return(UnicornEngine uc, uint excReturn)
    {
        if (Current == 0)
            throw new CoreFault($"branch to EXC_RETURN value 0x{excReturn:X8} in Thread mode (INVPC UsageFault on silicon)");
        var kind = excReturn & 0xF;
        if ((excReturn & 0xFFFF_FFE0) != 0xFFFF_FFE0 || kind is not (0x1 or 0x9 or 0xD))
            throw new CoreFault($"return from {ExceptionName(Current)} with an illegal EXC_RETURN 0x{excReturn:X8}");
        var toThread = kind != 0x1;
        var usePsp = kind == 0xD;
        var extended = (excReturn & 0x10) == 0;
        var returning = Current;
        if (!toThread && _exceptions.ActiveCount() <= 1)
            throw new CoreFault($"return from {ExceptionName(returning)} to Handler mode (EXC_RETURN 0x{excReturn:X8}) with no other active exception");

        var sp = uc.Read(usePsp ? ArmReg.Psp : ArmReg.Msp);
        var size = extended ? ExtendedFrame : BasicFrame;
        if (!_isRam(sp, size))
            throw new CoreFault($"return from {ExceptionName(returning)}: the stack frame at 0x{sp:X8} is outside SRAM1/SRAM2");
        Span<byte> bytes = stackalloc byte[(int)size];
        uc.ReadMemory(sp, bytes);
        var regs = new[] { ArmReg.R0, ArmReg.R1, ArmReg.R2, ArmReg.R3, ArmReg.R12, ArmReg.Lr };
        for (var i = 0; i < regs.Length; i++) uc.Write(regs[i], BinaryPrimitives.ReadUInt32LittleEndian(bytes[(4 * i)..]));
        var pc = BinaryPrimitives.ReadUInt32LittleEndian(bytes[24..]);
        var xpsr = BinaryPrimitives.ReadUInt32LittleEndian(bytes[28..]);
        if (extended)
        {
            for (var i = 0; i < 16; i++) uc.Write(ArmReg.S0 + i, BinaryPrimitives.ReadUInt32LittleEndian(bytes[(32 + 4 * i)..]));
            uc.Write(ArmReg.Fpscr, BinaryPrimitives.ReadUInt32LittleEndian(bytes[96..]));
        }
        var newSp = sp + size + ((xpsr & XPSR_STACK_ALIGN) != 0 ? 4u : 0u);
        uc.Write(usePsp ? ArmReg.Psp : ArmReg.Msp, newSp);

        var ipsr = toThread ? 0u : xpsr & 0x1FF;
        _exceptions.Deactivate(returning);
        uc.Write(ArmReg.Ipsr, ipsr);
        uc.Write(ArmReg.Epsr, (xpsr & 0x0600_FC00) | EPSR_T); // ICI/IT bits and T
        // The APSR view: 2.0.1's XPSR_NZCVQG writes IPSR too, which would drop a return to Handler mode back to 0.
        uc.Write(ArmReg.ApsrNzcvqg, xpsr & 0xF80F_0000);
        var control = uc.Read(ArmReg.Control) & ~(CONTROL_SPSEL | CONTROL_FPCA);
        if (usePsp) control |= CONTROL_SPSEL;
        if (extended) control |= CONTROL_FPCA;
        uc.Write(ArmReg.Control, control);
        uc.Write(ArmReg.ApsrNzcv, uc.Read(ArmReg.ApsrNzcv));
        uc.Write(ArmReg.Pc, pc | 1);
        Current = (int)ipsr;
        return toThread;
    }

    private static bool IsFlash(uint address) => address < 0x0010_0000 || address - 0x0800_0000 < 0x0010_0000;

    public static string ExceptionName(int n) => n switch
    {
        1 => "Reset",
        ExceptionState.NMI => "NMI",
        ExceptionState.HardFault => "HardFault",
        ExceptionState.MemManage => "MemManage",
        ExceptionState.BusFault => "BusFault",
        ExceptionState.UsageFault => "UsageFault",
        ExceptionState.SVCall => "SVCall",
        ExceptionState.DebugMonitor => "DebugMonitor",
        ExceptionState.PendSV => "PendSV",
        ExceptionState.SysTick => "SysTick",
        >= ExceptionState.FirstIrq => $"IRQ{n - ExceptionState.FirstIrq}",
        _ => $"exception {n}",
    };
}
