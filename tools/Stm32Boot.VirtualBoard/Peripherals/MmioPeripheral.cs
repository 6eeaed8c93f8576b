// Every RM0351 register map is made of 32-bit registers at word-aligned offsets. This base class turns the bus
// access the core hands over (byte, half-word or word, any offset) into a register access: a read returns the
// addressed bytes of the register, a write carries a byte-lane mask so a model applies only the bytes the CPU
// stored (a half-word store to the upper half of GPIO_BSRR resets pins without setting any).
namespace Stm32Boot.VirtualBoard.Peripherals;

public abstract class MmioPeripheral : IPeripheral
{
    private protected MmioPeripheral(IBoard board, string name, uint baseAddress, uint size)
    {
        Board = board;
        Name = name;
        Base = baseAddress;
        Size = size;
    }

    public string Name { get; }
    public uint Base { get; }
    public uint Size { get; }
    private protected IBoard Board { get; }

    public uint Read(uint offset, int size)
    {
        if (!CheckAccess(offset, size, "read")) return 0;
        // RM0351 §2.2.2 / §6.2.x: a peripheral whose bus clock is gated off reads as zero.
        if (!IsInterfaceClocked(offset)) return 0;
        var value = ReadRegister(offset & ~3u);
        var shift = (int)(offset & 3) * 8;
        return size == 4 ? value : (value >> shift) & LaneMask(size);
    }

    public void Write(uint offset, int size, uint value)
    {
        if (!CheckAccess(offset, size, "write")) return;
        // Writes to a peripheral whose clock is gated off are lost on silicon; so they are here.
        if (!IsInterfaceClocked(offset)) return;
        var shift = (int)(offset & 3) * 8;
        var mask = size == 4 ? 0xFFFF_FFFFu : LaneMask(size) << shift;
        WriteRegister(offset & ~3u, (value << shift) & mask, mask);
    }

    public abstract void Reset(ResetKind kind);

    /// offset is word aligned; returns the whole 32-bit register.
    private protected abstract uint ReadRegister(uint offset);

    /// offset is word aligned; value holds the written bytes in their lanes, mask has 0xFF in every written lane.
    private protected abstract void WriteRegister(uint offset, uint value, uint mask);

    /// Whether the bus interface behind offset has its RCC clock enabled (and is out of reset).
    private protected virtual bool IsInterfaceClocked(uint offset) => true;

    /// The register after a write that only replaces the written byte lanes.
    private protected static uint Merge(uint old, uint value, uint mask) => (old & ~mask) | (value & mask);

    private protected void Unmodelled(uint offset, string access) =>
        Board.Fault($"{Name}: {access} of offset 0x{offset:X3} (address 0x{Base + offset:X8}) is not modelled by the " +
                    "virtual board; implement the register in its model or keep the firmware away from it.");

    private protected void RequireWholeWord(uint offset, uint mask, string register)
    {
        if (mask != 0xFFFF_FFFF)
            Board.Fault($"{Name}: {register} (offset 0x{offset:X3}) takes 32-bit writes only; a partial write " +
                        "would not carry the whole key or command.");
    }

    private bool CheckAccess(uint offset, int size, string access)
    {
        if (size is not (1 or 2 or 4))
        {
            Board.Fault($"{Name}: {access} of {size} bytes at offset 0x{offset:X3}: only 1, 2 or 4 byte accesses exist.");
            return false;
        }
        if (offset % (uint)size != 0 || offset >= Size)
        {
            Board.Fault($"{Name}: {size}-byte {access} at offset 0x{offset:X3} is unaligned or outside the block; " +
                        "peripheral registers need naturally aligned accesses (ARMv7-M A3.2.1, device memory).");
            return false;
        }
        return true;
    }

    private static uint LaneMask(int size) => size == 1 ? 0xFFu : 0xFFFFu;
}
