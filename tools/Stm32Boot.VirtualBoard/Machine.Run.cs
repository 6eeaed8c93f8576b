// The run loop: executes the firmware in slices between events, takes exceptions, sleeps on WFI, skips polling
// loops, and turns everything the silicon would fault on into a BoardFaultException.
using Stm32Boot.VirtualBoard.Cortex;
using Stm32Boot.VirtualBoard.Unicorn;

namespace Stm32Boot.VirtualBoard;

public sealed unsafe partial class Machine
{
    private static readonly ArmReg[] s_pollRegisters =
        [.. Enumerable.Range(0, 13).Select(i => ArmReg.R0 + i), ArmReg.Sp, ArmReg.Lr, ArmReg.Xpsr, .. Enumerable.Range(0, 32).Select(i => ArmReg.S0 + i), ArmReg.Fpscr];

    private readonly List<(uint Offset, byte[] Bytes)> _pendingRestores = new();
    private readonly List<(uint Address, uint Length)> _pendingInvalidations = new();
    private bool _inEngine;
    private string? _pendingFault;
    private string? _pendingReset;
    private string? _pendingPowerCut;
    private (ulong AtPs, string Reason)? _powerCutAt;
    private BoardFaultException? _faulted;
    private bool _sleeping;
    private bool _fastForward;
    /// The last run ended inside a polling loop proven to spin until the next event (PollDetector), nothing having
    /// happened since: like a sleeping core, the board does nothing a host could see before that event.
    private bool _spinning;
    private uint? _interrupt;
    private (UcMemType Type, uint Address, int Size, uint Value)? _unmapped;
    private uint? _breakpointHit;
    /// The breakpoint the last run stopped at: resuming there must execute it rather than stop again.
    private uint? _reportedBreakpoint;
    private uint? _skipBreakpoint;
    private uint _resetVector;
    /// The peripheral or flash address the CPU is accessing right now (inside a bus callback).
    private uint? _accessAddress;

    /// The core is in WFI sleep (it wakes on an interrupt or event).
    public bool Sleeping => _sleeping;

    /// Times the run loop entered the CPU emulator (one per slice of executed instructions).
    public long EngineEntries { get; private set; }

    /// While the board waits (the core sleeps in WFI with no wake-up pending, or spins in a polling loop PollDetector
    /// proved to wait for the next event, or the power is off): the virtual time of the next thing that can happen on
    /// it by itself, the next scheduled event (a SysTick expiry, a byte on the wire, a flash operation's end, a
    /// scheduled power cut); ulong.MaxValue when nothing is scheduled. Null while the core executes. Until then only
    /// the host can change anything (a host byte, a key, a debugger's write), so a host that paces the board by the
    /// wall clock can sleep until the wall clock reaches this time or it acts itself. Valid between two runs, until
    /// the host changes the board.
    public ulong? IdleUntilPs
    {
        get
        {
            if (_engine is null && !_poweredOff) return null;
            if (_faulted is not null || _pendingFault is not null || _pendingReset is not null || _pendingPowerCut is not null || _breakpointHit is not null)
                return null;
            // B1.5.19: WFI sleeps until an exception would preempt if PRIMASK were clear (WakeUpPending); an
            // exception already pending that would wake it means the core executes at once.
            if (!_poweredOff && !(_sleeping && !WakeUpPending()) && !(_spinning && !ExceptionTakeable())) return null;
            var next = _clock.NextEventPs ?? ulong.MaxValue;
            if (_powerCutAt is { } cut) next = Math.Min(next, cut.AtPs);
            return Math.Max(next, _clock.NowPs);
        }
    }

    /// Runs for a span of virtual time, or until the condition (checked whenever the run loop has control:
    /// after every event, exception and slice) holds.
    public RunResult RunFor(ulong durationPs, Func<bool>? until = null) => RunUntil(_clock.NowPs + durationPs, until);

