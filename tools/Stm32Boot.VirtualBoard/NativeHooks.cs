// The callbacks Unicorn calls. They are [UnmanagedCallersOnly] function pointers (no delegate marshalling), the
// block hook's fast path touches only the native HookState, and no exception ever escapes into Unicorn.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Stm32Boot.VirtualBoard.Cortex;
using Stm32Boot.VirtualBoard.Unicorn;

namespace Stm32Boot.VirtualBoard;

internal static unsafe class NativeHooks
{
    // Runs for every executed block: compiled fully optimised at once instead of starting in tier 0.
    [UnmanagedCallersOnly]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void OnBlock(IntPtr uc, ulong address, uint size, void* user)
    {
        var s = (HookState*)user;
        if ((s->StopRequested | s->MmioReads | s->MmioWrites | s->WatchMasks | s->FlashStall) != 0 || s->Cycles >= s->Deadline)
        {
            bool stopped;
            try { stopped = Machine.FromId(s->MachineId).OnBlockBoundary((uint)address); }
            catch (Exception e) { stopped = Machine.FromId(s->MachineId).OnCallbackException(e); }
            if (stopped)
            {
                // Stopping here leaves this block unexecuted, so it is not counted: time stays exact.
                s->StoppedByHook = 1;
                s->StopAddress = (uint)address;
                UcNative.uc_emu_stop(uc);
                return;
            }
        }
        var count = (ulong)Count(s, (uint)address, size);
        s->Cycles += count;
        s->Instructions += count;
        s->BlockAddress = (uint)address;
        s->BlockSize = size;
    }

    [UnmanagedCallersOnly]
    public static ulong OnMmioRead(IntPtr uc, ulong offset, uint size, void* user)
    {
        var machine = Machine.FromId((int)((long)user >> 16));
        try { return machine.OnMmioRead((int)((long)user & 0xFFFF), (uint)offset, (int)size); }
        catch (Exception e) { machine.OnCallbackException(e); return 0; }
    }

    [UnmanagedCallersOnly]
    public static void OnMmioWrite(IntPtr uc, ulong offset, uint size, ulong value, void* user)
    {
        var machine = Machine.FromId((int)((long)user >> 16));
        try { machine.OnMmioWrite((int)((long)user & 0xFFFF), (uint)offset, (int)size, (uint)value); }
        catch (Exception e) { machine.OnCallbackException(e); }
    }

    /// Reads of a checked flash range (Machine.CheckedFlash): user holds the machine id in its high half and the
    /// range's CPU address in its low half.
    [UnmanagedCallersOnly]
    public static ulong OnCheckedFlashRead(IntPtr uc, ulong offset, uint size, void* user)
    {
        var machine = Machine.FromId((int)((long)user >> 32));
        try { return machine.OnCheckedFlashRead((uint)(long)user + (uint)offset, (int)size); }
        catch (Exception e) { machine.OnCallbackException(e); return 0; }
    }

    [UnmanagedCallersOnly]
    public static void OnCheckedFlashWrite(IntPtr uc, ulong offset, uint size, ulong value, void* user)
    {
        var machine = Machine.FromId((int)((long)user >> 32));
        try { machine.OnCheckedFlashWrite((uint)(long)user + (uint)offset, (int)size, (uint)value); }
        catch (Exception e) { machine.OnCallbackException(e); }
    }

    /// Accesses of the OTP area (Machine.MapOtp): user holds the machine id in its high half and the area's address
    /// in its low half.
    [UnmanagedCallersOnly]
    public static ulong OnOtpRead(IntPtr uc, ulong offset, uint size, void* user)
    {
        var machine = Machine.FromId((int)((long)user >> 32));
        try { return machine.OnOtpRead((uint)(long)user + (uint)offset, (int)size); }
        catch (Exception e) { machine.OnCallbackException(e); return 0; }
    }

    [UnmanagedCallersOnly]
    public static void OnOtpWrite(IntPtr uc, ulong offset, uint size, ulong value, void* user)
    {
        var machine = Machine.FromId((int)((long)user >> 32));
        try { machine.OnOtpWrite((uint)(long)user + (uint)offset, (int)size, (uint)value); }
        catch (Exception e) { machine.OnCallbackException(e); }
    }

