// USB on-the-go full-speed controller (RM0351 §47) as a USB host, in slave mode — the only mode this part has (no
// DMA): the global, host, port and channel registers; the FIFO RAM with the receive FIFO, the non-periodic transmit
// FIFO and its request queue; and the transactions the core performs on the emulated cable in virtual time
// (12 Mbit/s, 1 ms frames). Device mode is not modelled: its registers stop the run.
// Around the core, as on the B-L475E-IOT01A: the bus interface is clocked by RCC_AHB2ENR.OTGFSEN; the PHY needs
// CLK48 (RCC_CCIPR.CLK48SEL) and VDDUSB declared valid (PWR_CR2.USV); DM/DP reach the PHY only through PA11/PA12 in
// AF10; VBUS reaches connector CN9 only through the power switch enabled by PD12 (UM2153).
// This file: register decoding, the core-wide registers, resets, interrupts. OtgFs.Port.cs: the cable, the port and
// the frames. OtgFs.Channels.cs: channels, FIFOs, request queue and transactions.
using Stm32Boot.VirtualBoard.Peripherals.Usb;

namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed partial class OtgFs : MmioPeripheral
{
    public const uint BaseAddress = 0x5000_0000;
    public const int OtgFsIrq = 67; // RM0351 Table 57
    /// RM0351 §47.3 (OTG_FS implementation on the STM32L47x): 12 host channels.
    public const int ChannelCount = 12;

    // Core global registers (RM0351 §47.14)
    private const uint OTG_GOTGCTL = 0x000, OTG_GOTGINT = 0x004, OTG_GAHBCFG = 0x008, OTG_GUSBCFG = 0x00C,
        OTG_GRSTCTL = 0x010, OTG_GINTSTS = 0x014, OTG_GINTMSK = 0x018, OTG_GRXSTSR = 0x01C, OTG_GRXSTSP = 0x020,
        OTG_GRXFSIZ = 0x024, OTG_HNPTXFSIZ = 0x028, OTG_HNPTXSTS = 0x02C, OTG_GCCFG = 0x038, OTG_CID = 0x03C,
        OTG_GLPMCFG = 0x054, OTG_GPWRDN = 0x058, OTG_GADPCTL = 0x060, OTG_HPTXFSIZ = 0x100;
    // Host-mode registers, device-mode registers, power and clock gating, data FIFO windows and the FIFO RAM window.
    private const uint HostRegisters = 0x400, DeviceRegisters = 0x800, OTG_PCGCCTL = 0xE00, FifoWindows = 0x1000,
        FifoWindowSize = 0x1000, FifoRamWindow = 0x2_0000;
    private const uint OTG_HCFG = 0x400, OTG_HFIR = 0x404, OTG_HFNUM = 0x408, OTG_HPTXSTS = 0x410,
        OTG_HAINT = 0x414, OTG_HAINTMSK = 0x418, OTG_HPRT = 0x440, OTG_HCCHAR0 = 0x500, ChannelStride = 0x20;

    // OTG_GOTGCTL: CIDSTS is the ID pin (1 = B-device: nothing or a B plug; 0 = A-device: an OTG adapter's A plug).
    private const uint OTG_GOTGCTL_SRQ = 1u << 1, OTG_GOTGCTL_HNPRQ = 1u << 9, OTG_GOTGCTL_CIDSTS = 1u << 16;
    /// SRQ, the VBUS/A/B-session overrides (bits 2-7), HNPRQ, HSHNPEN, DHNPEN, EHEN, OTGVER.
    private const uint OTG_GOTGCTL_WRITABLE = 0x0010_1EFE;

    // OTG_GAHBCFG
    private const uint OTG_GAHBCFG_GINTMSK = 1u << 0, OTG_GAHBCFG_TXFELVL = 1u << 7, OTG_GAHBCFG_PTXFELVL = 1u << 8;
    private const uint OTG_GAHBCFG_WRITABLE = OTG_GAHBCFG_GINTMSK | OTG_GAHBCFG_TXFELVL | OTG_GAHBCFG_PTXFELVL;

    // OTG_GUSBCFG: PHYSEL reads 1 (the embedded full-speed transceiver is the only PHY).
    private const uint OTG_GUSBCFG_PHYSEL = 1u << 6, OTG_GUSBCFG_FHMOD = 1u << 29, OTG_GUSBCFG_FDMOD = 1u << 30;
    /// TOCAL, SRPCAP, HNPCAP, TRDT, FHMOD, FDMOD.
    private const uint OTG_GUSBCFG_WRITABLE = 0x6000_3F07;
    private const uint OTG_GUSBCFG_RESET = 0x0000_1440;

    // OTG_GRSTCTL
    private const uint OTG_GRSTCTL_CSRST = 1u << 0, OTG_GRSTCTL_PSRST = 1u << 1, OTG_GRSTCTL_FCRST = 1u << 2,
        OTG_GRSTCTL_RXFFLSH = 1u << 4, OTG_GRSTCTL_TXFFLSH = 1u << 5, OTG_GRSTCTL_TXFNUM = 0x1Fu << 6,
        OTG_GRSTCTL_AHBIDL = 1u << 31;
    private const uint TXFNUM_NON_PERIODIC = 0, TXFNUM_PERIODIC = 1, TXFNUM_ALL = 0x10;

    // OTG_GINTSTS / OTG_GINTMSK
    private const uint OTG_GINTSTS_CMOD = 1u << 0, OTG_GINTSTS_MMIS = 1u << 1, OTG_GINTSTS_SOF = 1u << 3, OTG_GINTSTS_RXFLVL = 1u << 4, OTG_GINTSTS_NPTXFE = 1u << 5,
        OTG_GINTSTS_HPRTINT = 1u << 24, OTG_GINTSTS_HCINT = 1u << 25, OTG_GINTSTS_PTXFE = 1u << 26,
        OTG_GINTSTS_CIDSCHG = 1u << 28, OTG_GINTSTS_DISCINT = 1u << 29, OTG_GINTSTS_SRQINT = 1u << 30,
        OTG_GINTSTS_WKUPINT = 1u << 31;
    /// The write-1-to-clear bits of host mode; the others are read-only summaries.
    private const uint OTG_GINTSTS_RC_W1 = OTG_GINTSTS_MMIS | OTG_GINTSTS_SOF | OTG_GINTSTS_CIDSCHG |
                                           OTG_GINTSTS_DISCINT | OTG_GINTSTS_SRQINT | OTG_GINTSTS_WKUPINT;

    // OTG_GRXSTSR / OTG_GRXSTSP, host mode
    private const int OTG_GRXSTS_BCNT_Pos = 4, OTG_GRXSTS_DPID_Pos = 15, OTG_GRXSTS_PKTSTS_Pos = 17;
    private const uint PKTSTS_IN_DATA = 0b0010, PKTSTS_IN_COMPLETE = 0b0011, PKTSTS_TOGGLE_ERROR = 0b0101,
        PKTSTS_HALTED = 0b0111;

    // OTG_GCCFG: the battery-charging detection bits are not modelled.
    private const uint OTG_GCCFG_PWRDWN = 1u << 16, OTG_GCCFG_BCD = 0xFu << 17, OTG_GCCFG_VBDEN = 1u << 21;

    private const uint OTG_CID_RESET = 0x0000_2000;
    // FIFO sizes at reset (RM0351 §47.14); they do not fit the 1.25 KB RAM, so every driver programs its own.
    private const uint OTG_GRXFSIZ_RESET = 0x0000_0200, OTG_HNPTXFSIZ_RESET = 0x0200_0200, OTG_HPTXFSIZ_RESET = 0x0200_0600;

    // OTG_PCGCCTL
    private const uint OTG_PCGCCTL_STPPCLK = 1u << 0, OTG_PCGCCTL_GATEHCLK = 1u << 1;

    /// "The application must wait at least 25 ms for the change to take effect" (GUSBCFG.FHMOD/FDMOD): the model
    /// completes it a little earlier, so a driver that waits as told always finds it done and one that does not
    /// wait at all does not.
    private static readonly ulong ForcedModeChangePs = VirtualTime.Milliseconds(20);
    private const uint PhyClockHz = 48_000_000;

    private readonly Rcc _rcc;
    private readonly Pwr _pwr;
    private readonly Gpio _gpio;
    private readonly VirtualTimer _coreResetTimer, _rxFlushTimer, _txFlushTimer, _frameCounterResetTimer, _modeTimer;
    private uint _gotgctl, _gahbcfg, _gusbcfg, _grstctl, _gintsts, _gintmsk, _grxfsiz, _hnptxfsiz, _hptxfsiz, _gccfg,
        _cid, _pcgcctl;
    private bool _hostMode;

    public OtgFs(IBoard board, Rcc rcc, Pwr pwr, Gpio gpio) : base(board, "OTG_FS", BaseAddress, 0x4_0000)
    {
        _rcc = rcc;
        _pwr = pwr;
        _gpio = gpio;
        _channels = Enumerable.Range(0, ChannelCount).Select(n => new OtgFsChannel(n)).ToArray();
        _coreResetTimer = new VirtualTimer(board);
        _rxFlushTimer = new VirtualTimer(board);
        _txFlushTimer = new VirtualTimer(board);
        _frameCounterResetTimer = new VirtualTimer(board);
        _modeTimer = new VirtualTimer(board);
        _connectTimer = new VirtualTimer(board);
        _portEnableTimer = new VirtualTimer(board);
        _frameTimer = new VirtualTimer(board);
        _transactionTimer = new VirtualTimer(board);
        rcc.PeripheralReset += gate =>
        {
            if (gate == ClockGate.OtgFs) Reset(ResetKind.System);
        };
        gpio.PortChanged += port =>
        {
            if (port == VbusEnable.Port || port == Dm.Port || port == Dp.Port) UpdateCable();
        };
        gpio.PinReleased += (port, pin, _) =>
        {
            if (port == VbusEnable.Port && pin == VbusEnable.Pin) VbusEnableLetGo();
        };
        Reset(ResetKind.PowerOn);
    }

    /// GINTSTS.CMOD: the core works as a host.
    public bool HostMode => _hostMode;

    /// The device on the cable loses nothing at a chip reset, but VBUS goes off with PD12 and comes back when the
    /// firmware switches it on again.
    public override void Reset(ResetKind kind)
    {
        ResetCore(keepPhySettings: false);
        UpdateMode(forced: false);
        UpdateCable();
    }

    /// Everything a core soft reset clears; at a chip reset, also what it keeps (RM0351 §47.14, GRSTCTL.CSRST).
    private void ResetCore(bool keepPhySettings)
    {
        VirtualTimer[] timers = [_coreResetTimer, _rxFlushTimer, _txFlushTimer, _frameCounterResetTimer, _modeTimer,
            _portEnableTimer, _frameTimer, _transactionTimer];
        foreach (var timer in timers) timer.Cancel();
        _gotgctl = _gahbcfg = _gintsts = _gintmsk = _haintmsk = _grstctl = 0;
        _gusbcfg = OTG_GUSBCFG_RESET;
        _grxfsiz = OTG_GRXFSIZ_RESET;
        _hnptxfsiz = OTG_HNPTXFSIZ_RESET;
        _hptxfsiz = OTG_HPTXFSIZ_RESET;
        _cid = OTG_CID_RESET;
        _hfir = OTG_HFIR_RESET;
        _hfirWritten = false;
        if (!keepPhySettings)
        {
            _gccfg = 0;
            _hcfg = 0;
            _pcgcctl = 0;
        }
        else _hcfg &= OTG_HCFG_FSLSPCS;
        ResetPort();
        ResetChannels();
    }

    private protected override bool IsInterfaceClocked(uint offset) => _rcc.IsClocked(ClockGate.OtgFs);

    private protected override uint ReadRegister(uint offset)
    {
        if (offset >= FifoRamWindow) return ReadFifoRam(offset);
        if (offset >= FifoWindows) return RequireHostMode(offset, "read") ? PopReceiveData(offset) : 0;
        if (offset >= DeviceRegisters && offset != OTG_PCGCCTL)
        {
            DeviceModeRegister(offset, "read");
            return 0;
        }
        if (offset >= HostRegisters && offset < DeviceRegisters)
            return RequireHostMode(offset, "read") ? ReadHostRegister(offset) : 0;
        switch (offset)
        {
            case OTG_GOTGCTL: return _gotgctl | (_device is null ? OTG_GOTGCTL_CIDSTS : 0);
            case OTG_GOTGINT: return 0; // no OTG protocol (SRP/HNP/ADP) event is ever modelled
            case OTG_GAHBCFG: return _gahbcfg;
            case OTG_GUSBCFG: return _gusbcfg;
            case OTG_GRSTCTL: return _grstctl | OTG_GRSTCTL_AHBIDL; // no DMA: the AHB master is always idle
            case OTG_GINTSTS: return Gintsts;
            case OTG_GINTMSK: return _gintmsk;
            case OTG_GRXSTSR: return RequireHostMode(offset, "read") ? ReadReceiveStatus(pop: false) : 0;
            case OTG_GRXSTSP: return RequireHostMode(offset, "read") ? ReadReceiveStatus(pop: true) : 0;
            case OTG_GRXFSIZ: return _grxfsiz;
            case OTG_HNPTXFSIZ: return _hnptxfsiz;
            case OTG_HNPTXSTS: return Hnptxsts;
            case OTG_GCCFG: return _gccfg;
            case OTG_CID: return _cid;
            case OTG_GLPMCFG or OTG_GPWRDN or OTG_GADPCTL: return 0; // LPM and ADP off, as writes keep them
            case OTG_HPTXFSIZ: return _hptxfsiz;
            case OTG_PCGCCTL: return _pcgcctl;
            default:
                Unmodelled(offset, "read");
                return 0;
        }
    }

    private protected override void WriteRegister(uint offset, uint value, uint mask)
    {
        if (offset >= FifoRamWindow)
        {
            WriteFifoRam(offset, value, mask);
            return;
        }
        if (offset >= FifoWindows)
        {
            if (RequireHostMode(offset, "write")) PushTransmitData(offset, value, mask);
            return;
        }
        if (offset >= DeviceRegisters && offset != OTG_PCGCCTL)
        {
            DeviceModeRegister(offset, "write");
            return;
        }
        if (offset >= HostRegisters && offset < DeviceRegisters)
        {
            if (RequireHostMode(offset, "write")) WriteHostRegister(offset, value, mask);
            return;
        }
        switch (offset)
        {
            case OTG_GOTGCTL: WriteGotgctl(Merge(_gotgctl, value, mask)); break;
            case OTG_GOTGINT: break; // write-1-to-clear flags that are never set
            case OTG_GAHBCFG: WriteGahbcfg(Merge(_gahbcfg, value, mask)); break;
            case OTG_GUSBCFG: WriteGusbcfg(Merge(_gusbcfg, value, mask)); break;
            case OTG_GRSTCTL: WriteGrstctl(value & mask); break;
            case OTG_GINTSTS: _gintsts &= ~(value & mask & OTG_GINTSTS_RC_W1); break;
            case OTG_GINTMSK: _gintmsk = Merge(_gintmsk, value, mask); break;
            case OTG_GRXSTSR or OTG_GRXSTSP or OTG_HNPTXSTS: break; // read-only
            case OTG_GRXFSIZ: WriteFifoSize("GRXFSIZ", ref _grxfsiz, Merge(_grxfsiz, value, mask) & 0xFFFF, _fifo.Rx.Count); break;
            case OTG_HNPTXFSIZ: WriteFifoSize("HNPTXFSIZ", ref _hnptxfsiz, Merge(_hnptxfsiz, value, mask), _fifo.NonPeriodicTxUsed); break;
            case OTG_GCCFG: WriteGccfg(Merge(_gccfg, value, mask)); break;
            case OTG_CID: _cid = Merge(_cid, value, mask); break;
            case OTG_GLPMCFG or OTG_GPWRDN or OTG_GADPCTL:
                if ((value & mask) != 0)
                    Board.Fault($"OTG_FS: write of 0x{value & mask:X8} to offset 0x{offset:X3}: link power management " +
                                "(GLPMCFG) and attach detection (GPWRDN, GADPCTL) are not modelled by the virtual board.");
                break;
            case OTG_HPTXFSIZ: _hptxfsiz = Merge(_hptxfsiz, value, mask); break;
            case OTG_PCGCCTL: WritePcgcctl(Merge(_pcgcctl, value, mask)); break;
            default: Unmodelled(offset, "write"); return;
        }
        UpdateIrq();
    }

    private uint ReadHostRegister(uint offset)
    {
        if (offset >= OTG_HCCHAR0) return ReadChannelRegister(offset);
        switch (offset)
        {
            case OTG_HCFG: return _hcfg;
            case OTG_HFIR: return _hfir;
            case OTG_HFNUM: return Hfnum;
            // The periodic transmit FIFO is never used (periodic channels are not modelled): empty, queue free.
            case OTG_HPTXSTS: return (_hptxfsiz >> 16) | ((uint)RequestQueueDepth << 16);
            case OTG_HAINT: return Haint;
            case OTG_HAINTMSK: return _haintmsk;
            case OTG_HPRT: return Hprt;
            default:
                Unmodelled(offset, "read");
                return 0;
        }
    }

    private void WriteHostRegister(uint offset, uint value, uint mask)
    {
        if (offset >= OTG_HCCHAR0) WriteChannelRegister(offset, value, mask);
        else
        {
            switch (offset)
            {
                case OTG_HCFG: _hcfg = Merge(_hcfg, value, mask) & (OTG_HCFG_FSLSPCS | OTG_HCFG_FSLSS); break;
                case OTG_HFIR: WriteHfir(Merge(_hfir, value, mask)); break;
                case OTG_HFNUM or OTG_HPTXSTS or OTG_HAINT: break; // read-only
                case OTG_HAINTMSK: _haintmsk = Merge(_haintmsk, value, mask) & 0xFFFF; break;
                case OTG_HPRT: WriteHprt(value, mask); break;
                default: Unmodelled(offset, "write"); return;
            }
        }
        UpdateIrq();
    }

    private uint Gintsts
    {
        get
        {
            var value = _gintsts;
            if (_hostMode) value |= OTG_GINTSTS_CMOD;
            if (_fifo.Rx.Count > 0) value |= OTG_GINTSTS_RXFLVL;
            // TXFELVL = 0: half empty is enough; 1: completely empty.
            var txFree = NonPeriodicTxDepth - _fifo.NonPeriodicTxUsed;
            if ((_gahbcfg & OTG_GAHBCFG_TXFELVL) != 0 ? _fifo.NonPeriodicTxUsed == 0 : 2 * txFree >= NonPeriodicTxDepth)
                value |= OTG_GINTSTS_NPTXFE;
            value |= OTG_GINTSTS_PTXFE;
            if (_hostMode && (_hprt & OTG_HPRT_CHANGES) != 0) value |= OTG_GINTSTS_HPRTINT;
            if ((Haint & _haintmsk) != 0) value |= OTG_GINTSTS_HCINT;
            return value;
        }
    }

    /// The OTG_FS interrupt line: GAHBCFG.GINTMSK and at least one unmasked GINTSTS bit (RM0351 §47.13).
    private void UpdateIrq() =>
        Board.SetIrqLevel(OtgFsIrq, (_gahbcfg & OTG_GAHBCFG_GINTMSK) != 0 && (Gintsts & _gintmsk) != 0);

    private void WriteGotgctl(uint next)
    {
        if ((next & (OTG_GOTGCTL_SRQ | OTG_GOTGCTL_HNPRQ)) != 0)
            Board.Fault("OTG_FS: GOTGCTL requests a session (SRQ) or host negotiation (HNPRQ): the OTG protocols are " +
                        "not modelled; a host-only driver forces host mode with GUSBCFG.FHMOD instead.");
        _gotgctl = next & OTG_GOTGCTL_WRITABLE & ~(OTG_GOTGCTL_SRQ | OTG_GOTGCTL_HNPRQ);
    }

    private void WriteGahbcfg(uint next)
    {
        if ((next & ~OTG_GAHBCFG_WRITABLE) != 0)
            Board.Fault($"OTG_FS: GAHBCFG = 0x{next:X8} sets reserved bits 0x{next & ~OTG_GAHBCFG_WRITABLE:X8}; this " +
                        "OTG_FS has no DMA or burst settings (slave mode only, RM0351 §47.14).");
        _gahbcfg = next & OTG_GAHBCFG_WRITABLE;
    }

    private void WriteGusbcfg(uint next)
    {
        next = (next & OTG_GUSBCFG_WRITABLE) | OTG_GUSBCFG_PHYSEL;
        if ((next & (OTG_GUSBCFG_FHMOD | OTG_GUSBCFG_FDMOD)) == (OTG_GUSBCFG_FHMOD | OTG_GUSBCFG_FDMOD))
        {
            Board.Fault("OTG_FS: GUSBCFG sets both FHMOD and FDMOD; force one mode only (RM0351 §47.14).");
            next = (next & ~(OTG_GUSBCFG_FHMOD | OTG_GUSBCFG_FDMOD)) | (_gusbcfg & (OTG_GUSBCFG_FHMOD | OTG_GUSBCFG_FDMOD));
        }
        var changed = (next ^ _gusbcfg) & (OTG_GUSBCFG_FHMOD | OTG_GUSBCFG_FDMOD);
        if ((changed & next & OTG_GUSBCFG_FHMOD) != 0 && !PhyReady("forcing host mode (GUSBCFG.FHMOD)")) return;
        _gusbcfg = next;
        if (changed != 0) UpdateMode(forced: true);
    }

    /// The mode follows FHMOD/FDMOD, or without them the ID pin (grounded by the OTG adapter of a plugged drive:
    /// an A-device starts as host). A forced change takes effect later, an ID change at once.
    private void UpdateMode(bool forced)
    {
        var host = (_gusbcfg & OTG_GUSBCFG_FHMOD) != 0 || ((_gusbcfg & OTG_GUSBCFG_FDMOD) == 0 && _device is not null);
        if (forced)
        {
            _modeTimer.Cancel();
            if (host != _hostMode) _modeTimer.ArmAfter(ForcedModeChangePs, () => SetMode(host));
        }
        else if (!_modeTimer.Pending) SetMode(host);
    }

    private void SetMode(bool host)
    {
        if (host == _hostMode) return;
        _hostMode = host;
        UpdatePortConnection();
        UpdateIrq();
    }

    private void WriteGrstctl(uint written)
    {
        if ((written & OTG_GRSTCTL_PSRST) != 0)
            Board.Fault("OTG_FS: GRSTCTL bit 1 is reserved on this OTG_FS (RM0351 §47.14).");
        _grstctl = (_grstctl & ~OTG_GRSTCTL_TXFNUM) | (written & OTG_GRSTCTL_TXFNUM);
        if ((written & OTG_GRSTCTL_CSRST) != 0 && PhyReady("a core soft reset (GRSTCTL.CSRST)")) CoreSoftReset();
        if ((written & OTG_GRSTCTL_RXFFLSH) != 0 && PhyReady("a receive FIFO flush (GRSTCTL.RXFFLSH)"))
        {
            FlushReceiveFifo();
            SelfClearing(_rxFlushTimer, OTG_GRSTCTL_RXFFLSH);
        }
        if ((written & OTG_GRSTCTL_TXFFLSH) != 0 && PhyReady("a transmit FIFO flush (GRSTCTL.TXFFLSH)"))
        {
            var fifo = (_grstctl & OTG_GRSTCTL_TXFNUM) >> 6;
            if (fifo is not (TXFNUM_NON_PERIODIC or TXFNUM_PERIODIC or TXFNUM_ALL))
                Board.Fault($"OTG_FS: GRSTCTL.TXFNUM = 0x{fifo:X2} names no host transmit FIFO (host mode: 0x00 " +
                            "non-periodic, 0x01 periodic, 0x10 all; RM0351 §47.14).");
            else if (fifo != TXFNUM_PERIODIC) FlushNonPeriodicTransmitFifo();
            SelfClearing(_txFlushTimer, OTG_GRSTCTL_TXFFLSH);
        }
        if ((written & OTG_GRSTCTL_FCRST) != 0 && PhyReady("a frame counter reset (GRSTCTL.FCRST)"))
        {
            // The next SOF carries frame number 0.
            _frameNumber = FrameNumberMask;
            SelfClearing(_frameCounterResetTimer, OTG_GRSTCTL_FCRST);
        }
    }

    /// RM0351 §47.14: flushes and the frame counter reset take 8 clocks of the slower of the PHY clock and HCLK.
    private void SelfClearing(VirtualTimer timer, uint bit)
    {
        _grstctl |= bit;
        timer.ArmAfter(VirtualTime.Cycles(8, Math.Min(PhyClockHz, _rcc.HclkHz)), () => _grstctl &= ~bit);
    }

    /// RM0351 §47.14, GRSTCTL.CSRST: every register back to reset except GCCFG, HCFG.FSLSPCS and the PCGCCTL gating
    /// bits; all FIFOs flushed, USB transactions cut at once. The bit clears a few PHY clocks later.
    private void CoreSoftReset()
    {
        ResetCore(keepPhySettings: true);
        UpdateMode(forced: false);
        UpdatePortConnection();
        _grstctl |= OTG_GRSTCTL_CSRST;
        _coreResetTimer.ArmAfter(VirtualTime.Cycles(10, PhyClockHz), () => _grstctl &= ~OTG_GRSTCTL_CSRST);
    }

    private void WriteGccfg(uint next)
    {
        if ((next & OTG_GCCFG_BCD) != 0)
        {
            Board.Fault("OTG_FS: GCCFG enables battery charging detection (BCDEN/DCDEN/PDEN/SDEN), which the virtual " +
                        "board does not model; a host leaves them 0.");
            next &= ~OTG_GCCFG_BCD;
        }
        _gccfg = next & (OTG_GCCFG_PWRDWN | OTG_GCCFG_VBDEN);
        UpdatePortConnection();
    }

    private void WritePcgcctl(uint next)
    {
        if ((next & (OTG_PCGCCTL_STPPCLK | OTG_PCGCCTL_GATEHCLK)) != 0)
        {
            Board.Fault("OTG_FS: PCGCCTL stops the PHY clock or gates HCLK (STPPCLK/GATEHCLK): suspend and clock " +
                        "gating are not modelled; keep PCGCCTL at 0.");
            return;
        }
        _pcgcctl = 0;
    }

    /// The PHY runs on CLK48 and needs VDDUSB: without either, the core never finishes the action on silicon.
    private bool PhyReady(string action)
    {
        var problem = _rcc.Clk48UsbProblem;
        if (problem is null && !_pwr.UsbSupplyValid)
            problem = "PWR_CR2.USV = 0: VDDUSB is not declared valid, so the USB transceiver is isolated (RM0351 §5.1.3)";
        if (problem is null) return true;
        Board.Fault($"OTG_FS: {action} needs the USB PHY, but {problem}.");
        return false;
    }

    private bool RequireHostMode(uint offset, string access)
    {
        if (_hostMode) return true;
        Board.Fault($"OTG_FS: {access} of host-mode register/FIFO at offset 0x{offset:X5} while the core is in device " +
                    "mode (GINTSTS.CMOD = 0): silicon sets GINTSTS.MMIS and ignores it. Force host mode " +
                    "(GUSBCFG.FHMOD) and wait for CMOD = 1 first (RM0351 asks for at least 25 ms).");
        return false;
    }

    private void DeviceModeRegister(uint offset, string access) =>
        Board.Fault($"OTG_FS: {access} of device-mode register at offset 0x{offset:X3}: the virtual board models " +
                    "OTG_FS as a USB host only.");

    private uint ReadFifoRam(uint offset)
    {
        var word = (int)((offset - FifoRamWindow) / 4);
        if (word < OtgFsFifoRam.Words) return _fifo[word];
        Unmodelled(offset, "read");
        return 0;
    }

    private void WriteFifoRam(uint offset, uint value, uint mask)
    {
        var word = (int)((offset - FifoRamWindow) / 4);
        if (word < OtgFsFifoRam.Words) _fifo[word] = Merge(_fifo[word], value, mask);
        else Unmodelled(offset, "write");
    }
}
