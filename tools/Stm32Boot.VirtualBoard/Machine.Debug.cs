// What a debugger attached to the core's debug port sees and does (Stm32Boot.VirtualBoard.Gdb serves it to GDB):
// the core registers, memory through the bus, single instruction steps. Breakpoints are Machine.AddBreakpoint's
// emulator breakpoints: nothing is written into flash.
using System.Buffers.Binary;
using Stm32Boot.VirtualBoard.Unicorn;

namespace Stm32Boot.VirtualBoard;

/// The registers a debugger reads and writes through DCRSR/DCRDR (ARMv7-M ARM C1.6.3, Table C1-11): the core
/// registers, the special-purpose ones, and the FPU's FPSCR (the D registers: Machine.ReadFpuDouble).
public enum CoreRegister
{
    R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, R11, R12, Sp, Lr, Pc, Xpsr, Msp, Psp, Primask, Basepri, Faultmask, Control, Fpscr,
}

public sealed unsafe partial class Machine
{
    private bool _stepping;
    private bool _stepStarted;

    public uint ReadRegister(CoreRegister register)
    {
        var uc = _engine ?? throw new InvalidOperationException("The board is not powered on.");
        var value = uc.Read(ToArmReg(register));
        return register switch
        {
            // Thumb state has no PC bit 0 (B1.4.7); Unicorn 2.0.1 hands the Thumb bit back with the PC once a run
            // stopped in a hook, a debugger must not see it.
            CoreRegister.Pc => value & ~1u,
            CoreRegister.Primask or CoreRegister.Faultmask => value & 1,
            CoreRegister.Basepri => value & 0xFF,
            _ => value,
        };
    }

    public void WriteRegister(CoreRegister register, uint value)
    {
        var uc = _engine ?? throw new InvalidOperationException("The board is not powered on.");
        switch (register)
        {
            // The core only runs Thumb code (B1.4.7: EPSR.T = 0 faults at the next instruction); a debugger's PC
            // is an instruction address, Unicorn's run start needs the Thumb bit.
            case CoreRegister.Pc: uc.Write(ArmReg.Pc, value | 1); break;
            case CoreRegister.Xpsr: uc.Write(ArmReg.Xpsr, value | 1u << 24); break;
            default: uc.Write(ToArmReg(register), value); break;
        }
        _poll.Forget();
    }

