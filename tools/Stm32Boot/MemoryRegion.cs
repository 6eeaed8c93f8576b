namespace Stm32Boot;

/// <summary>A named address range [Base, End). End is a ulong because a region may end at 4 GB.</summary>
public sealed record MemoryRegion(string Name, uint Base, uint Size)
{
    public ulong End => (ulong)Base + Size;

    /// <summary>The last address inside the region, as reference manuals and linker maps write ranges.</summary>
    public uint Last => (uint)(End - 1);

    public bool Contains(uint address) => address >= Base && address < End;

    public bool Overlaps(MemoryRegion other) => Base < other.End && other.Base < End;

    public override string ToString() => $"{Name} {HexNumber.Format(Base)}–{HexNumber.Format(Last)}";
}
