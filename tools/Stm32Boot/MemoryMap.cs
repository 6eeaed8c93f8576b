using System.Numerics;

namespace Stm32Boot;

/// <summary>
/// Flash and RAM layout (docs/design.md §3), built from the MemoryMap block of build/settings.json and SlotMode. The
/// header follows the bootloader, the image follows the header and runs to the end of flash (SlotMode single) or to
/// the end of bank 1 (SlotMode swap, where bank 2 holds the previous image, the secondary slot and the swap status).
/// </summary>
public sealed class MemoryMap
{
    /// <summary>The STM32L475's one-time-programmable area (RM0351 §3.3.1 "Flash memory organization": 1 KB, 128
    /// double words, at 0x1FFF7000-0x1FFF73FF in the information block). A double word there is programmed once
    /// and can never be erased: the only memory on this chip whose content can only move one way.</summary>
    public static readonly MemoryRegion Otp = new("OTP", 0x1FFF7000, 0x400);

    /// <summary>The flash sizes the STM32L475 is made with: the size letter of its part number, C = 256 Kbytes,
    /// E = 512 Kbytes, G = 1 Mbyte (DS10969, STM32L475xx datasheet, "Ordering information"; RM0351 §3.3.1 "Flash memory
    /// organization" for the 1 MB layout of 2 KB pages). Any other size would compile into a linker script for a chip
    /// that does not exist and fail only later, or boot on a real chip with addresses past its end.</summary>
    public static readonly IReadOnlyList<uint> ChipFlashSizes = [0x40000, 0x80000, 0x100000];

    /// <summary>Flash, OTP included, is programmed a double word (64 bits) at a time (RM0351 §3.3.7 "Standard
    /// programming"), so an OTP record or a swap status record is 8 bytes.</summary>
    public const uint FlashDoubleWord = 8;

    /// <summary>An OTP record: one flash double word.</summary>
    public const uint OtpDoubleWord = FlashDoubleWord;

    /// <summary>What a swap status area holds, in flash double words: the descriptor (magic, sequence, pages, CRC)
    /// and then one step record per step; an install of n pages takes 2n steps, the most any operation takes
    /// (bootloader/core/slot_swap.h).</summary>
    public const uint SwapStatusDescriptorDoubleWords = 4;

    private MemoryMap(uint flashBase, uint flashSize, uint pageSize, uint bootloaderSize, uint headerSize,
        MemoryRegion sram1, MemoryRegion sram2, MemoryRegion sram2Alias, MemoryRegion rollbackOtp, SlotMode slotMode)
    {
        Flash = new MemoryRegion("flash", flashBase, flashSize);
        PageSize = pageSize;
        SlotMode = slotMode;
        Bootloader = new MemoryRegion("bootloader", flashBase, bootloaderSize);
        Header = new MemoryRegion("header", (uint)Bootloader.End, headerSize);
        // Swap: the primary slot is the rest of bank 1, so that bank 2 can be erased and programmed while the
        // bootloader runs from bank 1 without stalling its fetches (RM0351 §3.3.1 dual-bank organisation,
        // §3.3.5 read-while-write).
        var slotEnd = slotMode == SlotMode.Swap ? Bank2Base(flashBase, flashSize) : Flash.End;
        Image = new MemoryRegion("image", (uint)Header.End, (uint)(slotEnd - Header.End));
        Slot = new MemoryRegion("primary slot", Header.Base, (uint)(slotEnd - Header.Base));
        Sram1 = sram1;
        Sram2 = sram2;
        Sram2Alias = sram2Alias;
        RollbackOtp = rollbackOtp;
        if (slotMode != SlotMode.Swap)
            return;

        var bank2 = (uint)slotEnd;
        Previous = new MemoryRegion("previous", bank2, Slot.Size);
        Secondary = new MemoryRegion("secondary", bank2 + pageSize, Slot.Size);
        SwapStatusAreaSize = StatusAreaSize(Slot.Size, pageSize);
        SwapStatus = new MemoryRegion("swap status", (uint)Secondary.End, 2 * SwapStatusAreaSize);
        Free = new MemoryRegion("free", (uint)SwapStatus.End, (uint)(Flash.End - SwapStatus.End));
    }