    [UnmanagedCallersOnly]
    public static void OnInterrupt(IntPtr uc, uint intno, void* user)
    {
        var s = (HookState*)user;
        try { Machine.FromId(s->MachineId).OnInterrupt(intno); }
        catch (Exception e) { Machine.FromId(s->MachineId).OnCallbackException(e); }
        // Stopping in the interrupt hook is safe (unlike MMIO callbacks): the PC is already the exception's.
        UcNative.uc_emu_stop(uc);
    }

    /// Returning 0 lets Unicorn end the run with UC_ERR_*_UNMAPPED and the exact PC.
    [UnmanagedCallersOnly]
    public static byte OnUnmapped(IntPtr uc, int type, ulong address, int size, long value, void* user)
    {
        var s = (HookState*)user;
        try { Machine.FromId(s->MachineId).OnUnmapped((UcMemType)type, (uint)address, size, (uint)value); }
        catch (Exception e) { Machine.FromId(s->MachineId).OnCallbackException(e); }
        return 0;
    }

    /// A CPU store into read-only flash: the flash model decides; returning 1 lets the instruction complete.
    [UnmanagedCallersOnly]
    public static byte OnFlashWrite(IntPtr uc, int type, ulong address, int size, long value, void* user)
    {
        var s = (HookState*)user;
        var machine = Machine.FromId(s->MachineId);
        try { machine.OnFlashBusWrite((uint)address, size, (uint)value); }
        catch (Exception e) { machine.OnCallbackException(e); }
        return 1;
    }

    [UnmanagedCallersOnly]
    public static void OnBreakpoint(IntPtr uc, ulong address, uint size, void* user)
    {
        var s = (HookState*)user;
        bool stop;
        try { stop = Machine.FromId(s->MachineId).OnBreakpoint((uint)address); }
        catch (Exception e) { stop = Machine.FromId(s->MachineId).OnCallbackException(e); }
        if (stop) UcNative.uc_emu_stop(uc);
    }

    /// Every instruction while Machine.Step runs.
    [UnmanagedCallersOnly]
    public static void OnStep(IntPtr uc, ulong address, uint size, void* user)
    {
        var s = (HookState*)user;
        bool stop;
        try { stop = Machine.FromId(s->MachineId).OnStepInstruction((uint)address); }
        catch (Exception e) { stop = Machine.FromId(s->MachineId).OnCallbackException(e); }
        if (stop) UcNative.uc_emu_stop(uc);
    }

    /// Instructions in a block. Flash blocks are counted once and cached per start halfword (the same cache serves
    /// both flash aliases); code in SRAM is counted every time, since the firmware may have rewritten it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Count(HookState* s, uint address, uint size)
    {
        uint offset;
        if (address < Machine.FlashSize) offset = address;
        else if (address - Machine.FlashBase < Machine.FlashSize) offset = address - Machine.FlashBase;
        else return CountRam(s, address, size);
        ref var entry = ref s->FlashCounts[offset >> 1];
        if (entry >> 16 == size) return (int)(entry & 0xFFFF);
        var count = ThumbDecoder.CountInstructions(s->Flash + offset, Math.Min(size, Machine.FlashSize - offset));
        entry = (size << 16) | (uint)count;
        return count;
    }

    private static int CountRam(HookState* s, uint address, uint size)
    {
        byte* code;
        uint room;
        if (address - Machine.Sram1Base < Machine.Sram1Size) { code = s->Sram1 + (address - Machine.Sram1Base); room = Machine.Sram1Base + Machine.Sram1Size - address; }
        else if (address - Machine.Sram2Alias < Machine.Sram2Size) { code = s->Sram2 + (address - Machine.Sram2Alias); room = Machine.Sram2Alias + Machine.Sram2Size - address; }
        else if (address - Machine.Sram2Base < Machine.Sram2Size) { code = s->Sram2 + (address - Machine.Sram2Base); room = Machine.Sram2Base + Machine.Sram2Size - address; }
        else return (int)Math.Max(1, size / 2);
        return ThumbDecoder.CountInstructions(code, Math.Min(size, room));
    }
}
