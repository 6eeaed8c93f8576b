// One program or erase operation of the flash array, as Flash reports it when it starts and when it ends, so the
// board can count operations and cut power after the N-th one or in the middle of one.
namespace Stm32Boot.VirtualBoard.Peripherals;

public enum FlashOperationKind
{
    /// FLASH_CR.PER + STRT: one 2 KB page of one bank.
    PageErase,
    /// FLASH_CR.MER1 and/or MER2 + STRT: one bank (512 KB) or both.
    MassErase,
    /// FLASH_CR.PG: one 64-bit double word.
    DoubleWordProgram,
    /// FLASH_CR.FSTPG: one row of 32 double words (256 bytes), or the part of it written before an error.
    FastRowProgram,
    /// FLASH_CR.OPTSTRT: both option-byte pages erased and every option double word programmed (RM0351 §3.4.2).
    OptionBytesProgram,
}

/// Address is the CPU address (0x08xxxxxx; 0x1FFF7800 for the option bytes); StartPs/EndPs are virtual times (EndPs is the planned end).
public sealed record FlashOperation(FlashOperationKind Kind, uint Address, uint Length, ulong StartPs, ulong EndPs);
