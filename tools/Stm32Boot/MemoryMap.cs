using System.Numerics;

namespace Stm32Boot;

/// <summary>
/// Flash and RAM layout (docs/design.md §3), built from the MemoryMap block of build/settings.json. The header follows
/// the bootloader, the image follows the header and runs to the end of flash.
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
    /// programming"), so an OTP record is 8 bytes.</summary>
    public const uint OtpDoubleWord = 8;

    private MemoryMap(uint flashBase, uint flashSize, uint pageSize, uint bootloaderSize, uint headerSize,
        MemoryRegion sram1, MemoryRegion sram2, MemoryRegion sram2Alias, MemoryRegion rollbackOtp)
    {
        Flash = new MemoryRegion("flash", flashBase, flashSize);
        PageSize = pageSize;
        Bootloader = new MemoryRegion("bootloader", flashBase, bootloaderSize);
        Header = new MemoryRegion("header", (uint)Bootloader.End, headerSize);
        Image = new MemoryRegion("image", (uint)Header.End, (uint)(Flash.End - Header.End));
        Sram1 = sram1;
        Sram2 = sram2;
        Sram2Alias = sram2Alias;
        RollbackOtp = rollbackOtp;
    }

    public MemoryRegion Flash { get; }
    public uint PageSize { get; }
    public MemoryRegion Bootloader { get; }
    public MemoryRegion Header { get; }
    public MemoryRegion Image { get; }
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

    /// <summary>The flash regions in address order, for reports.</summary>
    public IReadOnlyList<MemoryRegion> FlashRegions => [Bootloader, Header, Image];

    /// <summary>Validates the raw numbers; each message names the settings key that is wrong.</summary>
    public static MemoryMap Create(uint flashBase, uint flashSize, uint pageSize, uint bootloaderSize,
        uint headerSize, uint sram1Base, uint sram1Size, uint sram2Base, uint sram2Size, uint sram2AliasBase,
        uint rollbackOtpBase, uint rollbackOtpSize)
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

        var sram1 = Ram("SRAM1", "Sram1", sram1Base, sram1Size);
        var sram2 = Ram("SRAM2", "Sram2", sram2Base, sram2Size);
        var sram2Alias = new MemoryRegion("SRAM2 alias", sram2AliasBase, sram2Size);
        if (sram2Alias.End > 1UL << 32)
            throw new Stm32BootException($"MemoryMap.Sram2AliasBase + Sram2Size runs past the 4 GB address space ({sram2Alias}).");
        foreach (var (a, b) in new[] { (sram1, flash), (sram2, flash), (sram2, sram1), (sram2Alias, flash), (sram2Alias, sram1), (sram2Alias, sram2) })
            if (a.Overlaps(b))
                throw new Stm32BootException($"MemoryMap {a} overlaps {b}.");
        var rollbackOtp = RollbackArea(rollbackOtpBase, rollbackOtpSize);
        return new MemoryMap(flashBase, flashSize, pageSize, bootloaderSize, headerSize, sram1, sram2, sram2Alias, rollbackOtp);
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