    /// <summary>The first address of bank 2: every STM32L475 flash size is two banks of half of it (RM0351 §3.3.1
    /// "Flash memory organization": 1 MB as 2 x 256 pages of 2 KB, the smaller parts as two banks alike).</summary>
    private static ulong Bank2Base(uint flashBase, uint flashSize) => (ulong)flashBase + flashSize / 2;

    /// <summary>One swap status area: the descriptor and 2 step records per slot page, in whole pages (an area is
    /// erased page by page).</summary>
    private static uint StatusAreaSize(uint slotSize, uint pageSize)
    {
        var bytes = (SwapStatusDescriptorDoubleWords + 2 * (slotSize / pageSize)) * FlashDoubleWord;
        return (bytes + pageSize - 1) / pageSize * pageSize;
    }

    public MemoryRegion Flash { get; }
    public uint PageSize { get; }
    public SlotMode SlotMode { get; }
    public MemoryRegion Bootloader { get; }
    public MemoryRegion Header { get; }
    public MemoryRegion Image { get; }

    /// <summary>The primary slot: header page(s) and image region (MM_SLOT_SIZE); the unit a swap moves.</summary>
    public MemoryRegion Slot { get; }

    /// <summary>Swap only: the first page of bank 2 and on, Slot.Size bytes: where a swap leaves the image it
    /// replaced, one page lower than <see cref="Secondary"/> (the two overlap by all but a page).</summary>
    public MemoryRegion? Previous { get; }

    /// <summary>Swap only: where an update is written (header page first), one page into bank 2.</summary>
    public MemoryRegion? Secondary { get; }

    /// <summary>Swap only: the two status areas, contiguous, right after the secondary slot.</summary>
    public MemoryRegion? SwapStatus { get; }

    /// <summary>Swap only: the size of one status area (0 in single mode).</summary>
    public uint SwapStatusAreaSize { get; }

    /// <summary>Swap only: the rest of bank 2, which the bootloader never touches (the application may use it).</summary>
    public MemoryRegion? Free { get; }

    /// <summary>Swap only: status area 0 and 1.</summary>
    public IReadOnlyList<MemoryRegion> SwapStatusAreas => SwapStatus is { } status
        ? [new MemoryRegion("swap status 0", status.Base, SwapStatusAreaSize), new MemoryRegion("swap status 1", status.Base + SwapStatusAreaSize, SwapStatusAreaSize)]
        : [];

    /// <summary>Pages of a slot (the primary, the secondary and the previous are all this size).</summary>
    public uint SlotPages => Slot.Size / PageSize;
    public MemoryRegion Sram1 { get; }
    public MemoryRegion Sram2 { get; }

    /// <summary>SRAM2 seen at a second address (RM0351 chapter 2, "Embedded SRAM": on the STM32L47x SRAM2 is also
    /// accessible at 0x20018000, right after SRAM1), so one stack or heap can run across both: a layout many linker
    /// scripts use, with the initial stack pointer at 0x20020000.</summary>
    public MemoryRegion Sram2Alias { get; }

    /// <summary>The part of the OTP area that holds the anti-rollback minimum security counter: one double word per
    /// raise, so its size / 8 is how many times the minimum can ever be raised.</summary>
    public MemoryRegion RollbackOtp { get; }

    /// <summary>Where an initial stack pointer may point: every RAM address range, the alias included.</summary>
    public IReadOnlyList<MemoryRegion> RamRegions => [Sram1, Sram2, Sram2Alias];

    /// <summary>The flash regions in address order, for reports; they do not overlap, so a byte counts in one at most.
    /// In swap mode the previous slot is named by its first page only: the rest of it is the secondary slot's
    /// address range.</summary>
    public IReadOnlyList<MemoryRegion> FlashRegions =>
        SlotMode == SlotMode.Swap
            ? new[]
                {
                    Bootloader, Header, Image, new MemoryRegion("previous, first page", Previous!.Base, PageSize), Secondary!,
                    SwapStatusAreas[0], SwapStatusAreas[1], Free!,
                }.Where(r => r.Size > 0).ToList()
            : [Bootloader, Header, Image];

