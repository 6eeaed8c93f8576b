using System.Buffers.Binary;

namespace Stm32Boot;

/// <summary>What a swap status area records (SlotMode swap).</summary>
public enum SwapKind
{
    None,
    Install,
    Revert,
}

/// <summary>
/// The two swap status areas of SlotMode swap, read the way bootloader/core/slot_swap.c reads them (slot_swap.h is the
/// source of the format; BootStateLayoutMatchesCTests compares the magics with it). Area k lies at
/// MM_SWAP_STATUS_BASE + k * MM_SWAP_STATUS_AREA_SIZE; in flash double words, little-endian:
/// DW0 the kind's magic, DW1 sequence | ~sequence, DW2 pages | ~pages, DW3 crc | ~crc (CRC-32 of DW0..DW2), then one
/// record per step (the magic below; done when any bit reads 0).
/// </summary>
public static class SwapStatus
{
    /// <summary>"SWAPINST", "SWAPREVT", "SWAPSTEP" in memory order.</summary>
    public const ulong InstallMagic = 0x54534E4950415753UL;
    public const ulong RevertMagic = 0x5456455250415753UL;
    public const ulong RecordMagic = 0x5045545350415753UL;

    /// <summary>DW0..DW3 (SLOT_SWAP_DESCRIPTOR_SIZE).</summary>
    public const int DescriptorSize = 32;

    private const int DoubleWord = 8;

    /// <summary>Both areas of <paramref name="map"/> (a swap map) in <paramref name="memory"/>; bytes the dump lacks read erased.</summary>
    public static IReadOnlyList<SwapStatusArea> Read(MemoryImage memory, MemoryMap map) =>
        map.SwapStatusAreas.Select((area, k) => ReadArea(memory, area, k, map.SlotPages)).ToList();

    /// <summary>The newest operation: the valid area with the higher sequence; null when neither is valid.</summary>
    public static SwapStatusArea? Newest(IReadOnlyList<SwapStatusArea> areas) =>
        areas.Where(a => a.Valid).OrderByDescending(a => a.Sequence).FirstOrDefault();

    public static SwapStatusArea ReadArea(MemoryImage memory, MemoryRegion area, int index, uint slotPages)
    {
        var descriptor = memory.Read(area.Base, DescriptorSize, 0xFF);
        ulong Dw(int i) => BinaryPrimitives.ReadUInt64LittleEndian(descriptor.AsSpan(i * DoubleWord, DoubleWord));
        static bool Whole(ulong dw) => (uint)dw == ~(uint)(dw >> 32);

        var kind = Dw(0) switch { InstallMagic => SwapKind.Install, RevertMagic => SwapKind.Revert, _ => SwapKind.None };
        string? invalid =
            descriptor.All(b => b == 0xFF) ? "erased"
            : kind == SwapKind.None ? $"DW0 {Dw(0):X16} is neither magic"
            : !Whole(Dw(1)) ? "sequence is not value|~value"
            : !Whole(Dw(2)) ? "pages is not value|~value"
            : !Whole(Dw(3)) ? "CRC is not value|~value"
            : (uint)Dw(3) != ImageCrc.Compute(descriptor.AsSpan(0, 3 * DoubleWord)) ? "CRC mismatch"
            : (uint)Dw(2) > slotPages ? $"{(uint)Dw(2)} pages is more than the slot's {slotPages}"
            : null;
        if (invalid is not null)
            return new SwapStatusArea(index, area.Base, false, invalid, kind, 0, 0, 0, 0);

        var pages = (uint)Dw(2);
        var steps = kind == SwapKind.Install ? 2 * pages : pages;
        // Steps done: the leading records with any bit at 0.
        uint done = 0;
        while (done < steps && BinaryPrimitives.ReadUInt64LittleEndian(
                   memory.Read(area.Base + DescriptorSize + done * DoubleWord, DoubleWord, 0xFF)) != ulong.MaxValue)
            done++;
        return new SwapStatusArea(index, area.Base, true, null, kind, (uint)Dw(1), pages, done, steps);
    }
}

/// <param name="Index">Area 0 or 1.</param>
/// <param name="Invalid">Why the area is not valid (null when it is).</param>
/// <param name="Steps">2n for an install of n pages, n for a revert.</param>
public sealed record SwapStatusArea(int Index, uint Base, bool Valid, string? Invalid, SwapKind Kind, uint Sequence, uint Pages, uint StepsDone, uint Steps)
{
    public bool Finished => Valid && StepsDone == Steps;

    public override string ToString() => Valid
        ? $"{Kind.ToString().ToLowerInvariant()}, sequence {Sequence}, {Pages} pages, {StepsDone} of {Steps} steps done{(Finished ? " (finished)" : "")}"
        : $"not valid: {Invalid}";
}
