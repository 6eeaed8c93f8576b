// State shared between the run loop and the native hook callbacks. It lives in native memory so the block hook,
// which runs for every translated block, touches no managed object on its fast path.
using System.Runtime.InteropServices;

namespace Stm32Boot.VirtualBoard;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct HookState
{
    /// Core cycles since the board was created (one per executed instruction, plus sleep and fast-forward).
    public ulong Cycles;
    /// Instructions executed (Cycles without sleep and fast-forward), for speed figures.
    public ulong Instructions;
    /// The block hook stops the engine at the first block boundary where Cycles >= Deadline (next event, run end).
    public ulong Deadline;
    /// Non-zero: stop at the next block boundary (an interrupt may be due, a reset or fault was requested...).
    public int StopRequested;
    /// Non-zero while an exception is pending but masked by PRIMASK/BASEPRI/FAULTMASK: the block hook re-checks
    /// the masks, because CPSIE and MSR change them without any bus access the core could see.
    public int WatchMasks;
    /// Non-zero while a flash bank is busy (Machine.StallFlashReads): every block boundary checks whether the core
    /// is about to fetch from it.
    public int FlashStall;
    /// Peripheral accesses since the last block boundary, for polling-loop detection.
    public int MmioReads;
    public int MmioWrites;
    public ulong ReadSignature;
    /// The block being executed (its start address and length in bytes).
    public uint BlockAddress;
    public uint BlockSize;
    /// Set by the block hook when it stopped the engine (tells a hook stop from WFI).
    public int StoppedByHook;
    /// Where the engine stopped: the start of the block the hook did not let run. Unicorn 2.0.1 does not put
    /// this into the PC when the block was reached through a chained (direct) branch, so the core does.
    public uint StopAddress;
    public int MachineId;
    /// Per flash halfword: (block size << 16 | instruction count) of a block starting there; 0 = not known yet.
    public uint* FlashCounts;
    public byte* Flash;
    public byte* Sram1;
    public byte* Sram2;
}
