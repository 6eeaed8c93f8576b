// The Cortex-M4 side of the virtual board: Unicorn core, flash and SRAM, the system control space, the virtual
// clock, resets and power. Any set of IPeripheral models attaches to it; Board composes the STM32L475 ones.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Stm32Boot.VirtualBoard.Cortex;
using Stm32Boot.VirtualBoard.Unicorn;

namespace Stm32Boot.VirtualBoard;

public sealed unsafe partial class Machine : IBoard, IDisposable
{
    // STM32L475VG memories (RM0351 §2.2.2, Figure 2 / Table 3): chip facts, not the project's partitioning.
    public const uint FlashBase = 0x0800_0000, FlashSize = BoardDescription.FlashSize;
    public const uint Sram1Base = 0x2000_0000, Sram1Size = 0x0001_8000;
    public const uint Sram2Base = 0x1000_0000, Sram2Size = 0x0000_8000, Sram2Alias = 0x2001_8000;
    /// The OTP area in bank 1's information block (RM0351 §3.3.1, Table 7); the flash model keeps its content and
    /// serves every CPU access to it (IFlashBus.ReadOtp, WriteArray).
    public const uint OtpBase = 0x1FFF_7000, OtpSize = 0x0000_0400;

    private static readonly Lock s_registryLock = new();
    private static Machine?[] s_machines = new Machine?[8];

    private readonly int _id;
    private readonly HookState* _state;
    private readonly byte[] _flash;
    private readonly byte[] _sram1;
    private readonly byte[] _sram2;
    private readonly VirtualClock _clock;
    private readonly ExceptionState _exceptions = new();
    private readonly SysTickTimer _sysTick;
    private readonly Nvic _nvic;
    private readonly Scb _scb;
    private readonly ExceptionEntry _entry;
    private readonly MmioBus _bus;
    private readonly PollDetector _poll = new();
    private readonly List<IPeripheral> _peripherals = new();
    private readonly List<ResetRecord> _resets = new();
    private readonly SortedSet<uint> _breakpoints = new();
    private readonly Dictionary<uint, IntPtr> _breakpointHooks = new();
    private readonly HashSet<string> _nmiSources = new();
    private IFlashBus? _flashBus;
    private UnicornEngine? _engine;
    private bool _poweredOff;
    private bool _disposed;

