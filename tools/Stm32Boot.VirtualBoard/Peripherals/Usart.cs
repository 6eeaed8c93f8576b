// A USART (RM0351 §40) in asynchronous mode, the board's console (BoardDescription.ConsoleUsart: USART1 on this
// board), wired to the host side of the ST-LINK virtual COM port.
// Transmit: TDR and the shift register double-buffer the data; a frame takes (start + word + stop bits) at the
// baud rate BRR gives from the USART's kernel clock, and Transmitted fires when its stop bit is out.
// Receive: host bytes travel the line one after another at the host's baud rate in the USART's frame format (the
// host link carries no parity, so the model adds correct parity); the receiver samples each bit in its middle at
// its own baud rate, so a baud mismatch yields the garbage and framing errors silicon would see. Auto-baud (ABREN)
// measures the host's first character per ABRMOD and writes BRR. Bytes arriving while the receiver is off are lost.
// With USART_CR3.DMAR the receiver requests a DMA transfer for every character (RxDmaRequest, high while RXNE).
namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed class Usart : MmioPeripheral
{
    private const uint USART_CR1 = 0x00, USART_CR2 = 0x04, USART_CR3 = 0x08, USART_BRR = 0x0C, USART_GTPR = 0x10,
        USART_RTOR = 0x14, USART_RQR = 0x18, USART_ISR = 0x1C, USART_ICR = 0x20, USART_RDR = 0x24, USART_TDR = 0x28;

    // USART_CR1 (RM0351 §40.8.1)
    private const uint USART_CR1_UE = 1u << 0, USART_CR1_RE = 1u << 2,
        USART_CR1_TE = 1u << 3, USART_CR1_IDLEIE = 1u << 4, USART_CR1_RXNEIE = 1u << 5, USART_CR1_TCIE = 1u << 6,
        USART_CR1_TXEIE = 1u << 7, USART_CR1_PEIE = 1u << 8, USART_CR1_PS = 1u << 9, USART_CR1_PCE = 1u << 10,
        USART_CR1_WAKE = 1u << 11, USART_CR1_M0 = 1u << 12, USART_CR1_MME = 1u << 13, USART_CR1_CMIE = 1u << 14,
        USART_CR1_OVER8 = 1u << 15, USART_CR1_DEDT = 0x1Fu << 16, USART_CR1_DEAT = 0x1Fu << 21,
        USART_CR1_M1 = 1u << 28;
    private const uint USART_CR1_WRITABLE = 0x1FFF_FFFF;
    /// Fields RM0351 lets software change only while UE = 0.
    private const uint USART_CR1_CONFIG = USART_CR1_M0 | USART_CR1_M1 | USART_CR1_OVER8 | USART_CR1_PCE |
        USART_CR1_PS | USART_CR1_WAKE | USART_CR1_DEDT | USART_CR1_DEAT;
    private const uint USART_CR1_UNMODELLED = USART_CR1_MME;

    // USART_CR2 (RM0351 §40.8.2): every field is configuration, written with UE = 0.
    private const uint USART_CR2_CLKEN = 1u << 11, USART_CR2_STOP = 3u << 12,
        USART_CR2_LINEN = 1u << 14, USART_CR2_SWAP = 1u << 15, USART_CR2_RXINV = 1u << 16,
        USART_CR2_TXINV = 1u << 17, USART_CR2_DATAINV = 1u << 18, USART_CR2_MSBFIRST = 1u << 19,
        USART_CR2_ABREN = 1u << 20, USART_CR2_ABRMOD = 3u << 21, USART_CR2_RTOEN = 1u << 23,
        USART_CR2_ADD = 0xFFu << 24;
    private const uint USART_CR2_WRITABLE = 0xFFFF_FF70;
    private const uint USART_CR2_UNMODELLED = USART_CR2_CLKEN | USART_CR2_LINEN | USART_CR2_SWAP | USART_CR2_RXINV |
        USART_CR2_TXINV | USART_CR2_DATAINV | USART_CR2_MSBFIRST | USART_CR2_RTOEN;

    // USART_CR3 (RM0351 §40.8.3)
    private const uint USART_CR3_IREN = 1u << 1, USART_CR3_IRLP = 1u << 2, USART_CR3_HDSEL = 1u << 3,
        USART_CR3_NACK = 1u << 4, USART_CR3_SCEN = 1u << 5, USART_CR3_DMAR = 1u << 6, USART_CR3_DMAT = 1u << 7,
        USART_CR3_RTSE = 1u << 8, USART_CR3_CTSE = 1u << 9, USART_CR3_ONEBIT = 1u << 11,
        USART_CR3_OVRDIS = 1u << 12, USART_CR3_DDRE = 1u << 13, USART_CR3_DEM = 1u << 14, USART_CR3_DEP = 1u << 15,
        USART_CR3_SCARCNT = 7u << 17, USART_CR3_WUS = 3u << 20;
    private const uint USART_CR3_WRITABLE = 0x01FE_FFFF;
    private const uint USART_CR3_CONFIG = USART_CR3_IREN | USART_CR3_IRLP | USART_CR3_HDSEL | USART_CR3_NACK |
        USART_CR3_SCEN | USART_CR3_ONEBIT | USART_CR3_OVRDIS | USART_CR3_DDRE | USART_CR3_DEM | USART_CR3_DEP |
        USART_CR3_SCARCNT | USART_CR3_WUS;
    private const uint USART_CR3_UNMODELLED = USART_CR3_IREN | USART_CR3_HDSEL | USART_CR3_SCEN |
        USART_CR3_DMAT | USART_CR3_RTSE | USART_CR3_CTSE | USART_CR3_DEM;

    // USART_RQR (RM0351 §40.8.8)
    private const uint USART_RQR_ABRRQ = 1u << 0, USART_RQR_SBKRQ = 1u << 1, USART_RQR_MMRQ = 1u << 2,
        USART_RQR_RXFRQ = 1u << 3, USART_RQR_TXFRQ = 1u << 4;

    // USART_ISR (RM0351 §40.8.9); TXE, BUSY, TEACK and REACK are computed from the model's state.
    private const uint USART_ISR_PE = 1u << 0, USART_ISR_FE = 1u << 1, USART_ISR_ORE = 1u << 3,
        USART_ISR_IDLE = 1u << 4, USART_ISR_RXNE = 1u << 5, USART_ISR_TC = 1u << 6, USART_ISR_TXE = 1u << 7,
        USART_ISR_ABRE = 1u << 14, USART_ISR_ABRF = 1u << 15, USART_ISR_BUSY = 1u << 16, USART_ISR_CMF = 1u << 17,
        USART_ISR_TEACK = 1u << 21, USART_ISR_REACK = 1u << 22, USART_ISR_TCBGT = 1u << 25;
    private const uint USART_ISR_RESET_FLAGS = USART_ISR_TC | USART_ISR_TCBGT; // with TXE: 0x020000C0

    /// USART_ICR (RM0351 §40.8.10): bit n clears ISR bit n for these positions.
    private const uint USART_ICR_CLEARABLE = 0x0012_1BDF;

    private readonly Rcc _rcc;
    private readonly UsartInstance _instance;
    private readonly VirtualTimer _txTimer, _rxTimer, _idleTimer;
    private readonly Queue<byte> _hostBytes = new();
    private uint _cr1, _cr2, _cr3, _brr, _gtpr, _rtor, _isr, _rdr, _tdr, _shifter;
    private bool _tdrFull, _shifterSendsIdle, _autoBaudDone, _receivedSinceIdle;
    private byte _lineByte;
    private ulong _lineBitPs;

    public Usart(IBoard board, Rcc rcc, UsartInstance instance) : base(board, instance.Name, instance.BaseAddress, 0x400)
    {
        _rcc = rcc;
        _instance = instance;
        RxDmaRequest = new DmaRequest($"{instance.Name}_RX");
        _txTimer = new VirtualTimer(board);
        _rxTimer = new VirtualTimer(board);
        _idleTimer = new VirtualTimer(board);
        rcc.PeripheralReset += gate =>
        {
            if (gate == instance.Gate) Reset(ResetKind.System);
        };
        Reset(ResetKind.PowerOn);
    }

    /// A frame's stop bit has left TX (virtual time): the byte the host receives.
    public event Action<byte>? Transmitted;

    /// A host frame's stop bit has reached RX (virtual time), whether the receiver took the byte or not.
    public event Action<byte>? HostFrameEnded;

    /// USART_CR1.UE.
    public bool Enabled => (_cr1 & USART_CR1_UE) != 0;

    /// The instance's receive DMA request (RM0351 §40.5, continuous communication using DMA): RXNE while
    /// USART_CR3.DMAR is set.
    public DmaRequest RxDmaRequest { get; }

    /// Which USART this is: its name, registers, NVIC line, clock gate and DMA routes.
    public UsartInstance Instance => _instance;

    /// The baud rate BRR and the kernel clock give now; 0 while BRR is below 16 or the clock is off.
    public int BaudRate
    {
        get
        {
            var clock = _rcc.UsartKernelClockHz(_instance);
            var divider = UsartDiv;
            if (clock == 0 || divider < 16) return 0;
            return (int)((ulong)clock * (Oversampling8 ? 2u : 1u) / divider);
        }
    }

    /// The host's line rate; null = the host always matches the firmware's current baud rate.
    public int? HostBaudRate { get; set; }

    /// Host bytes that reached a disabled receiver, or were sent while no baud rate was known, or overran RDR.
    public long HostBytesLost { get; private set; }

    /// Queues bytes on the host's TX line; they start right after the byte already on the line, back to back.
    public void HostSend(ReadOnlySpan<byte> bytes)
    {
        foreach (var value in bytes) _hostBytes.Enqueue(value);
        if (!_rxTimer.Pending) StartLineByte(Board.Clock.NowPs);
    }

    public override void Reset(ResetKind kind)
    {
        _txTimer.Cancel();
        _idleTimer.Cancel();
        _cr1 = _cr2 = _cr3 = _brr = _gtpr = _rtor = _rdr = _tdr = _shifter = 0;
        _isr = USART_ISR_RESET_FLAGS;
        _tdrFull = _shifterSendsIdle = _autoBaudDone = _receivedSinceIdle = false;
        // The host keeps sending through a reset: the byte on the line is lost, the queued ones follow it at the
        // host's rate into a receiver that is now off (the board drops pending events at reset, so re-arm here).
        if (_rxTimer.Pending)
        {
            _rxTimer.Cancel();
            HostBytesLost++;
        }
        StartLineByte(Board.Clock.NowPs);
        UpdateIrq();
    }

    private protected override bool IsInterfaceClocked(uint offset) => _rcc.IsClocked(_instance.Gate);

    private bool Oversampling8 => (_cr1 & USART_CR1_OVER8) != 0;

    /// RM0351 §40.5.4: with OVER8 = 1, BRR[2:0] holds USARTDIV[3:0] >> 1 and BRR[3] must be 0.
    private uint UsartDiv => Oversampling8 ? (_brr & 0xFFF0) | ((_brr & 7) << 1) : _brr & 0xFFFF;

    /// M1:M0 = 00: 8 bits, 01: 9 bits, 10: 7 bits (parity included).
    private int WordLength => (((_cr1 & USART_CR1_M1) != 0 ? 2 : 0) | ((_cr1 & USART_CR1_M0) != 0 ? 1 : 0)) switch
    {
        0 => 8,
        1 => 9,
        _ => 7,
    };

    private bool ParityEnabled => (_cr1 & USART_CR1_PCE) != 0;

    private int DataBits => WordLength - (ParityEnabled ? 1 : 0);

    /// STOP: 00 = 1, 01 = 0.5, 10 = 2, 11 = 1.5 stop bits, counted here in half bits.
    private int StopHalfBits => ((_cr2 & USART_CR2_STOP) >> 12) switch { 0 => 2, 1 => 1, 2 => 4, _ => 3 };

    private bool ReceiverOn => (_cr1 & (USART_CR1_UE | USART_CR1_RE)) == (USART_CR1_UE | USART_CR1_RE);

    private protected override uint ReadRegister(uint offset)
    {
        switch (offset)
        {
            case USART_CR1: return _cr1;
            case USART_CR2: return _cr2;
            case USART_CR3: return _cr3;
            case USART_BRR: return _brr;
            case USART_GTPR: return _gtpr;
            case USART_RTOR: return _rtor;
            case USART_RQR or USART_ICR: return 0; // write-only
            case USART_ISR: return Isr;
            case USART_RDR:
                // Reading RDR clears RXNE (RM0351 §40.8.9).
                _isr &= ~USART_ISR_RXNE;
                UpdateIrq();
                return _rdr;
            case USART_TDR: return _tdr;
            default:
                Unmodelled(offset, "read");
                return 0;
        }
    }

    private uint Isr
    {
        get
        {
            var isr = _isr;
            if (!_tdrFull) isr |= USART_ISR_TXE;
            if (Enabled && (_cr1 & USART_CR1_TE) != 0) isr |= USART_ISR_TEACK;
            if (ReceiverOn)
            {
                isr |= USART_ISR_REACK;
                if (_rxTimer.Pending) isr |= USART_ISR_BUSY;
            }
            return isr;
        }
    }

    private protected override void WriteRegister(uint offset, uint value, uint mask)
    {
        switch (offset)
        {
            case USART_CR1: WriteCr1(Merge(_cr1, value, mask) & USART_CR1_WRITABLE); break;
            case USART_CR2:
                _cr2 = WriteConfig("USART_CR2", _cr2, Merge(_cr2, value, mask) & USART_CR2_WRITABLE, 0xFFFF_FFFF,
                                   USART_CR2_UNMODELLED);
                break;
            case USART_CR3:
                _cr3 = WriteConfig("USART_CR3", _cr3, Merge(_cr3, value, mask) & USART_CR3_WRITABLE, USART_CR3_CONFIG,
                                   USART_CR3_UNMODELLED);
                UpdateIrq();
                break;
            case USART_BRR:
                _brr = WriteConfig("USART_BRR", _brr, Merge(_brr, value, mask) & 0xFFFF, 0xFFFF, 0);
                break;
            case USART_GTPR: _gtpr = Merge(_gtpr, value, mask) & 0xFFFF; break;
            case USART_RTOR: _rtor = Merge(_rtor, value, mask); break;
            case USART_RQR: WriteRqr(value & mask); break;
            case USART_ISR: break; // read-only
            case USART_ICR:
                _isr &= ~(value & mask & USART_ICR_CLEARABLE);
                UpdateIrq();
                break;
            case USART_RDR: break; // read-only
            case USART_TDR: WriteTdr(Merge(_tdr, value, mask) & 0x1FF); break;
            default: Unmodelled(offset, "write"); break;
        }
    }

    /// Configuration fields are writable only with UE = 0 (RM0351 §40.8); changing one with UE = 1 is undefined,
    /// so the model stops instead of guessing. Features the model lacks stop the run when switched on.
    private uint WriteConfig(string register, uint old, uint next, uint configBits, uint unmodelled)
    {
        if (Enabled && ((old ^ next) & configBits) != 0)
        {
            Board.Fault($"{Name}: {register} changed from 0x{old:X8} to 0x{next:X8} while UE = 1; RM0351 §40.8 " +
                        "allows these fields to change only with the USART disabled (clear UE first).");
            next = (next & ~configBits) | (old & configBits);
        }
        if ((next & unmodelled) != 0)
        {
            Board.Fault($"{Name}: {register} = 0x{next:X8} enables features the virtual board does not model " +
                        $"(bits 0x{next & unmodelled:X8}: synchronous/LIN/smartcard/IrDA/half-duplex, pin swap or " +
                        "inversion, MSB first, receiver timeout, DMA transmission, hardware flow control or RS-485 " +
                        "driver enable).");
            next &= ~unmodelled;
        }
        return next;
    }

    private void WriteCr1(uint next)
    {
        var old = _cr1;
        next = WriteConfig("USART_CR1", old, next, (old & USART_CR1_UE) != 0 ? USART_CR1_CONFIG : 0,
                           USART_CR1_UNMODELLED);
        if ((next & (USART_CR1_M0 | USART_CR1_M1)) == (USART_CR1_M0 | USART_CR1_M1))
        {
            Board.Fault($"{Name}: USART_CR1.M1:M0 = 11 is reserved (RM0351 §40.8.1).");
            next = (next & ~(USART_CR1_M0 | USART_CR1_M1)) | (old & (USART_CR1_M0 | USART_CR1_M1));
        }
        _cr1 = next;
        var wasOn = (old & USART_CR1_UE) != 0;
        if (wasOn && !Enabled) Disable();
        if (!wasOn && Enabled) _autoBaudDone = false;
        var transmitterWasOn = (old & (USART_CR1_UE | USART_CR1_TE)) == (USART_CR1_UE | USART_CR1_TE);
        var transmitterOn = (next & (USART_CR1_UE | USART_CR1_TE)) == (USART_CR1_UE | USART_CR1_TE);
        // Enabling the transmitter first sends an idle frame (RM0351 §40.5.2).
        if (!transmitterWasOn && transmitterOn && !_txTimer.Pending) StartFrame(idle: true);
        UpdateIrq();
    }

    /// RM0351 §40.8.1 UE: clearing it stops the USART at once and returns every ISR flag to its reset value.
    private void Disable()
    {
        _txTimer.Cancel();
        _idleTimer.Cancel();
        _isr = USART_ISR_RESET_FLAGS;
        _tdrFull = _shifterSendsIdle = _receivedSinceIdle = false;
    }

    private void WriteRqr(uint request)
    {
        if ((request & (USART_RQR_SBKRQ | USART_RQR_MMRQ | USART_RQR_TXFRQ)) != 0)
            Board.Fault($"{Name}: USART_RQR = 0x{request:X2} requests a break, mute mode or a smartcard transmit " +
                        "flush, which the virtual board does not model.");
        if ((request & USART_RQR_ABRRQ) != 0)
        {
            // A new auto-baud measurement on the next character (RM0351 §40.5.6).
            _isr &= ~(USART_ISR_ABRF | USART_ISR_ABRE);
            _autoBaudDone = false;
        }
        if ((request & USART_RQR_RXFRQ) != 0) _isr &= ~USART_ISR_RXNE;
        UpdateIrq();
    }

    private void WriteTdr(uint value)
    {
        if (!Enabled)
        {
            Board.Fault($"{Name}: USART_TDR written while UE = 0; enable the USART before sending.");
            return;
        }
        if (WordLength == 9 && !ParityEnabled)
        {
            Board.Fault($"{Name}: 9 data bits without parity cannot reach the host: the host link carries bytes.");
            return;
        }
        // Writing TDR clears TC (RM0351 §40.8.9); a write while TXE = 0 overwrites the waiting data.
        _tdr = value;
        _tdrFull = true;
        _isr &= ~USART_ISR_TC;
        if (!_txTimer.Pending) StartFrame(idle: false);
        UpdateIrq();
    }

    private void StartFrame(bool idle)
    {
        if (!idle && (!_tdrFull || (_cr1 & USART_CR1_TE) == 0)) return;
        if (FramePs() is not ulong framePs) return;
        _shifterSendsIdle = idle;
        if (!idle)
        {
            // TDR moves into the shift register at once: TXE is set again while the frame goes out.
            _shifter = _tdr;
            _tdrFull = false;
        }
        _txTimer.ArmAfter(framePs, EndFrame);
    }

    private void EndFrame()
    {
        if (!_shifterSendsIdle) Transmitted?.Invoke((byte)(_shifter & ((1u << DataBits) - 1)));
        _shifterSendsIdle = false;
        if (_tdrFull && (_cr1 & USART_CR1_TE) != 0) StartFrame(idle: false);
        else if (!_tdrFull) _isr |= USART_ISR_TC;
        UpdateIrq();
    }

    /// One frame of the current format at the current baud rate, or null (after a fault) when there is no rate.
    private ulong? FramePs()
    {
        if (BitPs() is not ulong bitPs) return null;
        return (ulong)(2 * (1 + WordLength) + StopHalfBits) * bitPs / 2;
    }

    private ulong? BitPs()
    {
        var clock = _rcc.UsartKernelClockHz(_instance);
        if (clock == 0)
        {
            Board.Fault($"{Name}: its kernel clock (RCC_CCIPR.{Name}SEL) is not running.");
            return null;
        }
        if (UsartDiv < 16)
        {
            Board.Fault($"{Name}: USART_BRR = 0x{_brr:X4} gives USARTDIV {UsartDiv}; RM0351 §40.5.4 requires at " +
                        "least 16. Program BRR before enabling the USART.");
            return null;
        }
        return (ulong)((UInt128)UsartDiv * VirtualTime.PsPerSecond / ((ulong)clock * (Oversampling8 ? 2u : 1u)));
    }

    /// The line's bit time as the host sends: its own rate, or the firmware's when the host just follows.
    private ulong? HostBitPs()
    {
        if (HostBaudRate is int baud) return VirtualTime.PsPerSecond / (ulong)baud;
        return BaudRate == 0 ? null : BitPs();
    }

    private void StartLineByte(ulong startPs)
    {
        while (_hostBytes.TryDequeue(out var value))
        {
            if (HostBitPs() is not ulong bitPs)
            {
                // Neither side has a rate: the byte goes to a receiver that cannot be listening.
                HostBytesLost++;
                continue;
            }
            _idleTimer.Cancel();
            _lineByte = value;
            _lineBitPs = bitPs;
            var frameBits = (ulong)(2 * (1 + WordLength) + StopHalfBits);
            _rxTimer.Arm(startPs + frameBits * bitPs / 2, EndLineByte);
            return;
        }
    }

    private void EndLineByte()
    {
        var endPs = Board.Clock.NowPs;
        if (ReceiverOn) Receive();
        else HostBytesLost++;
        HostFrameEnded?.Invoke(_lineByte);
        StartLineByte(endPs);
        // IDLE: one whole frame of idle line after a received character (RM0351 §40.8.9).
        if (!_rxTimer.Pending && _receivedSinceIdle && FramePs() is ulong framePs)
            _idleTimer.ArmAfter(framePs, () =>
            {
                _receivedSinceIdle = false;
                _isr |= USART_ISR_IDLE;
                UpdateIrq();
            });
    }

    private void Receive()
    {
        var line = LineBits();
        if ((_cr2 & USART_CR2_ABREN) != 0 && !_autoBaudDone && !MeasureBaudRate(line)) return;
        if (BitPs() is not ulong bitPs) return;
        // Sample the middle of each receiver bit: start, WordLength data/parity bits, first stop bit.
        var word = 0u;
        for (var bit = 0; bit < WordLength; bit++)
            if (LineLevel(line, (ulong)(bit + 1) * bitPs + bitPs / 2)) word |= 1u << bit;
        var framingError = !LineLevel(line, (ulong)(WordLength + 1) * bitPs + bitPs / 2);
        var oddParity = (_cr1 & USART_CR1_PS) != 0 ? 1 : 0;
        var parityError = ParityEnabled && (System.Numerics.BitOperations.PopCount(word) & 1) != oddParity;

        _receivedSinceIdle = true;
        if ((_isr & USART_ISR_RXNE) != 0 && (_cr3 & USART_CR3_OVRDIS) == 0)
        {
            // Overrun: RDR keeps the unread character, the new one is lost (RM0351 §40.5.3).
            _isr |= USART_ISR_ORE;
            HostBytesLost++;
        }
        else
        {
            _rdr = word;
            _isr |= USART_ISR_RXNE;
            if (framingError) _isr |= USART_ISR_FE;
            if (parityError) _isr |= USART_ISR_PE;
            if ((word & 0xFF) == (_cr2 & USART_CR2_ADD) >> 24) _isr |= USART_ISR_CMF;
        }
        UpdateIrq();
    }

    /// The line as levels per host bit from this byte's start bit: this frame, then the next queued byte's frame
    /// if it follows back to back, then idle (high).
    private bool[] LineBits()
    {
        var frameBits = 1 + WordLength + (StopHalfBits + 1) / 2;
        var bits = new List<bool>(2 * frameBits + 16);
        AddFrame(bits, _lineByte);
        if (_hostBytes.TryPeek(out var next)) AddFrame(bits, next);
        bits.AddRange(Enumerable.Repeat(true, 16));
        return bits.ToArray();
    }

    private void AddFrame(List<bool> bits, byte value)
    {
        var data = value & ((1u << DataBits) - 1);
        var word = data;
        if (ParityEnabled)
        {
            var ones = System.Numerics.BitOperations.PopCount(data) & 1;
            var parity = (_cr1 & USART_CR1_PS) != 0 ? ones ^ 1 : ones; // PS = 1: odd parity
            word |= (uint)parity << DataBits;
        }
        bits.Add(false);
        for (var bit = 0; bit < WordLength; bit++) bits.Add((word & (1u << bit)) != 0);
        for (var stop = 0; stop < (StopHalfBits + 1) / 2; stop++) bits.Add(true);
    }

    private bool LineLevel(bool[] line, ulong atPs)
    {
        var index = atPs / _lineBitPs;
        return index >= (ulong)line.Length || line[index];
    }

    /// RM0351 §40.5.6: the first character after ABREN (or ABRRQ) sets BRR from a measured bit time. Returns false
    /// when the measurement failed (ABRE): that character is not received.
    private bool MeasureBaudRate(bool[] line)
    {
        _autoBaudDone = true;
        var mode = (_cr2 & USART_CR2_ABRMOD) >> 21;
        // Host bits from the start edge to the edge each mode times, and how many bits that span should be.
        var firstRise = Array.IndexOf(line, true, 1);
        var nextFall = firstRise < 0 ? -1 : Array.IndexOf(line, false, firstRise);
        (int measured, int expected) = mode switch
        {
            0 => (firstRise, 1), // start bit: character starts with 1
            1 => (nextFall, 2),  // falling edge to falling edge: character starts with 10
            2 => (nextFall, 8),  // 0x7F: falling edge of the start bit to the falling edge of bit 7
            _ => (_lineByte == 0x55 ? 1 : -1, 1), // 0x55: every edge is checked, any other character fails
        };
        var clock = _rcc.UsartKernelClockHz(_instance);
        var divider = 0.0;
        if (measured > 0 && clock != 0)
        {
            var measuredBitPs = (double)measured / expected * _lineBitPs;
            divider = Math.Round(measuredBitPs * clock * (Oversampling8 ? 2 : 1) / VirtualTime.PsPerSecond);
        }
        if (divider is < 16 or > 0xFFFF)
        {
            _isr |= USART_ISR_ABRF | USART_ISR_ABRE;
            UpdateIrq();
            return false;
        }
        var usartDiv = (uint)divider;
        _brr = Oversampling8 ? (usartDiv & 0xFFF0) | ((usartDiv & 0xF) >> 1) : usartDiv;
        _isr |= USART_ISR_ABRF;
        return true;
    }

    private void UpdateIrq()
    {
        var isr = Isr;
        bool Pending(uint flag, uint enable) => (isr & flag) != 0 && (_cr1 & enable) != 0;
        Board.SetIrqLevel(_instance.Irq,
            Pending(USART_ISR_TXE, USART_CR1_TXEIE) || Pending(USART_ISR_TC, USART_CR1_TCIE) ||
            Pending(USART_ISR_RXNE | USART_ISR_ORE, USART_CR1_RXNEIE) || Pending(USART_ISR_IDLE, USART_CR1_IDLEIE) ||
            Pending(USART_ISR_PE, USART_CR1_PEIE) || Pending(USART_ISR_CMF, USART_CR1_CMIE));
        // Last: the DMA serves a rising request at once, reading RDR, which comes back here to lower it.
        RxDmaRequest.Set((isr & USART_ISR_RXNE) != 0 && (_cr3 & USART_CR3_DMAR) != 0);
    }
}
