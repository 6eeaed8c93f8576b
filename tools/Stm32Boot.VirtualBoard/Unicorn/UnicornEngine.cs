// One Unicorn engine opened as a real Cortex-M4, with the few operations the core needs, each checked.
namespace Stm32Boot.VirtualBoard.Unicorn;

internal sealed unsafe class UnicornEngine : IDisposable
{
    public IntPtr Handle { get; private set; }

    public UnicornEngine()
    {
        IntPtr uc;
        try
        {
            Check(UcNative.uc_open(UcNative.UC_ARCH_ARM, UcNative.UC_MODE_THUMB, out uc), "uc_open");
        }
        catch (DllNotFoundException e)
        {
            throw new InvalidOperationException(
                "The virtual board needs Unicorn 2 (libunicorn.so.2), which was not found. Install the Debian package " +
                "libunicorn2 (apt-get install libunicorn2; build/test-packages.txt lists it).", e);
        }
        Handle = uc;
        // UC_MODE_MCLASS would give a Cortex-M33; the model setting gives the M4 (no v8-M instructions).
        Check(UcNative.uc_ctl(uc, UcNative.UC_CTL_CPU_MODEL_WRITE, UcNative.UC_CPU_ARM_CORTEX_M4), "uc_ctl(CPU_MODEL)");
    }

    public void MapHostMemory(uint address, uint size, uint perms, byte* host) =>
        Check(UcNative.uc_mem_map_ptr(Handle, address, size, perms, host), $"uc_mem_map_ptr(0x{address:X8}, 0x{size:X})");

    public void MapMmio(uint address, uint size,
        delegate* unmanaged<IntPtr, ulong, uint, void*, ulong> read,
        delegate* unmanaged<IntPtr, ulong, uint, ulong, void*, void> write, void* userData) =>
        Check(UcNative.uc_mmio_map(Handle, address, size, read, userData, write, userData), $"uc_mmio_map(0x{address:X8}, 0x{size:X})");

    /// Unmaps part of a region too: Unicorn splits it, and the parts left keep their host memory.
    public void Unmap(uint address, uint size) =>
        Check(UcNative.uc_mem_unmap(Handle, address, size), $"uc_mem_unmap(0x{address:X8}, 0x{size:X})");

    public void Protect(uint address, uint size, uint perms) =>
        Check(UcNative.uc_mem_protect(Handle, address, size, perms), $"uc_mem_protect(0x{address:X8}, 0x{size:X})");

    public IntPtr AddHook(int type, void* callback, void* userData, ulong begin = 1, ulong end = 0)
    {
        Check(UcNative.uc_hook_add(Handle, out var hook, type, callback, userData, begin, end), "uc_hook_add");
        return hook;
    }

    public void DeleteHook(IntPtr hook) => Check(UcNative.uc_hook_del(Handle, hook), "uc_hook_del");

    /// Runs from pc until a hook stops the engine, WFI, or an error. The end address is odd, so it never matches a
    /// Thumb program counter: only the hooks end a run.
    public UcError Start(uint pc) => (UcError)UcNative.uc_emu_start(Handle, pc | 1, 0xFFFF_FFFF, 0, 0);

    public void Stop() => UcNative.uc_emu_stop(Handle);

    public uint Read(ArmReg reg)
    {
        uint value = 0;
        Check(UcNative.uc_reg_read(Handle, (int)reg, &value), $"uc_reg_read({reg})");
        return value;
    }

    public void Write(ArmReg reg, uint value) => Check(UcNative.uc_reg_write(Handle, (int)reg, &value), $"uc_reg_write({reg})");

    /// A 64-bit register (the FPU's D0-D15): Unicorn stores 8 bytes, which Read's 4-byte buffer could not hold.
    public ulong Read64(ArmReg reg)
    {
        ulong value = 0;
        Check(UcNative.uc_reg_read(Handle, (int)reg, &value), $"uc_reg_read({reg})");
        return value;
    }

    public void Write64(ArmReg reg, ulong value) => Check(UcNative.uc_reg_write(Handle, (int)reg, &value), $"uc_reg_write({reg})");

    public void ReadMemory(uint address, Span<byte> into)
    {
        fixed (byte* p = into) Check(UcNative.uc_mem_read(Handle, address, p, (nuint)into.Length), $"uc_mem_read(0x{address:X8})");
    }

    public void WriteMemory(uint address, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes) Check(UcNative.uc_mem_write(Handle, address, p, (nuint)bytes.Length), $"uc_mem_write(0x{address:X8})");
    }

    public uint ReadWord(uint address)
    {
        Span<byte> b = stackalloc byte[4];
        ReadMemory(address, b);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b);
    }

    /// Drops translated code for [address, address+length) so changed bytes are decoded again.
    public void RemoveCache(uint address, uint length) =>
        Check(UcNative.uc_ctl(Handle, UcNative.UC_CTL_TB_REMOVE_CACHE_WRITE, address, (ulong)address + length), "uc_ctl(TB_REMOVE_CACHE)");

    /// Drops every translated block. RemoveCache does not reach code translated from an MMIO region (measured with
    /// 2.0.1): such blocks stay cached until this flush.
    public void FlushTranslations() => Check(UcNative.uc_ctl(Handle, UcNative.UC_CTL_TB_FLUSH_WRITE), "uc_ctl(TB_FLUSH)");

    private static void Check(int err, string what)
    {
        if (err != 0) throw new InvalidOperationException($"Unicorn {what} failed: {UcNative.ErrorText(err)}");
    }

    public void Dispose()
    {
        if (Handle != IntPtr.Zero) UcNative.uc_close(Handle);
        Handle = IntPtr.Zero;
    }
}