    /// <summary>Validates the raw numbers; each message names the settings key that is wrong.</summary>
    public static MemoryMap Create(uint flashBase, uint flashSize, uint pageSize, uint bootloaderSize,
        uint headerSize, uint sram1Base, uint sram1Size, uint sram2Base, uint sram2Size, uint sram2AliasBase,
        uint rollbackOtpBase, uint rollbackOtpSize, SlotMode slotMode = SlotMode.Single)
    {
        if (pageSize == 0 || !BitOperations.IsPow2(pageSize))
            throw new Stm32BootException($"MemoryMap.PageSize {HexNumber.Format(pageSize)} is not a power of two.");
        RequirePageMultiple("FlashBase", flashBase, pageSize);
        RequirePageMultiple("FlashSize", flashSize, pageSize);
        RequirePageMultiple("BootloaderSize", bootloaderSize, pageSize);
        RequirePageMultiple("HeaderSize", headerSize, pageSize);
        RequireNonZero("FlashSize", flashSize);
        if (!ChipFlashSizes.Contains(flashSize))
            throw new Stm32BootException($"MemoryMap.FlashSize {HexNumber.Format(flashSize)} is not a flash size of the STM32L475: it comes with " +
                                         $"{string.Join(", ", ChipFlashSizes.Select(HexNumber.Format))} (256 KB, 512 KB, 1 MB: part numbers " +
                                         "STM32L475xC, xE, xG).");
        RequireNonZero("BootloaderSize", bootloaderSize);
        if (headerSize < ImageHeader.Size)
            throw new Stm32BootException($"MemoryMap.HeaderSize {HexNumber.Format(headerSize)} cannot hold the {ImageHeader.Size}-byte image header.");
        var flash = new MemoryRegion("flash", flashBase, flashSize);
        if (flash.End > 1UL << 32)
            throw new Stm32BootException($"MemoryMap.FlashBase + FlashSize runs past the 4 GB address space ({flash}).");
        if ((ulong)bootloaderSize + headerSize >= flashSize)
            throw new Stm32BootException($"MemoryMap.BootloaderSize {HexNumber.Format(bootloaderSize)} + HeaderSize {HexNumber.Format(headerSize)} " +
                          $"leaves no room for the application image in FlashSize {HexNumber.Format(flashSize)}.");

        if (slotMode == SlotMode.Swap)
            RequireSwapFits(flashSize, pageSize, bootloaderSize, headerSize);

        var sram1 = Ram("SRAM1", "Sram1", sram1Base, sram1Size);
        var sram2 = Ram("SRAM2", "Sram2", sram2Base, sram2Size);
        var sram2Alias = new MemoryRegion("SRAM2 alias", sram2AliasBase, sram2Size);
        if (sram2Alias.End > 1UL << 32)
            throw new Stm32BootException($"MemoryMap.Sram2AliasBase + Sram2Size runs past the 4 GB address space ({sram2Alias}).");
        foreach (var (a, b) in new[] { (sram1, flash), (sram2, flash), (sram2, sram1), (sram2Alias, flash), (sram2Alias, sram1), (sram2Alias, sram2) })
            if (a.Overlaps(b))
                throw new Stm32BootException($"MemoryMap {a} overlaps {b}.");
        var rollbackOtp = RollbackArea(rollbackOtpBase, rollbackOtpSize);
        return new MemoryMap(flashBase, flashSize, pageSize, bootloaderSize, headerSize, sram1, sram2, sram2Alias, rollbackOtp, slotMode);
    }

