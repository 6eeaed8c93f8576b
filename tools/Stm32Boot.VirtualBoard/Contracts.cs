// The seams between the Cortex-M4 core of the virtual board and its peripheral models.
// A peripheral never touches Unicorn: it sees register reads/writes, the virtual clock and the board services.
namespace Stm32Boot.VirtualBoard;

/// Why a peripheral is being reset. Backup-domain state (RTC backup registers, BDCR) survives System.
public enum ResetKind { PowerOn, System }

/// A memory-mapped register block, modelled after RM0351. Offsets are relative to <see cref="Base"/>.
/// An access the model does not implement calls <see cref="IBoard.Fault"/> with the register name or offset:
/// it never silently reads 0.
public interface IPeripheral
{
    string Name { get; }
    uint Base { get; }
    uint Size { get; }
    /// size is 1, 2 or 4 bytes; offset is within [0, Size).
    uint Read(uint offset, int size);
    void Write(uint offset, int size, uint value);
    void Reset(ResetKind kind);
}

/// Virtual time. Advances with executed instructions (one cycle each at the current SYSCLK) and with scheduled
/// peripheral events (flash program/erase durations, UART bit times). Deterministic: no wall-clock input.
public interface IVirtualClock
{
    /// Virtual time in picoseconds since the board was created; monotonic across resets and power cycles, so
    /// timestamps of one test run (LED edges, UART bytes) stay comparable.
    ulong NowPs { get; }
    /// Current core clock in Hz (RCC model sets it when the firmware switches SYSCLK; reset: MSI 4 MHz).
    uint SysclkHz { get; set; }
    /// Run callback when virtual time reaches atPs (>= NowPs). Returns a handle for Cancel.
    long Schedule(ulong atPs, Action callback);
    void Cancel(long handle);
}

/// What a peripheral may ask of the board around it.
public interface IBoard
{
    IVirtualClock Clock { get; }
    /// Set an external interrupt (IRQn as in RM0351's vector table: USART1 = 37, OTG_FS = 67) pending, or
    /// (level-triggered lines) report the line's level; the NVIC model decides when to take it.
    void SetIrqLevel(int irqn, bool asserted);
    /// Stop the run with a clear message (unmodelled register, forbidden access); the message names the
    /// peripheral, the offset and the value; the core adds the PC.
    void Fault(string message);
    /// Flash contents changed under the CPU (erase/program): drop translated code for the range on every alias.
    void InvalidateCode(uint address, uint length);
    /// SCB_AIRCR.SYSRESETREQ or IWDG expiry: a system reset at the end of the current instruction block.
    void RequestSystemReset(string reason);
    /// The level of one source of the core's NMI (RM0351: flash ECC double error, clock security system, SRAM2
    /// parity error). The NMI is pending while any source is asserted, so a handler that returns without clearing
    /// its cause is entered again at once, as on silicon.
    void SetNmiLevel(string source, bool asserted);
    /// Route every CPU read of this flash range (both aliases, loads and instruction fetches) through
    /// IFlashBus.ReadArray (on), or map it back as plain memory (off). Costs speed only inside the range.
    void CheckFlashReads(uint address, uint length, bool on);
    /// The whole 1 MB flash array (index 0 = 0x08000000); mapped into the CPU at 0x0 and 0x08000000.
    byte[] Flash { get; }
    /// A program or erase operation runs in this flash range (whole banks) from now on (stalled) or has ended: the
    /// CPU makes no progress while it would fetch from there, and takes no exception whose vector is there, until
    /// the operation ends; peripherals, DMA and timers go on in virtual time (RM0351 §3.3, flash program and erase
    /// operations: a read of the bank being programmed or erased stalls the bus; read-while-write works only across
    /// the two banks).
    void StallFlashReads(uint address, uint length, bool stalled);
    /// A bus master other than the CPU (DMA) reads or writes size bytes at address: SRAM, the flash array (read
    /// only) or a modelled peripheral register, with the peripheral's side effects. False: nothing answers there,
    /// a bus error on silicon.
    bool TryBusMasterRead(uint address, int size, out uint value);
    bool TryBusMasterWrite(uint address, int size, uint value);
}

/// The flash memory array as the CPU's data bus sees it (added by the core helper). Unicorn maps flash read-only:
/// every CPU store into 0x00000000-0x000FFFFF or 0x08000000-0x080FFFFF is handed to the flash model here, with
/// address rebased to 0x08000000, and the model decides per RM0351 (PG/FSTPG set or not, double-word pairing, size)
/// what the array holds. The core restores the array bytes Unicorn itself stored, right after the instruction
/// block, so only what the model puts into IBoard.Flash survives.
public interface IFlashBus
{
    /// address: the flash array (rebased to 0x08000000) or the OTP area (Machine.OtpBase, as the CPU stored it).
    void WriteArray(uint address, int size, uint value);
    /// A CPU read of size bytes at address (rebased to 0x08000000) inside a range the model asked the board to
    /// check (IBoard.CheckFlashReads); the CPU gets the array bytes, the model only reacts (ECC error detection).
    void ReadArray(uint address, int size);
    /// A CPU read of size bytes (1, 2 or 4) in the OTP area (Machine.OtpBase..+OtpSize), which the board maps to the
    /// model alone: the model returns the bytes (little-endian) and reacts (ECC error detection).
    uint ReadOtp(uint address, int size);
}