    /// Runs until virtual time atPs, a breakpoint, or the condition.
    public RunResult RunUntil(ulong atPs, Func<bool>? until = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_poweredOff) return PassTimeOff(atPs);
        if (_engine is null) throw new InvalidOperationException("The board is not powered on: call PowerOn first.");
        if (_faulted is not null) throw new BoardFaultException($"the board stopped on an earlier fault: {_faulted.Fault}", _faulted.Cpu, _faulted.AtPs);
        // Whatever the host changed since the last run (a byte, a pin, a debugger's write) the polling loop has not
        // looked at yet: it is not proven to wait any more.
        _spinning = false;
        try
        {
            return Loop(atPs, until);
        }
        catch (CoreFault fault)
        {
            throw Faulted(fault.Message);
        }
        finally
        {
            _clock.LimitPs = ulong.MaxValue;
        }
    }

    private RunResult Loop(ulong atPs, Func<bool>? until)
    {
        while (true)
        {
            if (_clock.RunDue() > 0)
            {
                _poll.Forget();
                _spinning = false;
            }
            if (_pendingFault is { } fault) throw Faulted(fault);
            if (_powerCutAt is { } cut && _clock.NowPs >= cut.AtPs)
            {
                _powerCutAt = null;
                _pendingPowerCut ??= cut.Reason;
            }
            if (_pendingPowerCut is { } powerCut)
            {
                Trace?.Invoke($"{Stamp()} power cut: {powerCut}");
                PerformReset(ResetKind.PowerOn, $"power cut ({powerCut})");
                continue;
            }
            if (_pendingReset is { } reset)
            {
                PerformReset(ResetKind.System, reset);
                continue;
            }
            if (until?.Invoke() == true) return new RunResult(StopReason.Condition, _clock.NowPs);
            if (_breakpointHit is { } breakpoint)
            {
                _breakpointHit = null;
                _reportedBreakpoint = breakpoint;
                return new RunResult(StopReason.Breakpoint, _clock.NowPs, breakpoint);
            }
            if (_clock.NowPs >= atPs) return new RunResult(StopReason.TimeLimit, _clock.NowPs);
            if (CoreStalled())
            {
                // Nothing executes and nothing is taken until the flash operation's end, itself an event. A polling
                // loop seen before the stall has to look at the registers again after it.
                _poll.Forget();
                _fastForward = false;
                AdvanceToNextEvent(atPs);
                continue;
            }

            // A debugger's step holds exceptions off, except to wake a sleeping core (Step).
            if (!_stepping || _sleeping) TakeExceptions();
            if (_sleeping && WakeUpPending()) _sleeping = false;
            if (_sleeping || _fastForward)
            {
                // A polling loop skipped up to the end of the run (not to an event) still waits when the run ends.
                _spinning = _fastForward;
                _fastForward = false;
                AdvanceToNextEvent(atPs);
                continue;
            }
            _spinning = false;
            ExecuteSlice(atPs);
        }
    }

    /// Powered off: time passes, nothing executes. Events still due (bytes a host sent on a line the USART no longer
    /// listens to) run at their time and find the models reset.
    private RunResult PassTimeOff(ulong atPs)
    {
        while (_clock.NowPs < atPs)
        {
            _clock.AdvanceTo(Math.Min(atPs, _clock.NextEventPs ?? ulong.MaxValue));
            _clock.RunDue();
        }
        return new RunResult(StopReason.TimeLimit, _clock.NowPs);
    }

    private void AdvanceToNextEvent(ulong atPs)
    {
        var target = Math.Min(atPs, _clock.NextEventPs ?? ulong.MaxValue);
        if (_powerCutAt is { } next) target = Math.Min(target, next.AtPs);
        _clock.AdvanceTo(target);
    }

    private void ExecuteSlice(ulong atPs)
    {
        var uc = _engine!;
        _clock.LimitPs = Math.Min(atPs, _powerCutAt?.AtPs ?? ulong.MaxValue);
        _state->StopRequested = 0;
        _state->StoppedByHook = 0;
        _state->MmioReads = 0;
        _state->MmioWrites = 0;
        _state->ReadSignature = 0;
        _interrupt = null;
        _unmapped = null;
        ApplyInvalidations();
        ApplyFlashChecks();
        var pc = uc.Read(ArmReg.Pc);
        if (pc == 0xFFFF_FFFE && _resetVector == 0xFFFF_FFFF)
            throw Faulted("no firmware: the reset vector at 0x00000004 is 0xFFFFFFFF (erased flash)");
        // A step executes the instruction at its start whatever breakpoint is there.
        _skipBreakpoint = _reportedBreakpoint == pc || (_stepping && !_stepStarted) ? pc : null;
        _reportedBreakpoint = null;
        _inEngine = true;
        EngineEntries++;
        UcError error;
        try { error = uc.Start(pc); }
        finally { _inEngine = false; }
        ApplyRestores();
        ApplyInvalidations();
        ApplyFlashChecks();
        if (_pendingFault is { } fault) throw Faulted(fault);
        if (error != UcError.Ok) throw Faulted(DescribeError(error));
        if (_interrupt is { } intno) HandleInterrupt(intno);
        else if (_state->StoppedByHook != 0) uc.Write(ArmReg.Pc, _state->StopAddress | 1);
        else HandleSelfStop();
    }

    /// Unicorn returned without a hook stopping it: WFI is the only legitimate cause.
    private void HandleSelfStop()
    {
        var pc = _engine!.Read(ArmReg.Pc);
        var isWfi = TryHostMemory(pc - 2, 2, out var narrow) && BitConverter.ToUInt16(narrow) == ThumbDecoder.Wfi16
                    || TryHostMemory(pc - 4, 4, out var wide) && BitConverter.ToUInt32(wide) == ThumbDecoder.Wfi32;
        if (!isWfi) throw Faulted($"the emulator stopped at PC 0x{pc:X8} for no known reason");
        if ((_scb.Scr & Scb.SCR_SLEEPDEEP) != 0)
            throw Faulted("WFI with SCB_SCR.SLEEPDEEP=1 (Stop/Standby mode) is not modelled by the virtual board");
        _sleeping = true;
        Trace?.Invoke($"{Stamp()} WFI at 0x{pc - 2:X8}: sleeping");
    }

    private void HandleInterrupt(uint intno)
    {
        var uc = _engine!;
        var pc = uc.Read(ArmReg.Pc);
        switch (intno)
        {
            case 2: // SVC: PC is already past the instruction, the return address the frame needs
                _exceptions.SetPending(ExceptionState.SVCall, true);
                if (!CanTakeNow(ExceptionState.SVCall))
                    throw Faulted($"SVC at 0x{pc - 2:X8} cannot be taken (SVCall priority {_exceptions.PriorityOf(ExceptionState.SVCall)} is " +
                                  "masked or not above the running handler): HardFault escalation on silicon");
                break;
            case 8: // EXC_RETURN branch in Handler mode
            case 3 when pc >= 0xFFFF_FFE0: // the same, reported as a prefetch abort when Unicorn thinks it is in Thread mode
                var returning = _entry.Current;
                var toThread = _entry.Return(uc, pc | 1);
                _poll.Forget();
                Trace?.Invoke($"{Stamp()} return from {ExceptionEntry.ExceptionName(returning)} to {(toThread ? "Thread mode" : ExceptionEntry.ExceptionName(_entry.Current))}");
                if (toThread && (_scb.Scr & Scb.SCR_SLEEPONEXIT) != 0) _sleeping = true;
                break;
            case 7:
                throw Faulted($"BKPT instruction at 0x{pc:X8} with no debugger attached (HardFault on silicon)");
            case 1:
                throw Faulted($"undefined instruction at 0x{pc:X8} ({DescribeCode(pc)}): UsageFault/HardFault on silicon");
            default:
                throw Faulted($"CPU exception {CpuExceptionName(intno)} at 0x{pc:X8} ({DescribeCode(pc)}): a fault on silicon");
        }
    }

    private void TakeExceptions()
    {
        var uc = _engine!;
        while (true)
        {
            var n = _exceptions.HighestPending();
            if (n == 0) { _state->WatchMasks = 0; return; }
            var priority = _exceptions.GroupPriorityOf(n);
            if (priority >= CurrentExecutionPriority())
            {
                // Pending but held back only by PRIMASK/BASEPRI/FAULTMASK: watch them at every block boundary.
                _state->WatchMasks = priority < _exceptions.ActivePriority() ? 1 : 0;
                return;
            }
            var from = _entry.Current;
            var at = uc.Read(ArmReg.Pc);
            _entry.Enter(uc, n);
            _sleeping = false;
            _spinning = false;
            _poll.Forget();
            Trace?.Invoke($"{Stamp()} enter {ExceptionEntry.ExceptionName(n)} from {(from == 0 ? "Thread mode" : ExceptionEntry.ExceptionName(from))} at 0x{at:X8}");
        }
    }

    private int CurrentExecutionPriority()
    {
        var uc = _engine!;
        return _exceptions.ExecutionPriority((uc.Read(ArmReg.Primask) & 1) != 0, (byte)uc.Read(ArmReg.Basepri), (uc.Read(ArmReg.Faultmask) & 1) != 0);
    }

    private bool ExceptionTakeable()
    {
        var n = _exceptions.HighestPending();
        return n != 0 && _exceptions.GroupPriorityOf(n) < CurrentExecutionPriority();
    }

    private bool CanTakeNow(int n) => _exceptions.IsEnabled(n) && _exceptions.GroupPriorityOf(n) < CurrentExecutionPriority();

    /// WFI wakes on any pending exception that would preempt if PRIMASK were clear (B1.5.19).
    private bool WakeUpPending()
    {
        var n = _exceptions.HighestPending();
        return n != 0 && _exceptions.GroupPriorityOf(n) < _exceptions.ActivePriority();
    }

    // ---- called from the native hooks ------------------------------------------------------------------------------

    internal bool OnBlockBoundary(uint address)
    {
        if (_state->StopRequested != 0 || _state->Cycles >= _state->Deadline || FetchStalls(address)) return true;
        var reads = _state->MmioReads;
        var writes = _state->MmioWrites;
        var signature = _state->ReadSignature;
        _state->MmioReads = 0;
        _state->MmioWrites = 0;
        _state->ReadSignature = 0;
        // A step neither skips time over a polling loop nor stops for an exception it holds off.
        if (_stepping) return false;
        if (writes != 0) _poll.Forget();
        else if (reads != 0 && PollFastForward && _poll.Observe(address, signature, RegisterHash, RamHash))
        {
            _fastForward = true;
            Trace?.Invoke($"{Stamp()} polling loop at 0x{address:X8}: skipping to the next event");
            return true;
        }
        if (_state->WatchMasks != 0)
        {
            var n = _exceptions.HighestPending();
            if (n != 0 && _exceptions.GroupPriorityOf(n) < CurrentExecutionPriority()) return true;
        }
        return false;
    }

    internal uint OnMmioRead(int page, uint offset, int size)
    {
        var address = _bus.PageAddress(page) + offset;
        _accessAddress = address;
        var value = _bus.Read(page, offset, size);
        _accessAddress = null;
        _state->MmioReads++;
        _state->ReadSignature = (_state->ReadSignature * 0x100_0000_01B3) ^ address ^ ((ulong)value << 32);
        if (TraceMmio) Trace?.Invoke($"{Stamp()} read  0x{address:X8} ({size}) -> 0x{value:X8}");
        return value;
    }

    internal void OnMmioWrite(int page, uint offset, int size, uint value)
    {
        _state->MmioWrites++;
        var address = _bus.PageAddress(page) + offset;
        if (TraceMmio) Trace?.Invoke($"{Stamp()} write 0x{address:X8} ({size}) <- 0x{value:X8}");
        _accessAddress = address;
        _bus.Write(page, offset, size, value);
        _accessAddress = null;
    }

    internal void OnInterrupt(uint intno) => _interrupt = intno;

    internal void OnUnmapped(UcMemType type, uint address, int size, uint value) => _unmapped = (type, address, size, value);

    internal void OnFlashBusWrite(uint address, int size, uint value)
    {
        // Unicorn completes the store into the read-only buffer after this hook; the model's view must not see the
        // raw bytes of the previous store either, so undo that one first.
        ApplyRestores();
        var offset = address >= FlashBase ? address - FlashBase : address;
        DeliverFlashStore(address, size, value);
        _pendingRestores.Add((offset, _flash.AsSpan((int)offset, size).ToArray()));
        RequestStop();
    }

    private void DeliverFlashStore(uint address, int size, uint value)
    {
        var offset = address >= FlashBase ? address - FlashBase : address;
        _accessAddress = address;
        if (_flashBus is null)
            Fault($"CPU store of 0x{value:X8} ({size} byte(s)) into flash at 0x{FlashBase + offset:X8}, but no flash controller model is attached");
        else
            _flashBus.WriteArray(FlashBase + offset, size, value);
        _accessAddress = null;
    }

    internal bool OnBreakpoint(uint address)
    {
        if (_skipBreakpoint == address)
        {
            _skipBreakpoint = null;
            return false;
        }
        StopBeforeInstruction(address);
        _breakpointHit = address;
        return true;
    }

    /// A code hook stops the engine before the instruction at address runs.
    private void StopBeforeInstruction(uint address)
    {
        // Two hooks on one instruction (a breakpoint where a step ends) stop it once.
        if (_state->StoppedByHook != 0 && _state->StopAddress == address) return;
        // The block hook counted the whole block; the instructions from here on did not run.
        var blockEnd = _state->BlockAddress + _state->BlockSize;
        if (address >= _state->BlockAddress && address < blockEnd && TryHostMemory(address, blockEnd - address, out var rest))
        {
            fixed (byte* code = rest)
            {
                var notRun = (ulong)ThumbDecoder.CountInstructions(code, (uint)rest.Length);
                _state->Cycles -= notRun;
                _state->Instructions -= notRun;
            }
        }
        _state->StoppedByHook = 1;
        _state->StopAddress = address;
    }

    internal bool OnCallbackException(Exception e)
    {
        Fault(e is CoreFault ? e.Message : $"internal error in a model callback: {e}");
        return true;
    }

    // ---- helpers ------------------------------------------------------------------------------------------------------

    private ulong RegisterHash()
    {
        var regs = s_pollRegisters;
        var ids = stackalloc int[regs.Length];
        var values = stackalloc uint[regs.Length];
        var pointers = stackalloc void*[regs.Length];
        for (var i = 0; i < regs.Length; i++)
        {
            ids[i] = (int)regs[i];
            pointers[i] = values + i;
        }
        UcNative.uc_reg_read_batch(_engine!.Handle, ids, pointers, regs.Length);
        return System.IO.Hashing.XxHash3.HashToUInt64(new ReadOnlySpan<byte>(values, regs.Length * sizeof(uint)));
    }

    private void ApplyRestores()
    {
        foreach (var (offset, bytes) in _pendingRestores) bytes.CopyTo(_flash.AsSpan((int)offset));
        _pendingRestores.Clear();
    }

    private void ApplyInvalidations()
    {
        if (_engine is null) { _pendingInvalidations.Clear(); return; }
        foreach (var (address, length) in _pendingInvalidations)
        {
            var offset = address >= FlashBase ? address - FlashBase : address;
            if (offset < FlashSize && IsRedirected(offset, length)) _engine.FlushTranslations();
            else if (offset < FlashSize)
            {
                _engine.RemoveCache(offset, length);
                _engine.RemoveCache(FlashBase + offset, length);
            }
            else _engine.RemoveCache(address, length);
        }
        _pendingInvalidations.Clear();
    }

    private BoardFaultException Faulted(string message)
    {
        CpuState? cpu = null;
        try { cpu = _engine is null ? null : ReadCpu(); }
        catch (InvalidOperationException) { } // the report goes out without registers rather than not at all
        _pendingFault = null;
        _faulted = new BoardFaultException(message, cpu, _clock.NowPs);
        Trace?.Invoke($"{Stamp()} FAULT: {message}");
        return _faulted;
    }

    private string DescribeError(UcError error)
    {
        var pc = _engine!.Read(ArmReg.Pc);
        if (_unmapped is { } u)
        {
            var what = u.Type switch
            {
                UcMemType.ReadUnmapped => $"read of {u.Size} byte(s) at 0x{u.Address:X8}",
                UcMemType.WriteUnmapped => $"write of 0x{u.Value:X8} ({u.Size} byte(s)) at 0x{u.Address:X8}",
                _ => $"instruction fetch at 0x{u.Address:X8}",
            };
            return $"{what} by {LocateAccess(u.Address)}: nothing is mapped there (no memory, no modelled peripheral) — a BusFault on silicon, or a register the virtual board does not model yet";
        }
        return error switch
        {
            UcError.InsnInvalid => $"undefined instruction at 0x{pc:X8} ({DescribeCode(pc)}): UsageFault on silicon (WFE and SEV are also not modelled)",
            UcError.ReadUnaligned or UcError.WriteUnaligned => $"unaligned access by the instruction at 0x{pc:X8} ({DescribeCode(pc)}): UsageFault on silicon",
            UcError.FetchUnaligned => $"fetch from the unaligned address 0x{pc:X8}",
            UcError.FetchProt or UcError.ReadProt or UcError.WriteProt => $"{UcNative.ErrorText((int)error)} at 0x{pc:X8}",
            _ => $"{UcNative.ErrorText((int)error)} at PC 0x{pc:X8}",
        };
    }

    /// Names the instruction of the current block that accesses target, from the registers as they are before it.
    private string LocateAccess(uint target)
    {
        var uc = _engine!;
        var start = _state->BlockAddress;
        var regs = new uint[15];
        for (var i = 0; i < 13; i++) regs[i] = uc.Read(ArmReg.R0 + i);
        regs[13] = uc.Read(ArmReg.Sp);
        regs[14] = uc.Read(ArmReg.Lr);
        if (TryHostMemory(start, _state->BlockSize, out var code) && AccessLocator.Find(code, start, regs, target) is { } pc)
            return $"the instruction at 0x{pc:X8} ({DescribeCode(pc)})";
        return $"an instruction in the block 0x{start:X8}-0x{start + _state->BlockSize - 1:X8}";
    }

    private string DescribeCode(uint pc) =>
        TryHostMemory(pc, 4, out var code) ? $"halfwords {BitConverter.ToUInt16(code):X4} {BitConverter.ToUInt16(code[2..]):X4}" : "not in memory";

    private static string CpuExceptionName(uint intno) => intno switch
    {
        3 => "PREFETCH_ABORT", 4 => "DATA_ABORT", 17 => "NOCP (coprocessor access)", 18 => "INVSTATE (ARM state)",
        19 => "STKOF", 21 => "LSERR", 22 => "UNALIGNED", 16 => "SEMIHOST", _ => $"#{intno}",
    };
}