    /// <summary>Swap: the bootloader and a primary slot (header and at least one image page) in bank 1; in bank 2 the
    /// previous slot's first page, the secondary slot (as large as the primary) and two status areas.</summary>
    private static void RequireSwapFits(uint flashSize, uint pageSize, uint bootloaderSize, uint headerSize)
    {
        var bank = flashSize / 2;
        if ((ulong)bootloaderSize + headerSize >= bank)
            throw new Stm32BootException($"SlotMode swap: MemoryMap.BootloaderSize {HexNumber.Format(bootloaderSize)} + HeaderSize {HexNumber.Format(headerSize)} " +
                                         $"leaves no room for the primary slot's image in bank 1 ({HexNumber.Format(bank)} bytes, half of FlashSize " +
                                         $"{HexNumber.Format(flashSize)}, RM0351 §3.3.1): in swap mode the primary slot ends with bank 1.");
        if (SwapFits(bank, pageSize, bootloaderSize, out var slot, out var area, out var needed))
            return;
        // A larger bootloader region shrinks both slots and with them the status areas: the smallest that fits.
        var smallest = bootloaderSize;
        while (!SwapFits(bank, pageSize, smallest, out _, out _, out _))
            smallest += pageSize;
        throw new Stm32BootException($"SlotMode swap does not fit: bank 2 ({HexNumber.Format(bank)} bytes) must hold the previous image's first page " +
                                     $"({HexNumber.Format(pageSize)}) + the secondary slot ({HexNumber.Format(slot)}, as large as the primary: bank 1 less " +
                                     $"MemoryMap.BootloaderSize) + two swap status areas (2 x {HexNumber.Format(area)}) = {HexNumber.Format((uint)needed)}; " +
                                     $"MemoryMap.BootloaderSize must be at least {HexNumber.Format(smallest)}.");
    }

    private static bool SwapFits(uint bank, uint pageSize, uint bootloaderSize, out uint slot, out uint area, out ulong needed)
    {
        slot = bank - bootloaderSize;
        area = StatusAreaSize(slot, pageSize);
        needed = (ulong)pageSize + slot + 2UL * area;
        return needed <= bank;
    }

    private static MemoryRegion RollbackArea(uint @base, uint size)
    {
        // Double-word records: an unaligned base or a size that is not whole double words would leave a record
        // straddling two double words, which the flash cannot program as one (RM0351 §3.3.7; a misaligned double word sets PGAERR, §3.7.5).
        if (@base % OtpDoubleWord != 0)
            throw new Stm32BootException($"MemoryMap.RollbackOtpBase {HexNumber.Format(@base)} is not a multiple of {OtpDoubleWord} " +
                                         "(the OTP area is programmed a double word at a time).");
        if (size == 0 || size % OtpDoubleWord != 0)
            throw new Stm32BootException($"MemoryMap.RollbackOtpSize {HexNumber.Format(size)} must be a non-zero multiple of {OtpDoubleWord} " +
                                         "(one double word per raise of the minimum security counter).");
        var region = new MemoryRegion("rollback OTP", @base, size);
        if (@base < Otp.Base || region.End > Otp.End)
            throw new Stm32BootException($"MemoryMap.RollbackOtpBase {HexNumber.Format(@base)} + RollbackOtpSize {HexNumber.Format(size)} is not " +
                                         $"inside the STM32L475's OTP area {HexNumber.Format(Otp.Base)}–{HexNumber.Format(Otp.Last)} (RM0351 §3.3.1).");
        return region;
    }

    private static MemoryRegion Ram(string name, string key, uint @base, uint size)
    {
        RequireNonZero(key + "Size", size);
        var region = new MemoryRegion(name, @base, size);
        if (region.End > 1UL << 32)
            throw new Stm32BootException($"MemoryMap.{key}Base + {key}Size runs past the 4 GB address space ({region}).");
        return region;
    }

    private static void RequirePageMultiple(string key, uint value, uint pageSize)
    {
        if (value % pageSize != 0)
            throw new Stm32BootException($"MemoryMap.{key} {HexNumber.Format(value)} is not a multiple of the page size {HexNumber.Format(pageSize)}.");
    }

    private static void RequireNonZero(string key, uint value)
    {
        if (value == 0)
            throw new Stm32BootException($"MemoryMap.{key} must not be 0.");
    }
}