    /// D0-D15 of the FPv4-SP unit (the S registers in pairs, ARMv7-M ARM A2.5.2).
    public ulong ReadFpuDouble(int n)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)n, 15u, nameof(n));
        var uc = _engine ?? throw new InvalidOperationException("The board is not powered on.");
        return uc.Read64(ArmReg.D0 + n);
    }

    public void WriteFpuDouble(int n, ulong value)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)n, 15u, nameof(n));
        var uc = _engine ?? throw new InvalidOperationException("The board is not powered on.");
        uc.Write64(ArmReg.D0 + n, value);
        _poll.Forget();
    }

    private static ArmReg ToArmReg(CoreRegister register) => register switch
    {
        <= CoreRegister.R12 => ArmReg.R0 + (int)register,
        CoreRegister.Sp => ArmReg.Sp,
        CoreRegister.Lr => ArmReg.Lr,
        CoreRegister.Pc => ArmReg.Pc,
        CoreRegister.Xpsr => ArmReg.Xpsr,
        CoreRegister.Msp => ArmReg.Msp,
        CoreRegister.Psp => ArmReg.Psp,
        CoreRegister.Primask => ArmReg.Primask,
        CoreRegister.Basepri => ArmReg.Basepri,
        CoreRegister.Faultmask => ArmReg.Faultmask,
        CoreRegister.Control => ArmReg.Control,
        CoreRegister.Fpscr => ArmReg.Fpscr,
        _ => throw new ArgumentOutOfRangeException(nameof(register)),
    };

    /// Reads memory as the debug port's AHB access port does: flash, SRAM, the OTP area and the registers of the
    /// modelled peripherals and of the private peripheral bus (SCB, NVIC, SysTick), with their read side effects, as
    /// on silicon. Peripheral registers are read with the widest aligned access the range allows. Anything else is
    /// a bus error (ArgumentOutOfRangeException), as an unmapped address answers the debugger on silicon.
    public byte[] DebugRead(uint address, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (TryHostMemory(address, (uint)length, out var span)) return span.ToArray();
        var bytes = new byte[length];
        var offset = 0;
        while (offset < length)
        {
            var at = address + (uint)offset;
            var size = AccessSize(at, length - offset);
            uint value;
            if (TryHostMemory(at, (uint)size, out var memory)) value = size == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(memory) : size == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(memory) : memory[0];
            else if (at - OtpBase < OtpSize) value = (uint)OnOtpRead(at, size);
            else value = ReadPeripheral(at, size);
            for (var i = 0; i < size; i++) bytes[offset + i] = (byte)(value >> (8 * i));
            offset += size;
        }
        return bytes;
    }

    /// Writes memory as the debug port does: SRAM directly, peripheral registers through their models (with their
    /// side effects). Flash is written as a programmer writes it (LoadFlash: the bytes land, the flash controller
    /// sees no operation), which is what GDB's `load` and `set var` in flash need; the OTP area and option bytes are
    /// not written this way.
    public void DebugWriteMemory(uint address, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        if (InRegion(address, (uint)bytes.Length, FlashBase, FlashSize) || InRegion(address, (uint)bytes.Length, 0, FlashSize))
        {
            LoadFlash(address >= FlashBase ? address : FlashBase + address, bytes);
            return;
        }
        if (IsRam(address, (uint)bytes.Length) && TryHostMemory(address, (uint)bytes.Length, out var ram))
        {
            bytes.CopyTo(ram);
            InvalidateCode(address, (uint)bytes.Length); // code may run from SRAM
            return;
        }
        var offset = 0;
        while (offset < bytes.Length)
        {
            var at = address + (uint)offset;
            var size = AccessSize(at, bytes.Length - offset);
            if (!_bus.TryFind(at, out var peripheral) || at - peripheral.Base > peripheral.Size - (uint)size)
                throw new ArgumentOutOfRangeException(nameof(address), $"0x{at:X8} is neither flash, SRAM nor a modelled register: the debug port cannot write it.");
            uint value = 0;
            for (var i = 0; i < size; i++) value |= (uint)bytes[offset + i] << (8 * i);
            var faultBefore = _pendingFault;
            peripheral.Write(at - peripheral.Base, size, value);
            if (_pendingFault is { } fault && !ReferenceEquals(fault, faultBefore))
            {
                _pendingFault = faultBefore;
                throw new ArgumentException($"writing 0x{at:X8}: {fault}", nameof(address));
            }
            offset += size;
        }
        RequestStop();
    }

    private static int AccessSize(uint address, int left) =>
        (address & 3) == 0 && left >= 4 ? 4 : (address & 1) == 0 && left >= 2 ? 2 : 1;

    private uint ReadPeripheral(uint address, int size)
    {
        if (!_bus.TryFind(address, out var peripheral) || address - peripheral.Base > peripheral.Size - (uint)size)
            throw new ArgumentOutOfRangeException(nameof(address), $"0x{address:X8} is neither memory nor a modelled peripheral register.");
        var faultBefore = _pendingFault;
        var value = peripheral.Read(address - peripheral.Base, size);
        if (_pendingFault is { } fault && !ReferenceEquals(fault, faultBefore))
        {
            // The debugger asked, not the firmware: its read fails instead of the next run.
            _pendingFault = faultBefore;
            throw new ArgumentOutOfRangeException(nameof(address), $"reading 0x{address:X8}: {fault}");
        }
        return value;
    }

    /// Executes one instruction, as a halted Cortex-M4 does on DHCSR.C_STEP with C_MASKINTS = 1 (ARMv7-M ARM C1.6.2):
    /// no exception is taken on the way (OpenOCD's `cortex_m maskisr auto` steps like this, so a step does not land
    /// in whatever interrupt is pending), virtual time advances by that instruction. A core asleep in WFI wakes only
    /// by an exception: then exceptions are taken and the step ends after the first instruction of the handler.
    /// Returns false when virtual time untilPs came first (a sleeping core with nothing to wake it). A breakpoint at
    /// the current PC does not stop the step; one at the next instruction is reported like the step's end.
    /// An IT block counts as one instruction (Unicorn stops only after it).
    public bool Step(ulong untilPs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var engine = _engine ?? throw new InvalidOperationException("The board is not powered on: call PowerOn first.");
        var hook = engine.AddHook(UcNative.UC_HOOK_CODE, (delegate* unmanaged<IntPtr, ulong, uint, void*, void>)&NativeHooks.OnStep, _state);
        // Unicorn puts the hook calls into a block when it translates it: the block at the PC is translated again,
        // so the hook sees its first instruction (and the next, when it is in the same block; a next block is
        // stopped at its start, OnStepInstruction). A sleeping core may wake in any handler: all code is.
        if (_sleeping) engine.FlushTranslations();
        else InvalidateCode(engine.Read(ArmReg.Pc) & ~1u, 4);
        _stepping = true;
        _stepStarted = false;
        try
        {
            var result = RunUntil(untilPs, () => _stepStarted);
            if (_breakpointHit is { } breakpoint)
            {
                // The step ended on a breakpoint: the next resume executes it rather than stopping there again.
                _breakpointHit = null;
                _reportedBreakpoint = breakpoint;
            }
            return result.Reason == StopReason.Condition;
        }
        finally
        {
            _stepping = false;
            // A reset during the step made a new engine, without the hook. Blocks translated during the step keep
            // their calls into Unicorn's hook list, which no longer holds the step's hook.
            if (ReferenceEquals(engine, _engine)) engine.DeleteHook(hook);
        }
    }

    /// Called before every instruction while Step runs: the first one runs, the engine stops before the second.
    internal bool OnStepInstruction(uint address)
    {
        if (!_stepStarted)
        {
            _stepStarted = true;
            // Should the instruction end its block, the block hook stops before the next one.
            _state->StopRequested = 1;
            return false;
        }
        StopBeforeInstruction(address);
        return true;
    }
}
