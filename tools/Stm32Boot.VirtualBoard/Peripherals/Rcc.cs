// Reset and clock control (RM0351 §6). Owns the clock tree: oscillators become ready after their DS10969 start-up
// times, SYSCLK follows RCC_CFGR.SW once the source is ready, and every change of HCLK is pushed into
// IVirtualClock.SysclkHz (the core executes at HCLK). It also gates the bus clocks of the other models, holds the
// reset-cause flags and the backup-domain control register.
namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed class Rcc : MmioPeripheral
{
    public const uint BaseAddress = 0x4002_1000;

    internal const uint RCC_CR = 0x00, RCC_ICSCR = 0x04, RCC_CFGR = 0x08, RCC_PLLCFGR = 0x0C,
        RCC_PLLSAI1CFGR = 0x10, RCC_PLLSAI2CFGR = 0x14, RCC_CIER = 0x18, RCC_CIFR = 0x1C, RCC_CICR = 0x20,
        RCC_AHB1ENR = 0x48, RCC_AHB2ENR = 0x4C, RCC_AHB3ENR = 0x50, RCC_APB1ENR1 = 0x58,
        RCC_APB1ENR2 = 0x5C, RCC_APB2ENR = 0x60, RCC_CCIPR = 0x88, RCC_BDCR = 0x90, RCC_CSR = 0x94;

    // RCC_CR (RM0351 §6.4.1)
    private const uint RCC_CR_MSION = 1u << 0, RCC_CR_MSIRDY = 1u << 1, RCC_CR_MSIPLLEN = 1u << 2,
        RCC_CR_MSIRGSEL = 1u << 3, RCC_CR_MSIRANGE = 0xFu << 4, RCC_CR_HSION = 1u << 8, RCC_CR_HSIKERON = 1u << 9,
        RCC_CR_HSIRDY = 1u << 10, RCC_CR_HSIASFS = 1u << 11, RCC_CR_HSEON = 1u << 16, RCC_CR_HSEBYP = 1u << 18,
        RCC_CR_CSSON = 1u << 19, RCC_CR_PLLON = 1u << 24, RCC_CR_PLLRDY = 1u << 25, RCC_CR_PLLSAI1ON = 1u << 26,
        RCC_CR_PLLSAI1RDY = 1u << 27, RCC_CR_PLLSAI2ON = 1u << 28, RCC_CR_PLLSAI2RDY = 1u << 29;
    private const uint RCC_CR_READY_BITS = RCC_CR_MSIRDY | RCC_CR_HSIRDY | RCC_CR_PLLRDY | RCC_CR_PLLSAI1RDY |
                                           RCC_CR_PLLSAI2RDY;
    private const uint RCC_CR_WRITABLE = RCC_CR_MSION | RCC_CR_MSIPLLEN | RCC_CR_MSIRGSEL | RCC_CR_MSIRANGE |
        RCC_CR_HSION | RCC_CR_HSIKERON | RCC_CR_HSIASFS | RCC_CR_HSEON | RCC_CR_HSEBYP | RCC_CR_CSSON |
        RCC_CR_PLLON | RCC_CR_PLLSAI1ON | RCC_CR_PLLSAI2ON;
    /// MSION | MSIRDY | MSIRANGE = 6 (4 MHz).
    private const uint RCC_CR_RESET = 0x0000_0063;

    // RCC_ICSCR (RM0351 §6.4.2): calibration bytes are factory-trimmed per chip; these are one plausible chip's.
    private const uint RCC_ICSCR_MSITRIM = 0xFFu << 8, RCC_ICSCR_HSITRIM = 0x1Fu << 24;
    private const uint RCC_ICSCR_RESET = 0x1000_0000 | (0x80u << 16) | 0x7Du;

    // RCC_CFGR (RM0351 §6.4.3)
    private const uint RCC_CFGR_SW = 3u << 0, RCC_CFGR_SWS_Pos = 2, RCC_CFGR_HPRE = 0xFu << 4,
        RCC_CFGR_PPRE1 = 7u << 8, RCC_CFGR_PPRE2 = 7u << 11, RCC_CFGR_STOPWUCK = 1u << 15,
        RCC_CFGR_MCOSEL = 0xFu << 24, RCC_CFGR_MCOPRE = 7u << 28;
    private const uint RCC_CFGR_WRITABLE = RCC_CFGR_SW | RCC_CFGR_HPRE | RCC_CFGR_PPRE1 | RCC_CFGR_PPRE2 |
                                           RCC_CFGR_STOPWUCK | RCC_CFGR_MCOSEL | RCC_CFGR_MCOPRE;
    private const uint SW_MSI = 0, SW_HSI16 = 1, SW_HSE = 2, SW_PLL = 3;

    // RCC_PLLCFGR (RM0351 §6.4.4); PLLSAI1CFGR/PLLSAI2CFGR share the N/P/Q/R positions.
    private const uint RCC_PLLCFGR_PLLSRC = 3u << 0, RCC_PLLCFGR_PLLM = 7u << 4, RCC_PLLCFGR_PLLN = 0x7Fu << 8,
        RCC_PLLCFGR_PLLPEN = 1u << 16, RCC_PLLCFGR_PLLP = 1u << 17, RCC_PLLCFGR_PLLQEN = 1u << 20,
        RCC_PLLCFGR_PLLQ = 3u << 21, RCC_PLLCFGR_PLLREN = 1u << 24, RCC_PLLCFGR_PLLR = 3u << 25,
        RCC_PLLCFGR_PLLPDIV = 0x1Fu << 27;
    private const uint RCC_PLLCFGR_WRITABLE = RCC_PLLCFGR_PLLSRC | RCC_PLLCFGR_PLLM | RCC_PLLCFGR_PLLN |
        RCC_PLLCFGR_PLLPEN | RCC_PLLCFGR_PLLP | RCC_PLLCFGR_PLLQEN | RCC_PLLCFGR_PLLQ | RCC_PLLCFGR_PLLREN |
        RCC_PLLCFGR_PLLR | RCC_PLLCFGR_PLLPDIV;
    private const uint RCC_PLLSAICFGR_WRITABLE = RCC_PLLCFGR_PLLN | RCC_PLLCFGR_PLLPEN | RCC_PLLCFGR_PLLP |
        RCC_PLLCFGR_PLLQEN | RCC_PLLCFGR_PLLQ | RCC_PLLCFGR_PLLREN | RCC_PLLCFGR_PLLR | RCC_PLLCFGR_PLLPDIV;
    /// PLLN = 16, everything else 0.
    private const uint RCC_PLLCFGR_RESET = 0x0000_1000;
    private const uint PLLSRC_NONE = 0, PLLSRC_MSI = 1, PLLSRC_HSI16 = 2;

    // RCC_CCIPR (RM0351 §6.4.28)
    private const uint RCC_CCIPR_USARTxSEL = 3u, RCC_CCIPR_CLK48SEL = 3u << 26;

    // RCC_BDCR (RM0351 §6.4.29)
    private const uint RCC_BDCR_LSEON = 1u << 0, RCC_BDCR_LSERDY = 1u << 1, RCC_BDCR_LSEBYP = 1u << 2,
        RCC_BDCR_LSEDRV = 3u << 3, RCC_BDCR_LSECSSON = 1u << 5, RCC_BDCR_RTCSEL = 3u << 8,
        RCC_BDCR_RTCEN = 1u << 15, RCC_BDCR_BDRST = 1u << 16, RCC_BDCR_LSCOEN = 1u << 24,
        RCC_BDCR_LSCOSEL = 1u << 25;
    private const uint RCC_BDCR_WRITABLE = RCC_BDCR_LSEON | RCC_BDCR_LSEBYP | RCC_BDCR_LSEDRV | RCC_BDCR_LSECSSON |
        RCC_BDCR_RTCSEL | RCC_BDCR_RTCEN | RCC_BDCR_BDRST | RCC_BDCR_LSCOEN | RCC_BDCR_LSCOSEL;

    // RCC_CSR (RM0351 §6.4.30)
    private const uint RCC_CSR_LSION = 1u << 0, RCC_CSR_LSIRDY = 1u << 1, RCC_CSR_MSISRANGE = 0xFu << 8,
        RCC_CSR_RMVF = 1u << 23;
    private const uint RCC_CSR_FLAGS = 0xFF00_0000;
    /// MSISRANGE = 6 (4 MHz) plus, after a power-on reset, PINRSTF | BORRSTF.
    private const uint RCC_CSR_MSISRANGE_RESET = 6u << 8;

    /// The clock-enable bits that exist on the STM32L475xx, per register (RM0351 §6.4.16-6.4.21); the matching
    /// xxxRSTR registers 0x20 lower (AHB1RSTR 0x28 .. APB2RSTR 0x40) have the same layout except the bits named in
    /// ResetRegisterExceptions.
    private static readonly Dictionary<uint, uint> EnableMasks = new()
    {
        [RCC_AHB1ENR] = 0x0001_1103,  // DMA1EN, DMA2EN, FLASHEN, CRCEN, TSCEN
        [RCC_AHB2ENR] = 0x0004_30FF,  // GPIOAEN..GPIOHEN, OTGFSEN, ADCEN, RNGEN (AESEN: STM32L486 only)
        [RCC_AHB3ENR] = 0x0000_0101,  // FMCEN, QSPIEN
        // TIM2-7EN, WWDGEN, SPI2/3EN, USART2/3EN, UART4/5EN, I2C1-3EN, CAN1EN, PWREN, DAC1EN, OPAMPEN, LPTIM1EN
        [RCC_APB1ENR1] = 0xF2FE_C83F,
        [RCC_APB1ENR2] = 0x0000_0025, // LPUART1EN, SWPMI1EN, LPTIM2EN
        [RCC_APB2ENR] = 0x0167_7C81,  // SYSCFGEN, FWEN, SDMMC1EN, TIM1EN, SPI1EN, TIM8EN, USART1EN, TIM15-17EN, SAI1/2EN, DFSDM1EN
    };
    /// FLASHEN has no reset bit, WWDG and the firewall cannot be reset from RCC.
    private static readonly Dictionary<uint, uint> ResetRegisterExceptions = new()
    {
        [RCC_AHB1ENR] = 1u << 8, [RCC_APB1ENR1] = 1u << 11, [RCC_APB2ENR] = 1u << 7,
    };
    /// FLASHEN is the only clock enabled out of reset (RM0351 §6.4.16).
    private const uint RCC_AHB1ENR_RESET = 1u << 8;

    /// RM0351 §6.2.3 Table 25: MSIRANGE 0..11.
    private static readonly uint[] MsiRangeHz =
    [
        100_000, 200_000, 400_000, 800_000, 1_000_000, 2_000_000, 4_000_000, 8_000_000, 16_000_000, 24_000_000,
        32_000_000, 48_000_000,
    ];
    private const uint Hsi16Hz = 16_000_000, LseHz = 32_768;
    /// DS10969 §6.3.1: HCLK up to 80 MHz (voltage range 1).
    private const uint MaxHclkHz = 80_000_000;

    // Start-up and lock times: typical values of DS10969 §6.3.7-6.3.10.
    private static readonly ulong MsiStartupPs = VirtualTime.Microseconds(6);
    private static readonly ulong Hsi16StartupPs = VirtualTime.Microseconds(0.8);
    private static readonly ulong PllLockPs = VirtualTime.Microseconds(15);
    private static readonly ulong LsiStartupPs = VirtualTime.Microseconds(80);
    private static readonly ulong LseStartupPs = VirtualTime.Milliseconds(2000);

    private readonly BackupDomain _backupDomain;
    private readonly Dictionary<uint, uint> _gateRegisters = new();
    private readonly VirtualTimer _msiTimer, _hsiTimer, _pllTimer, _pllSai1Timer, _pllSai2Timer, _lsiTimer,
        _lseTimer, _switchTimer;
    private uint _cr, _icscr, _cfgr, _sws, _pllcfgr, _pllsai1cfgr, _pllsai2cfgr, _ccipr, _bdcr, _csr;
    private bool _lsiForcedByWatchdog;

    public Rcc(IBoard board, BackupDomain backupDomain) : base(board, "RCC", BaseAddress, 0x400)
    {
        _backupDomain = backupDomain;
        _msiTimer = new VirtualTimer(board);
        _hsiTimer = new VirtualTimer(board);
        _pllTimer = new VirtualTimer(board);
        _pllSai1Timer = new VirtualTimer(board);
        _pllSai2Timer = new VirtualTimer(board);
        _lsiTimer = new VirtualTimer(board);
        _lseTimer = new VirtualTimer(board);
        _switchTimer = new VirtualTimer(board);
        Reset(ResetKind.PowerOn);
    }

    /// HCLK or a PCLK changed (after a SYSCLK switch or a prescaler write); reset does not raise it.
    public event Action? ClocksChanged;

    /// A bit of an xxxRSTR register went from 0 to 1: the peripheral behind that gate returns to its reset state.
    public event Action<ClockGate>? PeripheralReset;

    public uint SysclkHz { get; private set; }
    public uint HclkHz { get; private set; }
    public uint Pclk1Hz { get; private set; }
    public uint Pclk2Hz { get; private set; }

    /// A USART's kernel clock per its RCC_CCIPR.USARTxSEL field (RM0351 §6.4.28): 00 is its bus clock (PCLK2 for
    /// USART1, PCLK1 for the others), 01 SYSCLK, 10 HSI16, 11 LSE; 0 while the selected source is off.
    public uint UsartKernelClockHz(UsartInstance usart) => ((_ccipr >> usart.KernelClockSelectShift) & RCC_CCIPR_USARTxSEL) switch
    {
        0 => usart.OnApb2 ? Pclk2Hz : Pclk1Hz,
        1 => SysclkHz,
        2 => (_cr & RCC_CR_HSIRDY) != 0 ? Hsi16Hz : 0,
        _ => (_bdcr & RCC_BDCR_LSERDY) != 0 ? LseHz : 0,
    };

    /// The 48 MHz clock of USB OTG_FS, RNG and SDMMC per RCC_CCIPR.CLK48SEL (RM0351 §6.4.28); 0 while off.
    public uint Clk48Hz => ((_ccipr & RCC_CCIPR_CLK48SEL) >> 26) switch
    {
        1 => (_cr & RCC_CR_PLLSAI1RDY) != 0 ? PllQHz(_pllsai1cfgr) : 0,
        2 => (_cr & RCC_CR_PLLRDY) != 0 ? PllQHz(_pllcfgr) : 0,
        3 => (_cr & RCC_CR_MSIRDY) != 0 ? MsiHz : 0,
        _ => 0, // HSI48 exists only on STM32L49x/L4Ax
    };

    /// Why CLK48 cannot clock the OTG_FS PHY, or null when it can. Full speed needs 48 MHz within ±0.25 % (USB 2.0
    /// §7.1.11); on this board only MSI in PLL mode (RCC_CR.MSIPLLEN, locked to the 32.768 kHz LSE crystal) is that
    /// accurate — directly, or through the Q output of a PLL it feeds. HSI16 (±1 %) and a free-running MSI are not
    /// (DS10969 §6.3.7-6.3.8), and the STM32L475 has no HSI48 (RM0351 §6.4.28).
    public string? Clk48UsbProblem
    {
        get
        {
            var select = (_ccipr & RCC_CCIPR_CLK48SEL) >> 26;
            if (select == 0) return "RCC_CCIPR.CLK48SEL = 00 selects HSI48, which the STM32L475 does not have";
            var source = select switch { 1 => "PLLSAI1 Q output", 2 => "PLL Q output", _ => "MSI" };
            var hz = Clk48Hz;
            if (hz == 0)
                return $"RCC_CCIPR.CLK48SEL selects the {source}, which is not running" +
                       (select == 3 ? " (MSIRDY = 0)" : " (enable the PLL with its PLLxQEN bit and wait for its RDY flag)");
            if (Math.Abs(hz - 48_000_000.0) > 48_000_000 * 0.0025)
                return $"CLK48 from the {source} is {hz} Hz, not 48 MHz ±0.25 %";
            if (select != 3 && (_pllcfgr & RCC_PLLCFGR_PLLSRC) != PLLSRC_MSI)
                return $"CLK48 from the {source} is derived from HSI16, whose ±1 % is too coarse for USB (±0.25 %)";
            if ((_cr & RCC_CR_MSIPLLEN) == 0)
                return "CLK48 is derived from MSI without its PLL mode: set RCC_CR.MSIPLLEN once LSERDY = 1, so MSI " +
                       "locks to the LSE crystal (USB needs ±0.25 %)";
            return null;
        }
    }

    /// LSI is running: the IWDG counts only then.
    public bool LsiReady => (_csr & RCC_CSR_LSIRDY) != 0;

    public bool IsClocked(ClockGate gate) =>
        (_gateRegisters[gate.EnableRegister] & (1u << gate.Bit)) != 0 &&
        (_gateRegisters[gate.ResetRegister] & (1u << gate.Bit)) == 0;

    /// Sets reset-cause flags for the reset about to happen (they survive the system reset, RM0351 §6.4.30).
    /// Internal reset sources pulse the NRST pin (RM0351 §6.1.2), so every cause also sets PINRSTF.
    public void RecordResetCause(RccResetFlags cause) => _csr |= (uint)(cause | RccResetFlags.PINRSTF);

    /// RM0351 §32.3.2: starting the IWDG forces LSI on, whatever RCC_CSR.LSION says.
    internal void ForceLsiForWatchdog()
    {
        _lsiForcedByWatchdog = true;
        StartLsi();
    }

    public override void Reset(ResetKind kind)
    {
        VirtualTimer[] timers = [_msiTimer, _hsiTimer, _pllTimer, _pllSai1Timer, _pllSai2Timer, _lsiTimer, _lseTimer, _switchTimer];
        foreach (var timer in timers) timer.Cancel();
        _cr = RCC_CR_RESET;
        _icscr = RCC_ICSCR_RESET;
        _cfgr = 0;
        _sws = SW_MSI;
        _pllcfgr = _pllsai1cfgr = _pllsai2cfgr = RCC_PLLCFGR_RESET;
        _ccipr = 0;
        foreach (var enable in EnableMasks.Keys)
        {
            _gateRegisters[enable] = enable == RCC_AHB1ENR ? RCC_AHB1ENR_RESET : 0;
            _gateRegisters[enable - 0x20] = 0;
        }
        _lsiForcedByWatchdog = false;
        if (kind == ResetKind.PowerOn)
        {
            // No battery on VBAT (UM2153 powers VBAT from VDD): the backup domain starts from its reset state.
            _bdcr = 0;
            _csr = RCC_CSR_MSISRANGE_RESET | (uint)(RccResetFlags.PINRSTF | RccResetFlags.BORRSTF);
        }
        else
        {
            // The backup domain keeps RCC_BDCR, and an LSE that was starting goes on starting.
            _csr = RCC_CSR_MSISRANGE_RESET | (_csr & RCC_CSR_FLAGS);
            if ((_bdcr & (RCC_BDCR_LSEON | RCC_BDCR_LSERDY)) == RCC_BDCR_LSEON)
                _lseTimer.ArmAfter(LseStartupPs, () => _bdcr |= RCC_BDCR_LSERDY);
        }
        UpdateClocks(raiseEvent: false);
    }

    private protected override uint ReadRegister(uint offset)
    {
        switch (offset)
        {
            case RCC_CR: return _cr;
            case RCC_ICSCR: return _icscr;
            case RCC_CFGR: return _cfgr | (_sws << (int)RCC_CFGR_SWS_Pos);
            case RCC_PLLCFGR: return _pllcfgr;
            case RCC_PLLSAI1CFGR: return _pllsai1cfgr;
            case RCC_PLLSAI2CFGR: return _pllsai2cfgr;
            case RCC_CIER or RCC_CIFR: return 0; // no clock interrupt is ever enabled (writes that try stop the run)
            case RCC_CICR: return 0;
            case RCC_CCIPR: return _ccipr;
            case RCC_BDCR: return _bdcr;
            case RCC_CSR: return _csr;
        }
        if (_gateRegisters.TryGetValue(offset, out var gates)) return gates;
        Unmodelled(offset, "read");
        return 0;
    }

    private protected override void WriteRegister(uint offset, uint value, uint mask)
    {
        switch (offset)
        {
            case RCC_CR: WriteCr(Merge(_cr, value, mask)); return;
            case RCC_ICSCR: _icscr = Merge(_icscr, value, mask & (RCC_ICSCR_MSITRIM | RCC_ICSCR_HSITRIM)); return;
            case RCC_CFGR: WriteCfgr(Merge(_cfgr, value, mask) & RCC_CFGR_WRITABLE); return;
            case RCC_PLLCFGR:
                _pllcfgr = WritePllConfig("RCC_PLLCFGR", _pllcfgr, Merge(_pllcfgr, value, mask) & RCC_PLLCFGR_WRITABLE,
                                          RCC_CR_PLLON | RCC_CR_PLLRDY);
                return;
            case RCC_PLLSAI1CFGR:
                _pllsai1cfgr = WritePllConfig("RCC_PLLSAI1CFGR", _pllsai1cfgr,
                    Merge(_pllsai1cfgr, value, mask) & RCC_PLLSAICFGR_WRITABLE, RCC_CR_PLLSAI1ON | RCC_CR_PLLSAI1RDY);
                return;
            case RCC_PLLSAI2CFGR:
                _pllsai2cfgr = WritePllConfig("RCC_PLLSAI2CFGR", _pllsai2cfgr,
                    Merge(_pllsai2cfgr, value, mask) & RCC_PLLSAICFGR_WRITABLE, RCC_CR_PLLSAI2ON | RCC_CR_PLLSAI2RDY);
                return;
            case RCC_CIER:
                if ((value & mask) != 0)
                    Board.Fault($"RCC: RCC_CIER = 0x{value & mask:X8}: clock-ready and security interrupts are not " +
                                "modelled; poll the RDY flags instead.");
                return;
            case RCC_CIFR: return; // read-only
            case RCC_CICR: return; // nothing is ever pending, so clearing is a no-op
            case RCC_CCIPR: _ccipr = Merge(_ccipr, value, mask); return;
            case RCC_BDCR: WriteBdcr(Merge(_bdcr, value, mask)); return;
            case RCC_CSR: WriteCsr(Merge(_csr, value, mask)); return;
        }
        if (EnableMasks.TryGetValue(offset, out var enableMask))
        {
            _gateRegisters[offset] = Merge(_gateRegisters[offset], value, mask) & enableMask;
            return;
        }
        if (EnableMasks.TryGetValue(offset + 0x20, out var resetMask))
        {
            resetMask &= ~ResetRegisterExceptions.GetValueOrDefault(offset + 0x20);
            var old = _gateRegisters[offset];
            _gateRegisters[offset] = Merge(old, value, mask) & resetMask;
            var asserted = _gateRegisters[offset] & ~old;
            for (var bit = 0; bit < 32; bit++)
                if ((asserted & (1u << bit)) != 0) PeripheralReset?.Invoke(new ClockGate(offset + 0x20, bit));
            return;
        }
        Unmodelled(offset, "write");
    }

    private void WriteCr(uint requested)
    {
        var old = _cr;
        var next = (requested & RCC_CR_WRITABLE) | (old & RCC_CR_READY_BITS);

        if ((next & RCC_CR_HSEON) != 0)
        {
            Board.Fault("RCC: RCC_CR.HSEON set: the virtual B-L475E-IOT01A has no HSE source (no crystal, no " +
                        "ST-LINK MCO); clock the chip from MSI or HSI16.");
            next &= ~RCC_CR_HSEON;
        }
        var newRange = (next & RCC_CR_MSIRANGE) >> 4;
        if (((next ^ old) & RCC_CR_MSIRANGE) != 0)
        {
            if (newRange >= MsiRangeHz.Length)
            {
                Board.Fault($"RCC: RCC_CR.MSIRANGE = {newRange} is reserved (RM0351 §6.4.1 allows 0..11).");
                next = (next & ~RCC_CR_MSIRANGE) | (old & RCC_CR_MSIRANGE);
            }
            else if ((old & RCC_CR_MSION) != 0 && (old & RCC_CR_MSIRDY) == 0)
            {
                Board.Fault("RCC: RCC_CR.MSIRANGE changed while MSI is on but not ready; RM0351 §6.4.1 forbids " +
                            "it: wait for MSIRDY first.");
            }
        }
        // MSIRGSEL is set by software and cleared only by hardware (RM0351 §6.4.1).
        next |= old & RCC_CR_MSIRGSEL;
        // A hardware protection keeps MSIPLLEN from being set while LSE is not ready (RM0351 §6.4.1).
        if ((_bdcr & RCC_BDCR_LSERDY) == 0) next &= ~RCC_CR_MSIPLLEN;
        // An oscillator that feeds SYSCLK or a running PLL cannot be stopped: the clear is ignored (RM0351 §6.4.1).
        if ((next & RCC_CR_MSION) == 0 && MsiFeedsSomething()) next |= RCC_CR_MSION;
        if ((next & RCC_CR_HSION) == 0 && HsiFeedsSomething()) next |= RCC_CR_HSION;
        if ((next & RCC_CR_PLLON) == 0 && _sws == SW_PLL) next |= RCC_CR_PLLON;
        _cr = next;

        StartOrStop(old, RCC_CR_MSION, RCC_CR_MSIRDY, _msiTimer, MsiStartupPs);
        StartOrStop(old, RCC_CR_HSION, RCC_CR_HSIRDY, _hsiTimer, Hsi16StartupPs);
        if (Rising(old, RCC_CR_PLLON) && CheckPllCanLock("PLL", _pllcfgr))
            _pllTimer.ArmAfter(PllLockPs, () => SetReady(RCC_CR_PLLRDY));
        else if (Falling(old, RCC_CR_PLLON)) { _pllTimer.Cancel(); _cr &= ~RCC_CR_PLLRDY; }
        if (Rising(old, RCC_CR_PLLSAI1ON) && CheckPllCanLock("PLLSAI1", _pllsai1cfgr))
            _pllSai1Timer.ArmAfter(PllLockPs, () => SetReady(RCC_CR_PLLSAI1RDY));
        else if (Falling(old, RCC_CR_PLLSAI1ON)) { _pllSai1Timer.Cancel(); _cr &= ~RCC_CR_PLLSAI1RDY; }
        if (Rising(old, RCC_CR_PLLSAI2ON) && CheckPllCanLock("PLLSAI2", _pllsai2cfgr))
            _pllSai2Timer.ArmAfter(PllLockPs, () => SetReady(RCC_CR_PLLSAI2RDY));
        else if (Falling(old, RCC_CR_PLLSAI2ON)) { _pllSai2Timer.Cancel(); _cr &= ~RCC_CR_PLLSAI2RDY; }

        if (((old ^ _cr) & (RCC_CR_MSIRANGE | RCC_CR_MSIRGSEL)) != 0 && MsiFeedsSomething()) UpdateClocks(raiseEvent: true);
    }

    private bool Rising(uint old, uint bit) => (old & bit) == 0 && (_cr & bit) != 0;

    private bool Falling(uint old, uint bit) => (old & bit) != 0 && (_cr & bit) == 0;

    private void StartOrStop(uint old, uint on, uint ready, VirtualTimer timer, ulong startupPs)
    {
        if (Rising(old, on)) timer.ArmAfter(startupPs, () => SetReady(ready));
        else if (Falling(old, on))
        {
            timer.Cancel();
            _cr &= ~ready;
        }
    }

    private void SetReady(uint readyBit)
    {
        _cr |= readyBit;
        StartPendingSwitch();
    }

    private bool MsiFeedsSomething() => _sws == SW_MSI || PllUses(PLLSRC_MSI);

    private bool HsiFeedsSomething() => _sws == SW_HSI16 || PllUses(PLLSRC_HSI16);

    private bool PllUses(uint source) =>
        (_cr & (RCC_CR_PLLON | RCC_CR_PLLSAI1ON | RCC_CR_PLLSAI2ON)) != 0 && (_pllcfgr & RCC_PLLCFGR_PLLSRC) == source;

    private uint MsiHz => MsiRangeHz[(_cr & RCC_CR_MSIRGSEL) != 0
        ? (int)((_cr & RCC_CR_MSIRANGE) >> 4)
        : (int)((_csr & RCC_CSR_MSISRANGE) >> 8)];

    private uint PllInputHz => (_pllcfgr & RCC_PLLCFGR_PLLSRC) switch
    {
        PLLSRC_MSI => MsiHz,
        PLLSRC_HSI16 => Hsi16Hz,
        _ => 0,
    };

    /// VCO input = source / PLLM (PLLM is shared by the main PLL and both PLLSAIs on STM32L47x, RM0351 §6.4.4).
    private uint VcoInputHz => PllInputHz / (((_pllcfgr & RCC_PLLCFGR_PLLM) >> 4) + 1);

    private ulong VcoHz(uint config) => (ulong)VcoInputHz * ((config & RCC_PLLCFGR_PLLN) >> 8);

    /// PLLR: 00 = /2, 01 = /4, 10 = /6, 11 = /8; PLLQ uses the same encoding.
    private uint PllRHz(uint config) => (uint)(VcoHz(config) / (2 * (((config & RCC_PLLCFGR_PLLR) >> 25) + 1)));

    private uint PllQHz(uint config) => (config & RCC_PLLCFGR_PLLQEN) == 0
        ? 0
        : (uint)(VcoHz(config) / (2 * (((config & RCC_PLLCFGR_PLLQ) >> 21) + 1)));

    /// RM0351 §6.4.4: VCO input 4..16 MHz, PLLN 8..86, VCO output 64..344 MHz; the source must already run.
    private bool CheckPllCanLock(string pll, uint config)
    {
        var source = _pllcfgr & RCC_PLLCFGR_PLLSRC;
        string? problem = null;
        if (source == PLLSRC_NONE) problem = "RCC_PLLCFGR.PLLSRC = 00 selects no clock";
        else if (source != PLLSRC_MSI && source != PLLSRC_HSI16)
            problem = "RCC_PLLCFGR.PLLSRC selects HSE, which this board lacks";
        else if (source == PLLSRC_MSI && (_cr & RCC_CR_MSIRDY) == 0) problem = "its source MSI is not ready (wait for MSIRDY)";
        else if (source == PLLSRC_HSI16 && (_cr & RCC_CR_HSIRDY) == 0) problem = "its source HSI16 is not ready (wait for HSIRDY)";
        else
        {
            var n = (config & RCC_PLLCFGR_PLLN) >> 8;
            var vco = VcoHz(config);
            if (VcoInputHz is < 4_000_000 or > 16_000_000)
                problem = $"the VCO input is {VcoInputHz} Hz, outside 4..16 MHz (adjust PLLM)";
            else if (n is < 8 or > 86) problem = $"PLLN = {n} is outside 8..86";
            else if (vco is < 64_000_000 or > 344_000_000) problem = $"the VCO runs at {vco} Hz, outside 64..344 MHz";
        }
        if (problem is null) return true;
        Board.Fault($"RCC: {pll} enabled but it cannot lock: {problem} (RM0351 §6.4.4).");
        return false;
    }

    private uint WritePllConfig(string register, uint old, uint next, uint enableAndReady)
    {
        if (next == old) return old;
        if ((_cr & enableAndReady) != 0)
        {
            Board.Fault($"RCC: {register} written while its PLL is on or not yet stopped; RM0351 §6.4.4 allows " +
                        "writes only with the PLL disabled (clear PLLxON, wait for PLLxRDY = 0).");
            return old;
        }
        return next;
    }

    private void WriteCfgr(uint next)
    {
        var old = _cfgr;
        if ((next & RCC_CFGR_SW) == SW_HSE)
        {
            Board.Fault("RCC: RCC_CFGR.SW selects HSE, which the virtual B-L475E-IOT01A does not have.");
            next = (next & ~RCC_CFGR_SW) | (old & RCC_CFGR_SW);
        }
        _cfgr = next;
        if (((old ^ next) & (RCC_CFGR_HPRE | RCC_CFGR_PPRE1 | RCC_CFGR_PPRE2)) != 0) UpdateClocks(raiseEvent: true);
        if (((old ^ next) & RCC_CFGR_SW) != 0)
        {
            _switchTimer.Cancel();
            StartPendingSwitch();
        }
    }

    /// RM0351 §6.2.6: the switch happens once the selected source is ready, a few cycles later.
    private void StartPendingSwitch()
    {
        var target = _cfgr & RCC_CFGR_SW;
        if (target == _sws || _switchTimer.Pending || !SourceReady(target)) return;
        _switchTimer.ArmAfter(VirtualTime.Cycles(2, HclkHz), () =>
        {
            var wanted = _cfgr & RCC_CFGR_SW;
            if (wanted == _sws || !SourceReady(wanted)) return;
            if (wanted == SW_PLL && (_pllcfgr & RCC_PLLCFGR_PLLREN) == 0)
            {
                Board.Fault("RCC: SYSCLK switched to the PLL while RCC_PLLCFGR.PLLREN = 0: PLLCLK is not output " +
                            "(RM0351 §6.4.4); set PLLREN before the switch.");
                return;
            }
            _sws = wanted;
            UpdateClocks(raiseEvent: true);
        });
    }

    private bool SourceReady(uint sw) => sw switch
    {
        SW_MSI => (_cr & RCC_CR_MSIRDY) != 0,
        SW_HSI16 => (_cr & RCC_CR_HSIRDY) != 0,
        SW_PLL => (_cr & RCC_CR_PLLRDY) != 0,
        _ => false,
    };

    private void UpdateClocks(bool raiseEvent)
    {
        SysclkHz = _sws switch
        {
            SW_MSI => MsiHz,
            SW_HSI16 => Hsi16Hz,
            _ => PllRHz(_pllcfgr),
        };
        HclkHz = SysclkHz / AhbDivisor((_cfgr & RCC_CFGR_HPRE) >> 4);
        Pclk1Hz = HclkHz / ApbDivisor((_cfgr & RCC_CFGR_PPRE1) >> 8);
        Pclk2Hz = HclkHz / ApbDivisor((_cfgr & RCC_CFGR_PPRE2) >> 11);
        if (HclkHz > MaxHclkHz)
            Board.Fault($"RCC: HCLK would be {HclkHz} Hz, above the {MaxHclkHz} Hz maximum of DS10969; check " +
                        "PLLN/PLLR and HPRE.");
        Board.Clock.SysclkHz = HclkHz;
        if (raiseEvent) ClocksChanged?.Invoke();
    }

    /// HPRE: 0xxx = /1, 1000 = /2 ... 1011 = /16, 1100 = /64 ... 1111 = /512 (RM0351 §6.4.3).
    private static uint AhbDivisor(uint hpre) => hpre < 8 ? 1 : hpre < 12 ? 1u << (int)(hpre - 7) : 1u << (int)(hpre - 6);

    /// PPREx: 0xx = /1, 100 = /2, 101 = /4, 110 = /8, 111 = /16.
    private static uint ApbDivisor(uint ppre) => ppre < 4 ? 1 : 1u << (int)(ppre - 3);

    private void WriteBdcr(uint requested)
    {
        // RCC_BDCR is in the backup domain: without PWR_CR1.DBP the write is lost (RM0351 §6.4.29).
        if (!_backupDomain.WritesEnabled) return;
        var old = _bdcr;
        if ((requested & RCC_BDCR_BDRST) != 0)
        {
            _lseTimer.Cancel();
            _bdcr = RCC_BDCR_BDRST;
            _cr &= ~RCC_CR_MSIPLLEN; // cleared by hardware with LSERDY (RM0351 §6.4.1)
            _backupDomain.ResetDomain();
            return;
        }
        var next = (requested & RCC_BDCR_WRITABLE) | (old & RCC_BDCR_LSERDY);
        // RTCSEL can be chosen once; only a backup-domain reset frees it again (RM0351 §6.4.29).
        if ((old & RCC_BDCR_RTCSEL) != 0) next = (next & ~RCC_BDCR_RTCSEL) | (old & RCC_BDCR_RTCSEL);
        _bdcr = next;
        if ((old & RCC_BDCR_LSEON) == 0 && (next & RCC_BDCR_LSEON) != 0)
            _lseTimer.ArmAfter(LseStartupPs, () => _bdcr |= RCC_BDCR_LSERDY);
        else if ((old & RCC_BDCR_LSEON) != 0 && (next & RCC_BDCR_LSEON) == 0)
        {
            _lseTimer.Cancel();
            _bdcr &= ~RCC_BDCR_LSERDY;
            _cr &= ~RCC_CR_MSIPLLEN; // cleared by hardware with LSERDY (RM0351 §6.4.1)
        }
    }

    private void WriteCsr(uint requested)
    {
        var old = _csr;
        if ((requested & RCC_CSR_RMVF) != 0) old &= ~RCC_CSR_FLAGS;
        var range = (requested & RCC_CSR_MSISRANGE) >> 8;
        if (range is < 4 or > 7)
        {
            Board.Fault($"RCC: RCC_CSR.MSISRANGE = {range} is not allowed; RM0351 §6.4.30 accepts 4..7 (1-8 MHz).");
            range = (old & RCC_CSR_MSISRANGE) >> 8;
        }
        _csr = (old & (RCC_CSR_FLAGS | RCC_CSR_LSIRDY)) | (requested & RCC_CSR_LSION) | (range << 8);
        if ((old & RCC_CSR_LSION) == 0 && (_csr & RCC_CSR_LSION) != 0) StartLsi();
        else if ((old & RCC_CSR_LSION) != 0 && (_csr & RCC_CSR_LSION) == 0 && !_lsiForcedByWatchdog)
        {
            _lsiTimer.Cancel();
            _csr &= ~RCC_CSR_LSIRDY;
        }
        if (((old ^ _csr) & RCC_CSR_MSISRANGE) != 0 && (_cr & RCC_CR_MSIRGSEL) == 0 && MsiFeedsSomething())
            UpdateClocks(raiseEvent: true);
    }

    private void StartLsi()
    {
        if (LsiReady || _lsiTimer.Pending) return;
        _lsiTimer.ArmAfter(LsiStartupPs, () => _csr |= RCC_CSR_LSIRDY);
    }
}
