// Flash memory interface (RM0351 §3): the register block at 0x40022000 and the rules for writing the 1 MB array
// (two banks of 256 pages of 2 KB). Programming and erasing change IBoard.Flash only when the operation ends, after
// its DS10969 duration, so firmware sees BSY and a power cut can land inside an operation. While an operation runs,
// its bank cannot be read: the board stalls the core's fetches from it (IBoard.StallFlashReads). An operation cut short by
// a reset (power cut or system reset) leaves its range in neither the old nor the new state, with an ECC that no
// longer matches (see ApplyTorn): reading it then raises the ECC double-error NMI until the page is erased.
//
// The option bytes (RM0351 §3.4) live in their own pages (OptionByteFlash): OPTSTRT programs the option registers
// into them, and they take effect when loaded, at power-on and through OBL_LAUNCH; the loaded values protect pages
// against erase and program (WRP, PCROP) and configure the rest of the chip (RDP, IWDG_SW, BFB2).
//
// The OTP area (RM0351 §3.3.1, Table 7 "Flash module - 1 MB dual bank organization": 0x1FFF7000-0x1FFF73FF, 1 KB,
// in bank 1's information block) is kept here too, beside the array, and outlives resets and power cycles like it.
// RM0351 §3.3.1: "128 double words ... The OTP data cannot be erased and can be written only once. If only one bit
// is at 0, the entire double word cannot be written anymore, even with the value 0x0000 0000 0000 0000." It is
// programmed like the main array (ST's HAL: IS_FLASH_PROGRAM_ADDRESS admits IS_FLASH_OTP_ADDRESS for
// FLASH_TYPEPROGRAM_DOUBLEWORD), so the model gives it the same sequence, checks and time, with PROGERR on any double
// word that is not fully erased (RM0351 §3.7.5). No erase reaches it: PNB numbers main pages only, MER1/MER2 erase
// the main banks, and the RDP 1 -> 0 regression mass-erases the main memory (ST's sibling manual for this flash
// interface, RM0444 §3.5.1, adds "The OTP area is not affected by mass erase and remains unchanged"). Being in
// bank 1, an OTP program stalls bank-1 fetches as a bank-1 program does (read-while-write only works across the
// banks, RM0351 §3.3, flash program and erase operations), an inference from Table 7: RM0351 says no more. It has ECC like every flash double word: a program cut short tears it
// (ApplyTorn), and reading a torn one sets FLASH_ECCR.ECCD with SYSF_ECC ("System Flash ECC fail: the ECC error is
// located in the System Flash", RM0351 §3.7.7) and raises the NMI.
namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed class Flash : MmioPeripheral, IFlashBus
{
    public const uint BaseAddress = 0x4002_2000;
    public const uint ArrayBase = 0x0800_0000;
    public const int FlashIrq = 4; // RM0351 Table 57: FLASH global interrupt

    private const uint FLASH_ACR = 0x00, FLASH_PDKEYR = 0x04, FLASH_KEYR = 0x08, FLASH_OPTKEYR = 0x0C,
        FLASH_SR = 0x10, FLASH_CR = 0x14, FLASH_ECCR = 0x18, FLASH_OPTR = 0x20, FLASH_PCROP1SR = 0x24,
        FLASH_PCROP1ER = 0x28, FLASH_WRP1AR = 0x2C, FLASH_WRP1BR = 0x30, FLASH_PCROP2SR = 0x44, FLASH_PCROP2ER = 0x48,
        FLASH_WRP2AR = 0x4C, FLASH_WRP2BR = 0x50;
    /// The option registers in the order of OptionBytes.Registers.
    private static readonly uint[] OptionRegisterOffsets =
        [FLASH_OPTR, FLASH_PCROP1SR, FLASH_PCROP1ER, FLASH_WRP1AR, FLASH_WRP1BR, FLASH_PCROP2SR, FLASH_PCROP2ER, FLASH_WRP2AR, FLASH_WRP2BR];

    // FLASH_ACR (RM0351 §3.7.1)
    private const uint FLASH_ACR_LATENCY = 7u << 0, FLASH_ACR_PRFTEN = 1u << 8, FLASH_ACR_ICEN = 1u << 9,
        FLASH_ACR_DCEN = 1u << 10, FLASH_ACR_ICRST = 1u << 11, FLASH_ACR_DCRST = 1u << 12,
        FLASH_ACR_RUN_PD = 1u << 13, FLASH_ACR_SLEEP_PD = 1u << 14;
    private const uint FLASH_ACR_RESET = FLASH_ACR_ICEN | FLASH_ACR_DCEN;

    // FLASH_KEYR / FLASH_OPTKEYR (RM0351 §3.7.3-3.7.4)
    public const uint KEY1 = 0x4567_0123, KEY2 = 0xCDEF_89AB, OPTKEY1 = 0x0819_2A3B, OPTKEY2 = 0x4C5D_6E7F;

    // FLASH_SR (RM0351 §3.7.5)
    private const uint FLASH_SR_EOP = 1u << 0, FLASH_SR_OPERR = 1u << 1, FLASH_SR_PROGERR = 1u << 3,
        FLASH_SR_WRPERR = 1u << 4, FLASH_SR_PGAERR = 1u << 5, FLASH_SR_SIZERR = 1u << 6, FLASH_SR_PGSERR = 1u << 7,
        FLASH_SR_MISERR = 1u << 8, FLASH_SR_FASTERR = 1u << 9, FLASH_SR_RDERR = 1u << 14,
        FLASH_SR_OPTVERR = 1u << 15, FLASH_SR_BSY = 1u << 16;
    private const uint FLASH_SR_CLEARABLE = FLASH_SR_EOP | FLASH_SR_OPERR | FLASH_SR_PROGERR | FLASH_SR_WRPERR |
        FLASH_SR_PGAERR | FLASH_SR_SIZERR | FLASH_SR_PGSERR | FLASH_SR_MISERR | FLASH_SR_FASTERR | FLASH_SR_RDERR |
        FLASH_SR_OPTVERR;
    /// RM0351 §3.7.5 PGSERR: a new operation while any of these is still set fails with PGSERR.
    private const uint FLASH_SR_PROGRAMMING_ERRORS = FLASH_SR_PROGERR | FLASH_SR_PGAERR | FLASH_SR_SIZERR |
        FLASH_SR_PGSERR | FLASH_SR_MISERR | FLASH_SR_FASTERR;

    // FLASH_CR (RM0351 §3.7.6)
    private const uint FLASH_CR_PG = 1u << 0, FLASH_CR_PER = 1u << 1, FLASH_CR_MER1 = 1u << 2,
        FLASH_CR_PNB = 0xFFu << 3, FLASH_CR_BKER = 1u << 11, FLASH_CR_MER2 = 1u << 15, FLASH_CR_STRT = 1u << 16,
        FLASH_CR_OPTSTRT = 1u << 17, FLASH_CR_FSTPG = 1u << 18, FLASH_CR_EOPIE = 1u << 24,
        FLASH_CR_ERRIE = 1u << 25, FLASH_CR_RDERRIE = 1u << 26, FLASH_CR_OBL_LAUNCH = 1u << 27,
        FLASH_CR_OPTLOCK = 1u << 30, FLASH_CR_LOCK = 1u << 31;
    private const uint FLASH_CR_WRITABLE = FLASH_CR_PG | FLASH_CR_PER | FLASH_CR_MER1 | FLASH_CR_PNB | FLASH_CR_BKER |
        FLASH_CR_MER2 | FLASH_CR_STRT | FLASH_CR_OPTSTRT | FLASH_CR_FSTPG | FLASH_CR_EOPIE | FLASH_CR_ERRIE |
        FLASH_CR_RDERRIE | FLASH_CR_OBL_LAUNCH | FLASH_CR_OPTLOCK | FLASH_CR_LOCK;
    /// Bits that select or start an operation: changing them while BSY is a firmware error.
    private const uint FLASH_CR_OPERATION_BITS = FLASH_CR_PG | FLASH_CR_PER | FLASH_CR_MER1 | FLASH_CR_PNB |
        FLASH_CR_BKER | FLASH_CR_MER2 | FLASH_CR_STRT | FLASH_CR_FSTPG | FLASH_CR_OPTSTRT | FLASH_CR_OBL_LAUNCH;
    private const uint FLASH_CR_RESET = FLASH_CR_LOCK | FLASH_CR_OPTLOCK;

    // FLASH_ECCR (RM0351 §3.7.7). ADDR_ECC is the double word's byte offset inside its bank.
    private const uint FLASH_ECCR_ADDR_ECC = 0x7FFFFu, FLASH_ECCR_BK_ECC = 1u << 19, FLASH_ECCR_SYSF_ECC = 1u << 20,
        FLASH_ECCR_ECCIE = 1u << 24, FLASH_ECCR_ECCC = 1u << 30, FLASH_ECCR_ECCD = 1u << 31;

    /// Bank 1's information block starts with the system memory at 0x1FFF0000 (RM0351 Table 7). For an error there
    /// (SYSF_ECC), RM0351 names no origin for ADDR_ECC; the model counts from the block's start, as ADDR_ECC counts
    /// from the bank's start for the main memory (0x1FFF7000 + n reads as 0x7000 + n).
    private const uint InformationBlock1Base = 0x1FFF_0000;

    /// Two banks, each half of the flash (RM0351 §3.3.1; BoardDescription.FlashSize).
    public const uint PageSize = 2048, RowSize = 256, BankSize = BoardDescription.FlashSize / 2, PagesPerBank = BankSize / PageSize;
    private const int DoubleWordsPerRow = 32;

    // DS10969 §6.3.10 "Flash memory characteristics", typical values. Public for the benchmarks, which set flash
    // work against the time these operations take (one source of truth for the durations).
    public static readonly ulong DoubleWordProgramPs = VirtualTime.Microseconds(81.69);
    public static readonly ulong FastRowProgramPs = VirtualTime.Milliseconds(4.00);
    public static readonly ulong PageErasePs = VirtualTime.Milliseconds(22.02);
    public static readonly ulong MassErasePs = VirtualTime.Milliseconds(22.13);

    /// RM0351 §3.3.3 Table 9: the highest HCLK for 0, 1, 2, ... wait states, in voltage range 1 and range 2.
    private static readonly uint[] Range1MaxHclk = [16_000_000, 32_000_000, 48_000_000, 64_000_000, 80_000_000];
    private static readonly uint[] Range2MaxHclk = [6_000_000, 12_000_000, 18_000_000, 26_000_000];

    private readonly Rcc _rcc;
    private readonly Pwr _pwr;
    private readonly VirtualTimer _operationTimer;
    private readonly VirtualTimer _fastDeadline;

    private uint _acr, _sr, _cr, _eccr;
    private bool _keyAccepted, _optKeyAccepted, _lockedUntilReset, _optLockedUntilReset;
    private (uint Address, uint Value)? _firstWord;
    private PendingOperation? _operation;
    private FastRow? _fastRow;
    /// Array offsets of the double words whose ECC does not match their data. Like the array, they outlive resets.
    private readonly HashSet<uint> _eccErrors = new();
    /// The OTP area's bytes (index 0 = Machine.OtpBase); erased at first, then only ever programmed.
    private readonly byte[] _otp = Enumerable.Repeat((byte)0xFF, (int)Machine.OtpSize).ToArray();
    /// OTP offsets of the double words whose ECC does not match their data (a program cut short); nothing repairs them.
    private readonly HashSet<uint> _otpEccErrors = new();
    /// Pages (by number) holding a double word whose ECC does not match.
    private readonly HashSet<uint> _eccPages = new();
    /// The flash ranges (array offset, length) whose CPU reads the board routes through ReadArray: runs of pages with
    /// a bad ECC or inside a PCROP area, as few as possible (the emulator takes a limited number of remapped ranges).
    private readonly List<(uint Offset, uint Length)> _checkedRuns = new();

    /// The option-byte pages; like the array they outlive resets and power cycles. Factory-fresh at first.
    private readonly OptionByteFlash _optionFlash = new(OptionBytes.Factory);
    /// The internal option registers (RM0351 §3.4.2): what the last option byte loading put in force.
    private OptionBytes _loaded = OptionBytes.Factory;
    private bool _optionLoadError;
    /// FLASH_OPTR and the other option registers as software reads and writes them: the loaded values at every
    /// reset, then whatever software wrote, which OPTSTRT programs (RM0351 §3.4.2, last paragraph of "Option byte
    /// loading"). Between OPTSTRT and the next loading they read the new values while the old ones stay in force.
    private OptionBytes _optionRegisters = OptionBytes.Factory;
    private bool _loadOptionsAtReset;
    private (ulong StartPs, OptionBytes Target, FlashOperation Info)? _optionOperation;

    /// An operation in flight: what it will write when it ends (null = erase to 0xFF).
    private sealed record PendingOperation(FlashOperation Info, byte[]? Content);

    /// A fast-programming row being received word by word (RM0351 §3.3.7 "Fast programming").
    private sealed class FastRow(uint offset, ulong startPs)
    {
        public uint Offset { get; } = offset;
        public ulong StartPs { get; } = startPs;
        public byte[] Content { get; } = Enumerable.Repeat((byte)0xFF, (int)RowSize).ToArray();
        public int Words { get; set; }
    }

    public Flash(IBoard board, Rcc rcc, Pwr pwr) : base(board, "FLASH", BaseAddress, 0x400)
    {
        _rcc = rcc;
        _pwr = pwr;
        _operationTimer = new VirtualTimer(board);
        _fastDeadline = new VirtualTimer(board);
        rcc.ClocksChanged += CheckLatency;
        pwr.VoltageRangeChanged += CheckLatency;
        Reset(ResetKind.PowerOn);
    }

    /// An erase or program operation begins (BSY rises).
    public event Action<FlashOperation>? OperationStarted;

    /// An operation ended and the array holds its result (BSY falls). Not raised for one cut short by a reset.
    public event Action<FlashOperation>? OperationCompleted;

    /// Operations completed since the board was created (power cycles included).
    public long CompletedOperations { get; private set; }

    public FlashOperation? CurrentOperation =>
        _operation?.Info ?? _optionOperation?.Info ?? (_fastRow is null ? null : FastRowInfo(_fastRow));

    /// The option bytes in force: loaded at the last power-on or OBL_LAUNCH.
    public OptionBytes LoadedOptions => _loaded;

    /// The last option byte loading found a value that did not match its complement (FLASH_SR.OPTVERR at reset).
    public bool OptionLoadError => _optionLoadError;

    /// What the option-byte pages hold now (the value words, torn or not).
    public OptionBytes StoredOptions => _optionFlash.Values;

    /// Whether every stored option value matches its complement.
    public bool StoredOptionsConsistent => _optionFlash.Consistent;

    /// A programmer (ST-LINK, STM32CubeProgrammer) writes the option bytes. RM0351 §3.5.1: going from RDP level 1
    /// back to level 0 mass-erases the main flash; level 2 cannot be undone, so the virtual board refuses it.
    public void ProgramOptionBytes(OptionBytes values)
    {
        if (values.RdpLevel == 2)
            throw new ArgumentException("RDP 0xCC (level 2) is irreversible on silicon (RM0351 §3.5.1: the option bytes can never be " +
                                        "changed again); the virtual board refuses to go there.", nameof(values));
        if (_loaded.RdpLevel == 1 && values.RdpLevel == 0) EraseForRdpRegression();
        _optionFlash.Program(values);
    }

    /// Option byte loading outside a reset, for a board that is not running yet (what a programmer's OB launch
    /// leaves behind before the board is powered).
    public void LoadOptionBytes()
    {
        (_loaded, _optionLoadError) = _optionFlash.Load();
        _optionRegisters = _loaded;
        RefreshCheckedReads();
        CheckOptionsModelled();
    }

    public override void Reset(ResetKind kind)
    {
        _operationTimer.Cancel();
        _fastDeadline.Cancel();
        if (CurrentOperation is { } cut && _optionOperation is null) StallBanks(cut, false);
        if (_operation is not null) ApplyTorn(_operation.Info, _operation.Content);
        else if (_fastRow is not null) ApplyTorn(FastRowInfo(_fastRow), _fastRow.Content);
        // RM0351 §3.4.2 (and the caution ST repeats for the family): a power loss or reset while the option bytes
        // are programmed leaves them half written.
        if (_optionOperation is { } option) _optionFlash.Cut(option.Target, Board.Clock.NowPs - option.StartPs);
        _operation = null;
        _optionOperation = null;
        _fastRow = null;
        _firstWord = null;
        _acr = FLASH_ACR_RESET;
        // RM0351 §3.4.2: the option bytes are loaded after a power reset and by OBL_LAUNCH, not by other resets.
        if (kind == ResetKind.PowerOn || _loadOptionsAtReset) LoadOptionBytes();
        _loadOptionsAtReset = false;
        _optionRegisters = _loaded;
        // RM0351 §3.7.5 OPTVERR: "if option haven't been properly loaded, OPTVERR is set again after each system reset".
        _sr = _optionLoadError ? FLASH_SR_OPTVERR : 0;
        _cr = FLASH_CR_RESET;
        _eccr = 0;
        _keyAccepted = _optKeyAccepted = _lockedUntilReset = _optLockedUntilReset = false;
        Board.SetIrqLevel(FlashIrq, false);
        Board.SetNmiLevel(Name, false);
    }

    private bool Busy => _operation is not null || _fastRow is not null || _optionOperation is not null;

    private protected override uint ReadRegister(uint offset)
    {
        switch (offset)
        {
            case FLASH_ACR: return _acr;
            case FLASH_KEYR or FLASH_OPTKEYR: return 0; // write-only
            case FLASH_SR: return _sr | (Busy ? FLASH_SR_BSY : 0);
            case FLASH_CR: return _cr;
            case FLASH_ECCR: return _eccr; // SYSF_ECC (bit 20): an error in the OTP area (ReadOtp)
            case var option when Array.IndexOf(OptionRegisterOffsets, option) is var i and >= 0:
                return _optionRegisters.Registers[i].Value;
            default:
                Unmodelled(offset, offset == FLASH_PDKEYR ? "read (power-down key register)" : "read");
                return 0;
        }
    }

    private protected override void WriteRegister(uint offset, uint value, uint mask)
    {
        switch (offset)
        {
            case FLASH_ACR: WriteAcr(Merge(_acr, value, mask)); break;
            case FLASH_KEYR: RequireWholeWord(offset, mask, "FLASH_KEYR"); WriteKey(value); break;
            case FLASH_OPTKEYR: RequireWholeWord(offset, mask, "FLASH_OPTKEYR"); WriteOptionKey(value); break;
            case FLASH_SR:
                _sr &= ~(value & mask & FLASH_SR_CLEARABLE);
                UpdateIrq();
                break;
            case FLASH_CR: WriteCr(Merge(_cr, value, mask) & FLASH_CR_WRITABLE); break;
            case FLASH_ECCR: WriteEccr(value, mask); break;
            case var option when Array.IndexOf(OptionRegisterOffsets, option) is var i and >= 0:
                WriteOptionRegister(i, value, mask);
                break;
            default:
                Unmodelled(offset, offset == FLASH_PDKEYR ? "write (power-down key register)" : "write");
                break;
        }
    }

    /// ECCC and ECCD clear when written 1 (rc_w1); ECCIE is the only bit software sets; the rest is read-only.
    /// Single errors are never injected, so ECCC stays 0 and ECCIE, though kept, never raises the interrupt.
    private void WriteEccr(uint value, uint mask)
    {
        var written = value & mask;
        _eccr &= ~(written & (FLASH_ECCR_ECCC | FLASH_ECCR_ECCD));
        _eccr = (_eccr & ~(mask & FLASH_ECCR_ECCIE)) | (written & FLASH_ECCR_ECCIE);
        Board.SetNmiLevel(Name, (_eccr & FLASH_ECCR_ECCD) != 0);
    }

    /// A CPU read of the array inside a page with ECC errors (IFlashBus). RM0351 §3.3.4: two bad bits in a double
    /// word cannot be corrected; ECCD is set and the NMI raised, and the read returns the raw bits.
    public void ReadArray(uint address, int size)
    {
        var offset = address - ArrayBase;
        if (InPcropArea(offset))
        {
            // The model cannot tell an instruction fetch (allowed) from a data read (RDERR) here, and models neither.
            Board.Fault($"FLASH: CPU read of 0x{address:X8} inside a PCROP area (bank {(offset < BankSize ? 1 : 2)}: " +
                        $"{(offset < BankSize ? _loaded.PcropArea(1) : _loaded.PcropArea(2))} in double words). RM0351 §3.5.3 " +
                        "makes it execute-only: data reads fail with RDERR, so a vector fetch or a literal-pool load there breaks " +
                        "the firmware. The virtual board does not model execute-only flash. Only an RDP regression (level 1 " +
                        "to 0, mass erase) removes PCROP.");
            return;
        }
        for (var doubleWord = offset & ~7u; doubleWord < offset + (uint)size; doubleWord += 8)
        {
            if (!_eccErrors.Contains(doubleWord)) continue;
            // The first error is kept: while ECCC or ECCD is set, a new one does not update ADDR_ECC and BK_ECC.
            if ((_eccr & (FLASH_ECCR_ECCC | FLASH_ECCR_ECCD)) == 0)
                _eccr = (_eccr & FLASH_ECCR_ECCIE) | (doubleWord >= BankSize ? FLASH_ECCR_BK_ECC : 0) |
                        (doubleWord % BankSize & FLASH_ECCR_ADDR_ECC);
            _eccr |= FLASH_ECCR_ECCD;
            Board.SetNmiLevel(Name, true);
            return;
        }
    }

    /// Whether the double word holding address (main array or OTP area) has an ECC that does not match its data.
    public bool HasEccError(uint address) =>
        InOtp(address) ? _otpEccErrors.Contains((address - Machine.OtpBase) & ~7u) : _eccErrors.Contains((address - ArrayBase) & ~7u);

    /// A snapshot of the OTP area (RM0351 §3.3.1), 1 KB from Machine.OtpBase, torn double words as their bits are.
    public byte[] Otp => _otp.ToArray();

    /// A production programmer (STM32CubeProgrammer, a J-Link's write64) programs double words of the OTP area: the
    /// same write-once rule as for the CPU (RM0351 §3.3.1), so a double word with any bit at 0 is refused, and nothing
    /// is programmed unless every double word of the request can be.
    public void ProgramOtp(uint address, ReadOnlySpan<byte> bytes)
    {
        if (!InOtp(address) || bytes.Length == 0 || address % 8 != 0 || bytes.Length % 8 != 0 ||
            (ulong)address + (uint)bytes.Length > (ulong)Machine.OtpBase + Machine.OtpSize)
            throw new ArgumentOutOfRangeException(nameof(address),
                $"0x{address:X8}+{bytes.Length}: the OTP area takes whole double words (8-byte aligned, a multiple of 8 bytes) " +
                $"inside 0x{Machine.OtpBase:X8}-0x{Machine.OtpBase + Machine.OtpSize - 1:X8} (RM0351 §3.3.1).");
        var offset = address - Machine.OtpBase;
        for (var i = 0; i < bytes.Length; i += 8)
            if (BitConverter.ToUInt64(_otp, (int)offset + i) != ulong.MaxValue)
                throw new InvalidOperationException(
                    $"OTP double word 0x{address + (uint)i:X8} is already programmed (0x{BitConverter.ToUInt64(_otp, (int)offset + i):X16}); " +
                    "RM0351 §3.3.1: \"if only one bit is at 0, the entire double word cannot be written anymore\" (PROGERR).");
        for (var i = 0; i < bytes.Length; i++) _otp[offset + i] &= bytes[i];
    }

    /// A CPU read of the OTP area (IFlashBus): the bytes as they are, little-endian; a double word with a bad ECC sets
    /// ECCD with SYSF_ECC and its address in bank 1's information block (BK_ECC = 0) and raises the NMI, as a read of
    /// a torn main-flash double word does (ReadArray). The address fields keep the first error (RM0351 §3.7.7).
    public uint ReadOtp(uint address, int size)
    {
        var offset = address - Machine.OtpBase;
        if (!InOtp(address) || size is not (1 or 2 or 4) || offset + (uint)size > Machine.OtpSize)
        {
            Board.Fault($"FLASH: {size}-byte read at 0x{address:X8} is not inside the OTP area 0x{Machine.OtpBase:X8}-0x{Machine.OtpBase + Machine.OtpSize - 1:X8}.");
            return 0;
        }
        uint value = 0;
        for (var i = size - 1; i >= 0; i--) value = (value << 8) | _otp[offset + (uint)i];
        for (var doubleWord = offset & ~7u; doubleWord < offset + (uint)size; doubleWord += 8)
        {
            if (!_otpEccErrors.Contains(doubleWord)) continue;
            if ((_eccr & (FLASH_ECCR_ECCC | FLASH_ECCR_ECCD)) == 0)
                _eccr = (_eccr & FLASH_ECCR_ECCIE) | FLASH_ECCR_SYSF_ECC |
                        (Machine.OtpBase + doubleWord - InformationBlock1Base & FLASH_ECCR_ADDR_ECC);
            _eccr |= FLASH_ECCR_ECCD;
            Board.SetNmiLevel(Name, true);
            break;
        }
        return value;
    }

    private static bool InOtp(uint address) => address - Machine.OtpBase < Machine.OtpSize;

    /// What a power cut in the middle of programming zeros into the double word at address leaves (ApplyTorn).
    /// Zeros are the one value RM0351 lets software program over data already there, so this tears a double word
    /// anywhere, also inside an image loaded by a programmer where no operation could be cut.
    public void TearDoubleWordProgram(uint address)
    {
        if ((!InOtp(address) && (address < ArrayBase || address - ArrayBase >= (uint)Board.Flash.Length)) || address % 8 != 0)
            throw new ArgumentOutOfRangeException(nameof(address),
                $"0x{address:X8} is not a double-word address in the flash array 0x{ArrayBase:X8}-0x{ArrayBase + Board.Flash.Length - 1:X8} " +
                $"or the OTP area 0x{Machine.OtpBase:X8}-0x{Machine.OtpBase + Machine.OtpSize - 1:X8}.");
        var now = Board.Clock.NowPs;
        ApplyTorn(new FlashOperation(FlashOperationKind.DoubleWordProgram, address, 8, now, now), new byte[8]);
    }

    private void WriteAcr(uint next)
    {
        next &= FLASH_ACR_LATENCY | FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN | FLASH_ACR_ICRST |
                FLASH_ACR_DCRST | FLASH_ACR_RUN_PD | FLASH_ACR_SLEEP_PD;
        if ((next & FLASH_ACR_LATENCY) > 4)
        {
            Board.Fault($"FLASH: FLASH_ACR.LATENCY = {next & FLASH_ACR_LATENCY} is reserved (RM0351 §3.7.1: 0..4).");
            return;
        }
        if ((next & FLASH_ACR_RUN_PD) != 0)
        {
            Board.Fault("FLASH: FLASH_ACR.RUN_PD (flash power-down in Run mode) is not modelled.");
            next &= ~FLASH_ACR_RUN_PD;
        }
        _acr = next;
        CheckLatency();
    }

    /// RM0351 §3.3.3: too few wait states for HCLK make flash reads return wrong data on silicon.
    private void CheckLatency()
    {
        var latency = (int)(_acr & FLASH_ACR_LATENCY);
        var limits = _pwr.VoltageRange == 1 ? Range1MaxHclk : Range2MaxHclk;
        var needed = Array.FindIndex(limits, max => _rcc.HclkHz <= max);
        if (needed < 0 || latency >= needed) return; // above every limit: RCC or PWR already reported it
        Board.Fault($"FLASH: FLASH_ACR.LATENCY = {latency} wait states is too few for HCLK {_rcc.HclkHz} Hz in " +
                    $"voltage range {_pwr.VoltageRange}; RM0351 §3.3.3 Table 9 needs {needed}. Raise the latency " +
                    "before raising the clock, lower it only after.");
    }

    private void WriteKey(uint key)
    {
        if (!_lockedUntilReset)
        {
            if (!_keyAccepted && key == KEY1)
            {
                _keyAccepted = true;
                return;
            }
            if (_keyAccepted && key == KEY2)
            {
                _keyAccepted = false;
                _cr &= ~FLASH_CR_LOCK;
                return;
            }
        }
        _keyAccepted = false;
        _lockedUntilReset = true;
        _cr |= FLASH_CR_LOCK;
        Board.Fault($"FLASH: wrong unlock sequence (FLASH_KEYR = 0x{key:X8}); RM0351 §3.3.5 expects 0x{KEY1:X8} then " +
                    $"0x{KEY2:X8}. On silicon this is a bus error (HardFault) and FLASH_CR stays locked until reset.");
    }

    private void WriteOptionKey(uint key)
    {
        if (!_optLockedUntilReset && (_cr & FLASH_CR_LOCK) == 0)
        {
            if (!_optKeyAccepted && key == OPTKEY1)
            {
                _optKeyAccepted = true;
                return;
            }
            if (_optKeyAccepted && key == OPTKEY2)
            {
                _optKeyAccepted = false;
                _cr &= ~FLASH_CR_OPTLOCK;
                return;
            }
        }
        _optKeyAccepted = false;
        _optLockedUntilReset = true;
        _cr |= FLASH_CR_OPTLOCK;
        Board.Fault($"FLASH: wrong option unlock sequence (FLASH_OPTKEYR = 0x{key:X8}); RM0351 §3.4.2 expects " +
                    $"FLASH_CR unlocked first, then 0x{OPTKEY1:X8} and 0x{OPTKEY2:X8}. On silicon this is a bus " +
                    "error and OPTLOCK stays set until reset.");
    }

    private void WriteCr(uint next)
    {
        var old = _cr;
        // A locked FLASH_CR ignores every write (RM0351 §3.3.5).
        if ((old & FLASH_CR_LOCK) != 0) return;
        // LOCK, OPTLOCK, STRT and OPTSTRT are set by software and cleared only by hardware (unlock sequences, end of
        // operation). Setting LOCK sets OPTLOCK too (RM0351 §3.4.2).
        next |= old & (FLASH_CR_OPTLOCK | FLASH_CR_STRT | FLASH_CR_OPTSTRT);
        if ((next & FLASH_CR_LOCK) != 0) next |= FLASH_CR_OPTLOCK;
        // With OPTLOCK set the option bits of FLASH_CR are write-protected (RM0351 §3.7.6).
        if ((next & FLASH_CR_OPTLOCK) != 0) next = (next & ~(FLASH_CR_OPTSTRT | FLASH_CR_OBL_LAUNCH)) | (old & FLASH_CR_OPTSTRT);
        if (Busy && ((next ^ old) & FLASH_CR_OPERATION_BITS) != 0)
        {
            Board.Fault($"FLASH: FLASH_CR changed from 0x{old:X8} to 0x{next:X8} while BSY = 1; wait for the " +
                        "operation to end before selecting another one (RM0351 §3.3.6).");
            return;
        }
        _cr = next;
        if ((next & FLASH_CR_LOCK) != 0) _keyAccepted = false;
        if ((next & FLASH_CR_PG) == 0) _firstWord = null;
        if ((old & FLASH_CR_STRT) == 0 && (next & FLASH_CR_STRT) != 0) StartErase();
        if ((old & FLASH_CR_OPTSTRT) == 0 && (next & FLASH_CR_OPTSTRT) != 0) StartOptionProgramming();
        if ((old & FLASH_CR_OBL_LAUNCH) == 0 && (next & FLASH_CR_OBL_LAUNCH) != 0) LaunchOptionLoading();
        UpdateIrq();
    }

    /// RM0351 §3.4.2 "Modifying user options", step 3: the option registers take new values only with OPTLOCK
    /// cleared; reserved bits keep theirs. PCROP_RDP can only be set (RM0351 §3.7.10).
    private void WriteOptionRegister(int index, uint value, uint mask)
    {
        if ((_cr & FLASH_CR_OPTLOCK) != 0) return;
        var (name, old) = _optionRegisters.Registers[index];
        if (Busy)
        {
            Board.Fault($"FLASH: {name} written while BSY = 1; wait for the operation to end (RM0351 §3.4.2).");
            return;
        }
        var fields = index switch
        {
            0 => OptionBytes.OptrFields,
            1 or 5 or 6 => OptionBytes.PcropField,
            2 => OptionBytes.PcropField | OptionBytes.PCROP_RDP,
            _ => OptionBytes.WrpFields,
        };
        var next = (old & ~(fields & mask)) | (value & fields & mask);
        if (index == 2) next |= old & OptionBytes.PCROP_RDP;
        _optionRegisters = _optionRegisters.With(name, next);
    }

    /// OPTSTRT: the option registers are written into the option-byte pages (OptionByteFlash gives the time); the
    /// chip goes on with the old values until they are loaded.
    private void StartOptionProgramming()
    {
        // RM0351 §3.7.5: an unhandled programming error makes any new operation a sequence error. (Level 2, where the
        // attempt would set WRPERR, is never loaded: see below and ProgramOptionBytes.)
        if ((_sr & FLASH_SR_PROGRAMMING_ERRORS) != 0)
        {
            _cr &= ~FLASH_CR_OPTSTRT;
            SetError(FLASH_SR_PGSERR);
            return;
        }
        var target = _optionRegisters;
        if (target.RdpLevel == 2)
        {
            _cr &= ~FLASH_CR_OPTSTRT;
            Board.Fault("FLASH: OPTSTRT with FLASH_OPTR.RDP = 0xCC: RDP level 2 is irreversible on silicon (RM0351 §3.5.1: debug, " +
                        "boot from RAM and the system bootloader gone for good, the option bytes frozen); the virtual board refuses to go there.");
            return;
        }
        var now = Board.Clock.NowPs;
        var info = new FlashOperation(FlashOperationKind.OptionBytesProgram, OptionBytesAddress, OptionBytesLength, now,
                                      now + OptionByteFlash.ProgrammingPs);
        _optionOperation = (now, target, info);
        OperationStarted?.Invoke(info);
        _operationTimer.Arm(info.EndPs, () =>
        {
            _optionOperation = null;
            // RM0351 §3.5.1: reprogramming RDP to 0xAA from level 1 mass-erases the main flash.
            if (_loaded.RdpLevel == 1 && target.RdpLevel == 0) EraseForRdpRegression();
            _optionFlash.Program(target);
            _cr &= ~FLASH_CR_OPTSTRT;
            Complete(info, success: true);
        });
    }

    /// Where FlashOperation reports an option-byte programming: bank 1's option page, 0x1FFF7800.
    public const uint OptionBytesAddress = 0x1FFF_7800, OptionBytesLength = 0x28;

    /// OBL_LAUNCH: "generates a reset so the option byte loading is performed under system reset" (RM0351 §3.4.2),
    /// which RCC_CSR records as OBLRSTF (RM0351 §6.4.30).
    private void LaunchOptionLoading()
    {
        _loadOptionsAtReset = true;
        _rcc.RecordResetCause(RccResetFlags.OBLRSTF);
        Board.RequestSystemReset("FLASH_CR.OBL_LAUNCH (option byte loading)");
    }

    /// RM0351 §3.5.1: the move from RDP level 1 to level 0 erases the whole main flash.
    private void EraseForRdpRegression()
    {
        Array.Fill(Board.Flash, (byte)0xFF);
        Board.InvalidateCode(ArrayBase, (uint)Board.Flash.Length);
        SetEccErrors(0, (uint)Board.Flash.Length, false);
    }

    /// Options the board does not model would change behaviour it cannot show: stop rather than pretend.
    private void CheckOptionsModelled()
    {
        var optr = _loaded.Optr;
        if ((optr & OptionBytes.DUALBANK) == 0)
            Board.Fault("FLASH: option DUALBANK = 0 loaded: the single-bank organisation of the 1 MB part (RM0351 §3.3.1) is not modelled.");
        if ((optr & OptionBytes.SRAM2_PE) == 0)
            Board.Fault("FLASH: option SRAM2_PE = 0 loaded: SRAM2 parity checking (RM0351, embedded SRAM) is not modelled.");
        if ((optr & OptionBytes.WWDG_SW) == 0)
            Board.Fault("FLASH: option WWDG_SW = 0 loaded: a window watchdog started by hardware (RM0351, WWDG) is not modelled.");
    }

    /// RM0351 §3.5.2-§3.5.3: a page inside a loaded WRP area or PCROP area of its bank cannot be erased or programmed.
    private bool IsWriteProtected(uint offset, uint length)
    {
        for (var page = offset / PageSize; page <= (offset + length - 1) / PageSize; page++)
        {
            var bank = page < PagesPerBank ? 1 : 2;
            var inBank = page % PagesPerBank;
            if (_loaded.WrpAreas(bank).Any(a => inBank >= a.First && inBank <= a.Last)) return true;
            if (PcropPage(page)) return true;
        }
        return false;
    }

    /// Whether a page holds a double word of a loaded PCROP area.
    private bool PcropPage(uint page)
    {
        var bank = page < PagesPerBank ? 1 : 2;
        if (_loaded.PcropArea(bank) is not { } area) return false;
        uint firstDoubleWord = page % PagesPerBank * (PageSize / 8), lastDoubleWord = firstDoubleWord + PageSize / 8 - 1;
        return area.First <= lastDoubleWord && area.Last >= firstDoubleWord;
    }

    private bool InPcropArea(uint offset)
    {
        var bank = offset < BankSize ? 1 : 2;
        return _loaded.PcropArea(bank) is { } area && offset % BankSize / 8 is var doubleWord &&
               doubleWord >= area.First && doubleWord <= area.Last;
    }

    /// Routes reads of every page with a bad ECC or inside a loaded PCROP area through ReadArray (see there), in
    /// runs of consecutive pages, and gives the rest back to plain memory.
    private void RefreshCheckedReads()
    {
        var runs = new List<(uint Offset, uint Length)>();
        for (var page = 0u; page < 2 * PagesPerBank; page++)
        {
            if (!_eccPages.Contains(page) && !PcropPage(page)) continue;
            if (runs.Count > 0 && runs[^1].Offset + runs[^1].Length == page * PageSize)
                runs[^1] = (runs[^1].Offset, runs[^1].Length + PageSize);
            else
                runs.Add((page * PageSize, PageSize));
        }
        foreach (var run in _checkedRuns.Except(runs).ToList()) Board.CheckFlashReads(ArrayBase + run.Offset, run.Length, false);
        foreach (var run in runs.Except(_checkedRuns).ToList()) Board.CheckFlashReads(ArrayBase + run.Offset, run.Length, true);
        _checkedRuns.Clear();
        _checkedRuns.AddRange(runs);
    }

    private void StartErase()
    {
        var per = (_cr & FLASH_CR_PER) != 0;
        var mer1 = (_cr & FLASH_CR_MER1) != 0;
        var mer2 = (_cr & FLASH_CR_MER2) != 0;
        // RM0351 §3.7.5 PGSERR: STRT with no erase selected, with programming selected, or after an unhandled error.
        if ((_sr & FLASH_SR_PROGRAMMING_ERRORS) != 0 || (_cr & (FLASH_CR_PG | FLASH_CR_FSTPG)) != 0 ||
            !(per || mer1 || mer2) || (per && (mer1 || mer2)))
        {
            _cr &= ~FLASH_CR_STRT;
            SetError(FLASH_SR_PGSERR);
            return;
        }
        var offset = per ? PageSize * (((_cr & FLASH_CR_PNB) >> 3) + ((_cr & FLASH_CR_BKER) != 0 ? PagesPerBank : 0u))
                         : mer1 ? 0 : BankSize;
        var length = per ? PageSize : mer1 && mer2 ? 2 * BankSize : BankSize;
        // RM0351 §3.5.2: a protected page cannot be erased, and a mass erase of a bank with a protected area fails.
        if (IsWriteProtected(offset, length))
        {
            _cr &= ~FLASH_CR_STRT;
            SetError(FLASH_SR_WRPERR);
            return;
        }
        if (per) StartOperation(FlashOperationKind.PageErase, ArrayBase + offset, length, null, PageErasePs);
        else StartOperation(FlashOperationKind.MassErase, ArrayBase + offset, length, null, MassErasePs);
    }

    /// A CPU store into the flash array (address rebased to 0x08000000 by the core) or the OTP area.
    public void WriteArray(uint address, int size, uint value)
    {
        var offset = address - ArrayBase;
        var otp = InOtp(address);
        if (!otp && (address < ArrayBase || offset >= (uint)Board.Flash.Length))
        {
            Board.Fault($"FLASH: store to 0x{address:X8} is outside the flash array and the OTP area.");
            return;
        }
        if (otp && (_cr & FLASH_CR_FSTPG) != 0 && _fastRow is null)
        {
            // RM0351 §3.3.7 describes fast programming for the main memory's rows only.
            Board.Fault($"FLASH: fast programming (FSTPG) of the OTP area at 0x{address:X8}: RM0351 §3.3.7 defines it for main-memory " +
                        "rows only, and the virtual board does not model it there; program OTP double words with PG.");
            return;
        }
        if (_fastRow is not null)
        {
            ContinueFastRow(offset, size, value);
            return;
        }
        if (_operation is not null || _optionOperation is not null)
        {
            Board.Fault($"FLASH: store to 0x{address:X8} while BSY = 1. On silicon the bus would stall until the " +
                        "operation ends; the virtual board stalls only fetches from the busy bank: poll FLASH_SR.BSY first.");
            return;
        }
        if ((_cr & FLASH_CR_FSTPG) != 0) StartFastRow(offset, size, value);
        else if ((_cr & FLASH_CR_PG) != 0) ProgramWord(address, size, value);
        else SetError(FLASH_SR_PGSERR); // RM0351 §3.7.5: a flash write without PG or FSTPG
    }

    /// RM0351 §3.3.7 "Standard programming": two 32-bit stores, first at a double-word boundary, then the next word.
    /// address is in the main array or the OTP area.
    private void ProgramWord(uint address, int size, uint value)
    {
        if ((_cr & (FLASH_CR_PER | FLASH_CR_MER1 | FLASH_CR_MER2)) != 0)
        {
            _firstWord = null;
            SetError(FLASH_SR_PGSERR);
            return;
        }
        if (size != 4)
        {
            _firstWord = null;
            SetError(FLASH_SR_SIZERR);
            return;
        }
        if (_firstWord is not { } first)
        {
            if ((_sr & FLASH_SR_PROGRAMMING_ERRORS) != 0) SetError(FLASH_SR_PGSERR);
            else if (address % 8 != 0) SetError(FLASH_SR_PGAERR);
            else _firstWord = (address, value);
            return;
        }
        _firstWord = null;
        if (address != first.Address + 4)
        {
            SetError(FLASH_SR_PGAERR);
            return;
        }
        var data = (ulong)first.Value | ((ulong)value << 32);
        var otp = InOtp(first.Address);
        var current = otp ? BitConverter.ToUInt64(_otp, (int)(first.Address - Machine.OtpBase))
                          : BitConverter.ToUInt64(Board.Flash, (int)(first.Address - ArrayBase));
        // WRP and PCROP areas are ranges of main-memory pages (RM0351 §3.5.2-§3.5.3); the OTP area has none.
        if (!otp && IsWriteProtected(first.Address - ArrayBase, 8))
        {
            SetError(FLASH_SR_WRPERR);
            return;
        }
        // PROGERR: only an erased double word can be programmed, except with all zeros (RM0351 §3.7.5); in the OTP
        // area not even with zeros (RM0351 §3.3.1: "even with the value 0x0000 0000 0000 0000").
        if (current != ulong.MaxValue && (data != 0 || otp))
        {
            SetError(FLASH_SR_PROGERR);
            return;
        }
        StartOperation(FlashOperationKind.DoubleWordProgram, first.Address, 8, BitConverter.GetBytes(data),
                       DoubleWordProgramPs);
    }

    private void StartFastRow(uint offset, int size, uint value)
    {
        if ((_sr & FLASH_SR_PROGRAMMING_ERRORS) != 0 ||
            (_cr & (FLASH_CR_PG | FLASH_CR_PER | FLASH_CR_MER1 | FLASH_CR_MER2)) != 0)
        {
            SetError(FLASH_SR_PGSERR);
            return;
        }
        if (size != 4)
        {
            SetError(FLASH_SR_SIZERR | FLASH_SR_FASTERR);
            return;
        }
        if (offset % RowSize != 0)
        {
            SetError(FLASH_SR_PGAERR | FLASH_SR_FASTERR);
            return;
        }
        if (IsWriteProtected(offset, RowSize))
        {
            SetError(FLASH_SR_WRPERR);
            return;
        }
        // Fast programming skips the verify step, so it is defined only on erased memory (RM0351 §3.3.7).
        if (Board.Flash.AsSpan((int)offset, (int)RowSize).ContainsAnyExcept((byte)0xFF))
        {
            SetError(FLASH_SR_PGSERR);
            return;
        }
        _fastRow = new FastRow(offset, Board.Clock.NowPs);
        CheckDataCacheOff(FastRowInfo(_fastRow));
        StallBanks(FastRowInfo(_fastRow), true);
        OperationStarted?.Invoke(FastRowInfo(_fastRow));
        AcceptFastWord(value);
    }

    private void ContinueFastRow(uint offset, int size, uint value)
    {
        var row = _fastRow!;
        if (row.Words == 2 * DoubleWordsPerRow)
        {
            Board.Fault($"FLASH: store to 0x{ArrayBase + offset:X8} while the fast-programming row is being written " +
                        "(BSY = 1); wait for BSY = 0 before the next row.");
            return;
        }
        if (size != 4) AbortFastRow(FLASH_SR_SIZERR);
        else if (offset != row.Offset + 4 * (uint)row.Words) AbortFastRow(FLASH_SR_PGAERR);
        else AcceptFastWord(value);
    }

    private void AcceptFastWord(uint value)
    {
        var row = _fastRow!;
        BitConverter.TryWriteBytes(row.Content.AsSpan(4 * row.Words), value);
        row.Words++;
        var slotPs = FastRowProgramPs / DoubleWordsPerRow;
        if (row.Words == 2 * DoubleWordsPerRow)
        {
            _fastDeadline.Cancel();
            _operationTimer.Arm(row.StartPs + FastRowProgramPs, () => FinishFastRow(0));
            return;
        }
        // MISERR: each double word must reach the flash before the previous one is programmed (RM0351 §3.7.5).
        var doubleWord = (ulong)(row.Words / 2);
        _fastDeadline.Arm(row.StartPs + (doubleWord + 1) * slotPs, () => AbortFastRow(FLASH_SR_MISERR));
    }

    /// The double words received so far are programmed; the rest of the row stays erased.
    private void AbortFastRow(uint error)
    {
        var row = _fastRow!;
        var complete = row.Words / 2 * 8;
        row.Content.AsSpan(complete).Fill(0xFF);
        FinishFastRow(error | FLASH_SR_FASTERR);
    }

    private void FinishFastRow(uint errors)
    {
        var row = _fastRow!;
        _fastDeadline.Cancel();
        _operationTimer.Cancel();
        _fastRow = null;
        var info = FastRowInfo(row) with { EndPs = Board.Clock.NowPs };
        StallBanks(info, false);
        ProgramBytes(ArrayBase + row.Offset, row.Content);
        if (errors != 0) SetError(errors);
        Complete(info, success: errors == 0);
    }

    private FlashOperation FastRowInfo(FastRow row) =>
        new(FlashOperationKind.FastRowProgram, ArrayBase + row.Offset, RowSize, row.StartPs, row.StartPs + FastRowProgramPs);

    /// address: in the main array (0x08xxxxxx) or, for a double-word program, the OTP area.
    private void StartOperation(FlashOperationKind kind, uint address, uint length, byte[]? content, ulong durationPs)
    {
        var now = Board.Clock.NowPs;
        var info = new FlashOperation(kind, address, length, now, now + durationPs);
        var operation = new PendingOperation(info, content);
        _operation = operation;
        CheckDataCacheOff(info);
        StallBanks(info, true);
        OperationStarted?.Invoke(operation.Info);
        _operationTimer.Arm(operation.Info.EndPs, () =>
        {
            _operation = null;
            StallBanks(operation.Info, false);
            var start = (int)(operation.Info.Address - ArrayBase);
            if (operation.Content is not null) ProgramBytes(operation.Info.Address, operation.Content);
            else
            {
                Board.Flash.AsSpan(start, (int)operation.Info.Length).Fill(0xFF);
                Board.InvalidateCode(operation.Info.Address, operation.Info.Length);
                // An erase rewrites the ECC bits with the data: a completed one leaves every double word consistent.
                SetEccErrors((uint)start, operation.Info.Length, false);
            }
            _cr &= ~FLASH_CR_STRT;
            Complete(operation.Info, success: true);
        });
    }

    /// ES0250 (STM32L47x/L48x errata) "Data cache might be corrupted during Flash memory read-while-write
    /// operation": a data read of one bank while the other is erased or programmed can leave wrong data in the data
    /// cache. The workaround (ST's HAL, Zephyr's STM32L4 driver) keeps FLASH_ACR.DCEN = 0 for the whole operation and
    /// resets the cache (DCRST) before enabling it again. The board does not model the cache's contents, so it
    /// reports the hazard itself: any operation started with the data cache on.
    private void CheckDataCacheOff(FlashOperation operation)
    {
        if ((_acr & FLASH_ACR_DCEN) == 0) return;
        Board.Fault($"FLASH: {operation.Kind} at 0x{operation.Address:X8} started with FLASH_ACR.DCEN = 1. Errata ES0250 " +
                    "\"Data cache might be corrupted during Flash memory read-while-write operation\": clear DCEN before " +
                    "every erase or program, reset the data cache (DCRST) while it is off, and enable it again after.");
    }

    /// The banks an operation works in: reads from them stall until it ends (the other bank stays readable). The OTP
    /// area belongs to bank 1 (RM0351 Table 7).
    private void StallBanks(FlashOperation operation, bool stalled)
    {
        if (InOtp(operation.Address))
        {
            Board.StallFlashReads(ArrayBase, BankSize, stalled);
            return;
        }
        var offset = operation.Address - ArrayBase;
        var first = offset / BankSize * BankSize;
        var end = (offset + operation.Length + BankSize - 1) / BankSize * BankSize;
        Board.StallFlashReads(ArrayBase + first, end - first, stalled);
    }

    private void Complete(FlashOperation info, bool success)
    {
        CompletedOperations++;
        // EOP is set only when end-of-operation interrupts are enabled (RM0351 §3.7.5).
        if (success && (_cr & FLASH_CR_EOPIE) != 0) _sr |= FLASH_SR_EOP;
        UpdateIrq();
        OperationCompleted?.Invoke(info);
    }

    /// Flash cells only go from 1 to 0 when programmed: the array keeps old AND new. address: main array or OTP.
    private void ProgramBytes(uint address, byte[] content)
    {
        var target = InOtp(address) ? _otp.AsSpan((int)(address - Machine.OtpBase), content.Length)
                                    : Board.Flash.AsSpan((int)(address - ArrayBase), content.Length);
        for (var i = 0; i < content.Length; i++) target[i] &= content[i];
        // The OTP area is served to the CPU through ReadOtp at every access: no translated code to drop there.
        if (!InOtp(address)) Board.InvalidateCode(address, (uint)content.Length);
    }

    /// A reset in the middle of an operation: an erase leaves every byte only partly erased (low nibble set), a
    /// program leaves only the low-nibble bits programmed. Neither the old nor the new content survives, so CRCs
    /// over the range fail, as they would after a real interrupted operation; and the ECC bits, written along with
    /// the data, are just as partial, so every double word of the range reads with an ECC double error.
    private void ApplyTorn(FlashOperation info, byte[]? content)
    {
        var otp = InOtp(info.Address);
        var offset = info.Address - (otp ? Machine.OtpBase : ArrayBase);
        var target = (otp ? _otp : Board.Flash).AsSpan((int)offset, (int)info.Length);
        for (var i = 0; i < target.Length; i++)
            target[i] = content is null ? (byte)(target[i] | 0x0F) : (byte)(target[i] & (content[i] | 0xF0));
        if (otp)
        {
            // Only double-word programs reach the OTP area; its ECC stays wrong for good, nothing erases it.
            for (var doubleWord = offset & ~7u; doubleWord < offset + info.Length; doubleWord += 8) _otpEccErrors.Add(doubleWord);
            return;
        }
        Board.InvalidateCode(info.Address, info.Length);
        SetEccErrors(offset, info.Length, true);
    }

    /// Marks or clears the double words of a range, and asks the board to check reads of exactly the pages that
    /// hold a bad one, so reads everywhere else stay at full speed.
    private void SetEccErrors(uint offset, uint length, bool bad)
    {
        for (var doubleWord = offset & ~7u; doubleWord < offset + length; doubleWord += 8)
            if (bad) _eccErrors.Add(doubleWord);
            else _eccErrors.Remove(doubleWord);
        var changed = false;
        for (var page = offset / PageSize; page <= (offset + length - 1) / PageSize; page++)
        {
            var pageStart = page * PageSize;
            var hasErrors = bad || Enumerable.Range(0, (int)(PageSize / 8)).Any(i => _eccErrors.Contains(pageStart + 8u * (uint)i));
            changed |= hasErrors ? _eccPages.Add(page) : _eccPages.Remove(page);
        }
        if (changed) RefreshCheckedReads();
    }

    private void SetError(uint flags)
    {
        _sr |= flags;
        // OPERR mirrors any failed operation, but only with error interrupts enabled (RM0351 §3.7.5).
        if ((_cr & FLASH_CR_ERRIE) != 0) _sr |= FLASH_SR_OPERR;
        UpdateIrq();
    }

    private void UpdateIrq() => Board.SetIrqLevel(FlashIrq,
        ((_sr & FLASH_SR_EOP) != 0 && (_cr & FLASH_CR_EOPIE) != 0) ||
        ((_sr & FLASH_SR_OPERR) != 0 && (_cr & FLASH_CR_ERRIE) != 0));
}