    public Machine()
    {
        _state = (HookState*)NativeMemory.AllocZeroed((nuint)sizeof(HookState));
        _state->FlashCounts = (uint*)NativeMemory.AllocZeroed(FlashSize / 2, sizeof(uint));
        _flash = GC.AllocateArray<byte>((int)FlashSize, pinned: true);
        _sram1 = GC.AllocateArray<byte>((int)Sram1Size, pinned: true);
        _sram2 = GC.AllocateArray<byte>((int)Sram2Size, pinned: true);
        Array.Fill(_flash, (byte)0xFF);
        _state->Flash = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_flash));
        _state->Sram1 = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_sram1));
        _state->Sram2 = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_sram2));
        _state->Deadline = ulong.MaxValue;

        _clock = new VirtualClock(_state);
        _exceptions.Reset();
        _exceptions.Changed += RequestStop;
        _sysTick = new SysTickTimer(_clock, _exceptions);
        _nvic = new Nvic(_exceptions);
        _scb = new Scb(_exceptions, () => _entry!.Current, RequestSystemReset, Fault);
        _entry = new ExceptionEntry(_exceptions, () => _scb.Vtor, IsRam);
        _bus = new MmioBus(Fault);
        _bus.Attach(new SystemControlSpace(_sysTick, _nvic, _scb, Fault));

        lock (s_registryLock)
        {
            var free = Array.IndexOf(s_machines, null);
            if (free < 0)
            {
                free = s_machines.Length;
                Array.Resize(ref s_machines, s_machines.Length * 2);
            }
            s_machines[free] = this;
            _id = free;
        }
        _state->MachineId = _id;
    }

    internal static Machine FromId(int id) => s_machines[id]!;

    public IVirtualClock Clock => _clock;
    public byte[] Flash => _flash;
    public ulong NowPs => _clock.NowPs;
    /// Instructions executed since the machine was created (sleep and fast-forward excluded).
    public ulong Instructions => _state->Instructions;
    /// Core cycles since the machine was created (one per instruction, plus sleep, fast-forward and time powered off).
    public ulong Cycles => _state->Cycles;
    public bool PoweredOn => _engine is not null;
    public IReadOnlyList<ResetRecord> Resets => _resets;
    /// Skip virtual time over detected polling loops (on by default; off to measure what it saves).
    public bool PollFastForward { get; set; } = true;
    /// Core events (resets, exception entry/return, sleep, fast-forward) as text lines, for --trace.
    public Action<string>? Trace { get; set; }
    /// Every peripheral register access as a trace line (very verbose).
    public bool TraceMmio { get; set; }

    /// Adds a peripheral model before the first power-on. A model that implements IFlashBus also receives CPU
    /// stores into the flash array.
    public void Attach(IPeripheral peripheral)
    {
        ArgumentNullException.ThrowIfNull(peripheral);
        if (PoweredOn) throw new InvalidOperationException($"Attach {peripheral.Name} before PowerOn: the bus is mapped at power-on.");
        _bus.Attach(peripheral);
        _peripherals.Add(peripheral);
        if (peripheral is IFlashBus flashBus)
        {
            if (_flashBus is not null) throw new InvalidOperationException($"Two flash bus models: {peripheral.Name} and {((IPeripheral)_flashBus).Name}.");
            _flashBus = flashBus;
        }
    }

    /// Writes bytes into the flash array (like a programmer would), at an address in 0x08000000..0x080FFFFF.
    public void LoadFlash(uint address, ReadOnlySpan<byte> bytes)
    {
        if (address < FlashBase || (ulong)address + (ulong)bytes.Length > FlashBase + FlashSize)
            throw new ArgumentOutOfRangeException(nameof(address),
                $"0x{address:X8}+{bytes.Length} bytes is outside the flash 0x{FlashBase:X8}-0x{FlashBase + FlashSize - 1:X8}.");
        bytes.CopyTo(_flash.AsSpan((int)(address - FlashBase)));
        InvalidateCode(address, (uint)bytes.Length);
    }

    /// Every flash byte back to the erased value 0xFF.
    public void EraseFlash()
    {
        Array.Fill(_flash, (byte)0xFF);
        InvalidateCode(FlashBase, FlashSize);
    }

    /// Cold start: SRAM cleared to zero (silicon leaves it undefined; zero keeps runs reproducible), every model
    /// reset as at power-on, backup domain lost, core starts from the vector table at 0x00000000.
    public void PowerOn() => PerformReset(ResetKind.PowerOn, "power-on");

    /// The NRST pin, from the host: a system reset (SRAM and backup domain kept).
    public void PressReset() => PerformReset(ResetKind.System, NrstReason);

    /// ResetRecord.Reason of a reset through the NRST pin and of SCB_AIRCR.SYSRESETREQ.
    public const string NrstReason = "NRST pin";
    public const string SoftwareResetReason = "SCB_AIRCR.SYSRESETREQ";

    /// Breakpoint-like stop: Run returns StopReason.Breakpoint before the instruction at address executes.
    /// Returns false when the breakpoint was already set. Breakpoints survive resets.
    public bool AddBreakpoint(uint address)
    {
        address &= ~1u;
        if (!_breakpoints.Add(address)) return false;
        if (_engine is not null)
        {
            HookBreakpoint(_engine, address);
            // Unicorn decides at translation whether a block calls the code hooks: code translated before the
            // breakpoint existed (a loop that already ran) must be translated again to stop there.
            InvalidateCode(address, 2);
        }
        return true;
    }

    public bool RemoveBreakpoint(uint address)
    {
        address &= ~1u;
        if (!_breakpoints.Remove(address)) return false;
        if (_engine is not null && _breakpointHooks.Remove(address, out var hook)) _engine.DeleteHook(hook);
        return true;
    }

    /// Reads a 32-bit word as the CPU would: flash, SRAM, or a peripheral register (through its model, so a
    /// register with a read side effect sees it).
    public uint ReadWord(uint address)
    {
        if (TryHostMemory(address, 4, out var span)) return System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(span);
        if (!_bus.TryFind(address, out var peripheral))
            throw new ArgumentOutOfRangeException(nameof(address), $"0x{address:X8} is neither memory nor a modelled peripheral register.");
        var faultBefore = _pendingFault;
        var value = peripheral.Read(address - peripheral.Base, 4);
        if (_pendingFault is { } fault && !ReferenceEquals(fault, faultBefore))
        {
            // The host asked, not the firmware: report it to the host instead of failing the next run.
            _pendingFault = faultBefore;
            throw new ArgumentException($"reading 0x{address:X8}: {fault}", nameof(address));
        }
        return value;
    }

    /// Bytes of flash or SRAM at a CPU address (aliases included).
    public byte[] ReadMemory(uint address, int length)
    {
        if (!TryHostMemory(address, (uint)length, out var span))
            throw new ArgumentOutOfRangeException(nameof(address), $"0x{address:X8}+{length} is not inside one flash or SRAM region.");
        return span.ToArray();
    }

    /// A 32-bit write through the debug port (SWD, the ST-LINK's AHB access port), as a debugger attached to a
    /// running board makes it: SRAM, or a register of a modelled peripheral or of the core's private bus (NVIC, SCB),
    /// with the register's side effects. A debugger can, for example, set an interrupt pending the firmware never
    /// serves. The flash array is not written this way (it needs the FLASH programming sequence).
    public void DebugWrite(uint address, uint value)
    {
        if (IsRam(address, 4) && TryHostMemory(address, 4, out var span))
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(span, value);
            return;
        }
        if (!_bus.TryFind(address, out var peripheral) || address - peripheral.Base > peripheral.Size - 4)
            throw new ArgumentOutOfRangeException(nameof(address), $"0x{address:X8} is neither SRAM nor a modelled register: the debug port cannot write it here.");
        peripheral.Write(address - peripheral.Base, 4, value);
        RequestStop();
    }

    /// Writes SRAM bytes from the host (test set-up).
    public void WriteSram(uint address, ReadOnlySpan<byte> bytes)
    {
        if (!TryHostMemory(address, (uint)bytes.Length, out var span) || address - FlashBase < FlashSize || address < FlashSize)
            throw new ArgumentOutOfRangeException(nameof(address), $"0x{address:X8}+{bytes.Length} is not inside SRAM1 or SRAM2.");
        bytes.CopyTo(span);
    }

    public CpuState ReadCpu()
    {
        var uc = _engine ?? throw new InvalidOperationException("The board is not powered on.");
        var r = new uint[16];
        for (var i = 0; i < 13; i++) r[i] = uc.Read(ArmReg.R0 + i);
        r[13] = uc.Read(ArmReg.Sp);
        r[14] = uc.Read(ArmReg.Lr);
        r[15] = uc.Read(ArmReg.Pc);
        return new CpuState
        {
            R = r,
            Xpsr = uc.Read(ArmReg.Xpsr),
            Msp = uc.Read(ArmReg.Msp),
            Psp = uc.Read(ArmReg.Psp),
            Control = uc.Read(ArmReg.Control),
            Primask = (uc.Read(ArmReg.Primask) & 1) != 0,
            Basepri = (byte)uc.Read(ArmReg.Basepri),
            Faultmask = (uc.Read(ArmReg.Faultmask) & 1) != 0,
            Exception = _entry.Current,
            Vtor = _scb.Vtor,
            SysTickCtrl = _sysTick.PeekCtrl,
            SysTickLoad = _sysTick.Load,
            SysTickVal = _sysTick.Value,
            NvicIser = [_nvic.ReadWord(0x000), _nvic.ReadWord(0x004), _nvic.ReadWord(0x008)],
            NvicIspr = [_nvic.ReadWord(0x100), _nvic.ReadWord(0x104), _nvic.ReadWord(0x108)],
            PendSvPending = _exceptions.IsPending(ExceptionState.PendSV),
            SysTickPending = _exceptions.IsPending(ExceptionState.SysTick),
            AtPs = _clock.NowPs,
        };
    }

    // ---- IBoard -------------------------------------------------------------------------------------------------

    public void SetIrqLevel(int irqn, bool asserted)
    {
        if (irqn < 0 || irqn >= ExceptionState.IrqCount)
            throw new ArgumentOutOfRangeException(nameof(irqn), $"IRQ {irqn} does not exist on the STM32L475 (0..{ExceptionState.IrqCount - 1}).");
        _exceptions.SetLine(irqn, asserted);
    }

    public void Fault(string message)
    {
        if (_pendingFault is null)
            _pendingFault = _inEngine && _accessAddress is { } address ? $"{message} — by {LocateAccess(address)}" : message;
        RequestStop();
    }

    public void InvalidateCode(uint address, uint length)
    {
        var offset = address >= FlashBase ? address - FlashBase : address;
        if (offset < FlashSize)
        {
            // A block starting up to a page before the change may extend into it: forget its count too.
            var from = offset > 4096 ? offset - 4096 : 0;
            var to = Math.Min(FlashSize, offset + length);
            new Span<uint>(_state->FlashCounts + from / 2, (int)((to - from + 1) / 2)).Clear();
        }
        _pendingInvalidations.Add((address, length));
        if (_inEngine) RequestStop();
        else ApplyInvalidations();
    }

    public void SetNmiLevel(string source, bool asserted)
    {
        if (!(asserted ? _nmiSources.Add(source) : _nmiSources.Remove(source))) return;
        Trace?.Invoke($"{Stamp()} NMI {(asserted ? "asserted" : "released")} by {source}");
        _exceptions.SetNmiLine(_nmiSources.Count > 0);
    }

    public void RequestSystemReset(string reason)
    {
        _pendingReset ??= reason;
        RequestStop();
    }

    /// Cuts the power at the next instruction boundary (from an event handler: right after the current event),
    /// then powers up again from what flash holds.
    public void RequestPowerCut(string reason)
    {
        _pendingPowerCut ??= reason;
        RequestStop();
    }

    /// Cuts the power when virtual time reaches atPs (then powers up again); survives resets.
    public void CutPowerAt(ulong atPs, string reason = "scheduled power cut")
    {
        _powerCutAt = (atPs, reason);
    }

    internal void RequestStop() => _state->StopRequested = 1;

    // ---- resets ---------------------------------------------------------------------------------------------------

    /// Removes the power and keeps it off until PowerOn (a user pulling the USB cable that powers the board): SRAM
    /// and every model's state are lost as at a power cut (an erase or program in flight is torn, GPIO outputs stop
    /// driving, so a lit LED goes dark), the core stops. Virtual time goes on while the board is off: RunUntil lets it
    /// pass with nothing executing, so the next PowerOn starts a cold boot after a real off time.
    public void PowerOff(string reason = "power off")
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_engine is null) return;
        Trace?.Invoke($"{Stamp()} power off: {reason}");
        ResetModels(ResetKind.PowerOn);
        _engine.Dispose();
        _engine = null;
        _poweredOff = true;
    }

    /// Off after PowerOff, until the next PowerOn (a board never powered on is not "off": it has not started yet).
    public bool PoweredOff => _poweredOff;

    private void PerformReset(ResetKind kind, string reason)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _poweredOff = false;
        ResetModels(kind);
        CreateEngine();
        _resets.Add(new ResetRecord(kind, reason, _clock.NowPs));
        Trace?.Invoke($"{Stamp()} reset ({kind}): {reason}");
        ResetOccurred?.Invoke(new ResetRecord(kind, reason, _clock.NowPs));
    }

    private void ResetModels(ResetKind kind)
    {
        if (kind == ResetKind.PowerOn)
        {
            Array.Clear(_sram1);
            Array.Clear(_sram2);
        }
        _pendingFault = null;
        _pendingReset = null;
        _pendingPowerCut = null;
        _sleeping = false;
        _fastForward = false;
        _spinning = false;
        _flashStall = null;
        _state->FlashStall = 0;
        _breakpointHit = null;
        _reportedBreakpoint = null;
        _poll.Forget();
        _clock.SysclkHz = VirtualClock.ResetSysclkHz;
        _clock.ClearEvents();
        _nmiSources.Clear();
        _exceptions.Reset();
        _entry.Reset();
        _bus.ResetAll(kind);
    }

    /// Raised after every reset (power-on, NRST, SYSRESETREQ, IWDG, power cut), once the models are reset.
    public event Action<ResetRecord>? ResetOccurred;

    private void CreateEngine()
    {
        _engine?.Dispose();
        _breakpointHooks.Clear();
        _pendingRestores.Clear();
        _pendingInvalidations.Clear();
        var uc = new UnicornEngine();
        _engine = uc;
        uc.MapHostMemory(0x0000_0000, FlashSize, UcNative.UC_PROT_READ | UcNative.UC_PROT_EXEC, _state->Flash);
        uc.MapHostMemory(FlashBase, FlashSize, UcNative.UC_PROT_READ | UcNative.UC_PROT_EXEC, _state->Flash);
        RedirectCheckedFlash(uc);
        MapOtp(uc);
        uc.MapHostMemory(Sram1Base, Sram1Size, UcNative.UC_PROT_ALL, _state->Sram1);
        uc.MapHostMemory(Sram2Base, Sram2Size, UcNative.UC_PROT_ALL, _state->Sram2);
        uc.MapHostMemory(Sram2Alias, Sram2Size, UcNative.UC_PROT_ALL, _state->Sram2);
        _bus.Map(uc, _id);
        uc.AddHook(UcNative.UC_HOOK_BLOCK, (delegate* unmanaged<IntPtr, ulong, uint, void*, void>)&NativeHooks.OnBlock, _state);
        uc.AddHook(UcNative.UC_HOOK_INTR, (delegate* unmanaged<IntPtr, uint, void*, void>)&NativeHooks.OnInterrupt, _state);
        uc.AddHook(UcNative.UC_HOOK_MEM_UNMAPPED, (delegate* unmanaged<IntPtr, int, ulong, int, long, void*, byte>)&NativeHooks.OnUnmapped, _state);
        uc.AddHook(UcNative.UC_HOOK_MEM_WRITE_PROT, (delegate* unmanaged<IntPtr, int, ulong, int, long, void*, byte>)&NativeHooks.OnFlashWrite, _state);
        foreach (var address in _breakpoints) HookBreakpoint(uc, address);
        new Span<uint>(_state->FlashCounts, (int)(FlashSize / 2)).Clear();

        // Reset behaviour (B1.5.5): MSP from vector 0, PC from vector 1 of the table at 0x00000000 (boot alias).
        var msp = uc.ReadWord(0x0000_0000);
        var reset = uc.ReadWord(0x0000_0004);
        uc.Write(ArmReg.Msp, msp & ~3u);
        uc.Write(ArmReg.Pc, reset);
        _resetVector = reset;
    }

    private void HookBreakpoint(UnicornEngine uc, uint address) =>
        _breakpointHooks[address] = uc.AddHook(UcNative.UC_HOOK_CODE, (delegate* unmanaged<IntPtr, ulong, uint, void*, void>)&NativeHooks.OnBreakpoint, _state, address, address);

    // ---- memory helpers -------------------------------------------------------------------------------------------

    private bool IsRam(uint address, uint length) =>
        InRegion(address, length, Sram1Base, Sram1Size + Sram2Size) || InRegion(address, length, Sram2Base, Sram2Size);

    private static bool InRegion(uint address, uint length, uint start, uint size) =>
        address >= start && (ulong)address + length <= (ulong)start + size;

    private bool TryHostMemory(uint address, uint length, out Span<byte> span)
    {
        if (InRegion(address, length, 0, FlashSize)) { span = _flash.AsSpan((int)address, (int)length); return true; }
        if (InRegion(address, length, FlashBase, FlashSize)) { span = _flash.AsSpan((int)(address - FlashBase), (int)length); return true; }
        if (InRegion(address, length, Sram1Base, Sram1Size)) { span = _sram1.AsSpan((int)(address - Sram1Base), (int)length); return true; }
        if (InRegion(address, length, Sram2Alias, Sram2Size)) { span = _sram2.AsSpan((int)(address - Sram2Alias), (int)length); return true; }
        if (InRegion(address, length, Sram2Base, Sram2Size)) { span = _sram2.AsSpan((int)(address - Sram2Base), (int)length); return true; }
        span = default;
        return false;
    }

    private ulong RamHash() =>
        System.IO.Hashing.XxHash3.HashToUInt64(_sram1) ^ System.IO.Hashing.XxHash3.HashToUInt64(_sram2) * 31;

    private string Stamp() => $"[{_clock.NowPs / 1_000_000.0,14:F3} µs]";

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _engine?.Dispose();
        _engine = null;
        lock (s_registryLock) s_machines[_id] = null;
        NativeMemory.Free(_state->FlashCounts);
        NativeMemory.Free(_state);
    }
}
