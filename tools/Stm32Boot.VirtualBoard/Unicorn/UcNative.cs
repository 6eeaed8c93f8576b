// P/Invoke surface of Unicorn 2.0.1 (Debian libunicorn2). Only the calls the core uses; numbers from
// /usr/include/unicorn/unicorn.h and arm.h of that version.
using System.Runtime.InteropServices;

namespace Stm32Boot.VirtualBoard.Unicorn;

internal static unsafe class UcNative
{
    // The versioned soname: the unversioned libunicorn.so link only exists with the -dev package.
    private const string Lib = "libunicorn.so.2";

    public const int UC_ARCH_ARM = 1;
    public const int UC_MODE_THUMB = 1 << 4;
    public const int UC_CPU_ARM_CORTEX_M4 = 9;

    // uc_ctl is variadic; fixed-argument declarations work on x86-64 System V (integers travel in registers).
    public const uint UC_CTL_CPU_MODEL_WRITE = 0x44000007;
    public const uint UC_CTL_TB_REMOVE_CACHE_WRITE = 0x48000009;
    public const uint UC_CTL_TB_FLUSH_WRITE = 0x4000000A;

    public const uint UC_PROT_READ = 1, UC_PROT_EXEC = 4, UC_PROT_ALL = 7;

    public const int UC_HOOK_INTR = 1 << 0;
    public const int UC_HOOK_CODE = 1 << 2;
    public const int UC_HOOK_BLOCK = 1 << 3;
    public const int UC_HOOK_MEM_READ_UNMAPPED = 1 << 4;
    public const int UC_HOOK_MEM_WRITE_UNMAPPED = 1 << 5;
    public const int UC_HOOK_MEM_FETCH_UNMAPPED = 1 << 6;
    public const int UC_HOOK_MEM_WRITE_PROT = 1 << 8;
    public const int UC_HOOK_MEM_UNMAPPED = UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED | UC_HOOK_MEM_FETCH_UNMAPPED;

    [DllImport(Lib)] public static extern int uc_open(int arch, int mode, out IntPtr uc);
    [DllImport(Lib)] public static extern int uc_close(IntPtr uc);
    [DllImport(Lib)] public static extern IntPtr uc_strerror(int code);
    [DllImport(Lib)] public static extern int uc_ctl(IntPtr uc, uint control);
    [DllImport(Lib)] public static extern int uc_ctl(IntPtr uc, uint control, ulong arg1);
    [DllImport(Lib)] public static extern int uc_ctl(IntPtr uc, uint control, ulong arg1, ulong arg2);
    [DllImport(Lib)] public static extern int uc_mem_map_ptr(IntPtr uc, ulong address, nuint size, uint perms, void* ptr);
    [DllImport(Lib)] public static extern int uc_mem_unmap(IntPtr uc, ulong address, nuint size);
    [DllImport(Lib)] public static extern int uc_mem_protect(IntPtr uc, ulong address, nuint size, uint perms);
    [DllImport(Lib)]
    public static extern int uc_mmio_map(IntPtr uc, ulong address, nuint size,
        delegate* unmanaged<IntPtr, ulong, uint, void*, ulong> readCb, void* userRead,
        delegate* unmanaged<IntPtr, ulong, uint, ulong, void*, void> writeCb, void* userWrite);
    [DllImport(Lib)] public static extern int uc_hook_add(IntPtr uc, out IntPtr hh, int type, void* callback, void* userData, ulong begin, ulong end);
    [DllImport(Lib)] public static extern int uc_hook_del(IntPtr uc, IntPtr hh);
    [DllImport(Lib)] public static extern int uc_emu_start(IntPtr uc, ulong begin, ulong until, ulong timeout, nuint count);
    [DllImport(Lib)] public static extern int uc_emu_stop(IntPtr uc);
    [DllImport(Lib)] public static extern int uc_reg_read(IntPtr uc, int regid, void* value);
    [DllImport(Lib)] public static extern int uc_reg_write(IntPtr uc, int regid, void* value);
    [DllImport(Lib)] public static extern int uc_reg_read_batch(IntPtr uc, int* regs, void** values, int count);
    [DllImport(Lib)] public static extern int uc_mem_read(IntPtr uc, ulong address, void* bytes, nuint size);
    [DllImport(Lib)] public static extern int uc_mem_write(IntPtr uc, ulong address, void* bytes, nuint size);

    public static string ErrorText(int code) => Marshal.PtrToStringAnsi(uc_strerror(code)) ?? $"Unicorn error {code}";
}

/// Unicorn's error codes that the core tells apart (uc_err).
internal enum UcError
{
    Ok = 0,
    InsnInvalid = 10,
    ReadUnmapped = 6,
    WriteUnmapped = 7,
    FetchUnmapped = 8,
    WriteProt = 12,
    ReadProt = 13,
    FetchProt = 14,
    ReadUnaligned = 16,
    WriteUnaligned = 17,
    FetchUnaligned = 18,
    Exception = 21,
}

/// uc_arm_reg values used by the core (Unicorn 2.0.1 arm.h).
internal enum ArmReg
{
    Apsr = 1,
    ApsrNzcv = 2,
    Fpscr = 6,
    D0 = 14,
    Lr = 10,
    Pc = 11,
    Sp = 12,
    R0 = 66, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, R11, R12,
    S0 = 79,
    Ipsr = 114,
    Msp = 115,
    Psp = 116,
    Control = 117,
    Xpsr = 120,
    Epsr = 121,
    Primask = 123,
    Basepri = 124,
    Faultmask = 126,
    ApsrNzcvqg = 129,
}

/// uc_mem_type values passed to memory hooks.
internal enum UcMemType
{
    Read = 16,
    Write = 17,
    Fetch = 18,
    ReadUnmapped = 19,
    WriteUnmapped = 20,
    FetchUnmapped = 21,
    WriteProt = 22,
    ReadProt = 23,
    FetchProt = 24,
}
