// OTG_FS, continued: the cable to connector CN9, the host port (OTG_HPRT: power, connection, reset, enable, speed)
// and the frames (SOF every HFIR.FRIVL PHY clocks, OTG_HFNUM).
using Stm32Boot.VirtualBoard.Usb;

namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed partial class OtgFs
{
    // The connector's pins, the VBUS power switch's enable and its over-current flag (not modelled: an over-current
    // never happens here) are the board's: BoardDescription.UsbDm, UsbDp, UsbVbusEnable, UsbOverCurrent.
    private static readonly BoardPin VbusEnable = BoardDescription.UsbVbusEnable, Dm = BoardDescription.UsbDm, Dp = BoardDescription.UsbDp;

    // OTG_HPRT: PCDET, PENCHNG and POCCHNG are write-1-to-clear; writing 1 to PENA disables the port.
    private const uint OTG_HPRT_PCSTS = 1u << 0, OTG_HPRT_PCDET = 1u << 1, OTG_HPRT_PENA = 1u << 2,
        OTG_HPRT_PENCHNG = 1u << 3, OTG_HPRT_POCCHNG = 1u << 5, OTG_HPRT_PRES = 1u << 6, OTG_HPRT_PSUSP = 1u << 7,
        OTG_HPRT_PRST = 1u << 8, OTG_HPRT_PLSTS_DP = 1u << 10, OTG_HPRT_PLSTS_DM = 1u << 11, OTG_HPRT_PPWR = 1u << 12,
        OTG_HPRT_PTCTL = 0xFu << 13, OTG_HPRT_PSPD_Pos = 17;
    private const uint OTG_HPRT_CHANGES = OTG_HPRT_PCDET | OTG_HPRT_PENCHNG | OTG_HPRT_POCCHNG;
    private const uint PSPD_FULL = 1, PSPD_LOW = 2;

    // OTG_HCFG, OTG_HFIR, OTG_HFNUM
    private const uint OTG_HCFG_FSLSPCS = 3u, OTG_HCFG_FSLSS = 1u << 2;
    private const uint FSLSPCS_48MHZ = 1, FSLSPCS_6MHZ = 2;
    private const uint OTG_HFIR_FRIVL = 0xFFFFu, OTG_HFIR_RLDCTRL = 1u << 16, OTG_HFIR_RESET = 0xEA60;
    private const uint FrameNumberMask = 0x3FFF;

    /// USB 2.0 §7.1.7.5: "resets from root ports have a duration of at least 50 ms" (TDRSTR), and the OTG_FS port is a
    /// root port. The 10 ms of RM0351's HPRT.PRST is TDRST, the reset of a hub's downstream port (or one SE0 of a root
    /// reset given in pieces less than 3 ms apart, which the model does not take: one continuous PRST is what
    /// TinyUSB's and ST's host stacks do).
    private static readonly ulong MinimumPortResetPs = VirtualTime.Milliseconds(50);
    /// From the end of the reset to PENA: the PHY's speed detection, a few microseconds.
    private static readonly ulong PortEnableDelayPs = VirtualTime.Microseconds(2);
    private static readonly ulong FramePs = VirtualTime.Milliseconds(1);
    /// USB 2.0 §7.1.12: a full-speed frame is 1 ms ± 500 ns.
    private static readonly ulong FrameTolerancePs = VirtualTime.Microseconds(0.5);

    private readonly VirtualTimer _connectTimer, _portEnableTimer, _frameTimer;
    private IUsbFunction? _device;
    /// VBUS reaches the device; its D+ pull-up is on (it connects after its start-up delay).
    private bool _devicePowered, _lineAttached;
    /// Counts every loss of the link (disconnect, port disabled, reset): a transaction on the wire when it changes
    /// gets no answer.
    private long _linkGeneration;
    private uint _hprt, _hcfg, _hfir;
    private bool _hfirWritten, _portConnected, _portEnabled;
    private ulong _portResetStartPs, _frameStartPs;
    private uint _frameNumber;

    /// The device plugged into CN9 (through an OTG adapter), if any.
    public IUsbFunction? Device => _device;

    /// HPRT.PENA: the port is enabled and sends SOFs.
    public bool PortEnabled => _portEnabled;

    /// Plugs a device into CN9 through an OTG adapter, whose A plug grounds the ID pin.
    public void Attach(IUsbFunction device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (_device is not null) throw new InvalidOperationException("A USB device is already plugged into CN9; detach it first.");
        _device = device;
        device.Unplugged += Detach;
        _gintsts |= OTG_GINTSTS_CIDSCHG;
        UpdateMode(forced: false);
        UpdateCable();
        UpdateIrq();
    }

    /// Pulls the device out of CN9, at any moment: a transaction on the wire gets no answer.
    public void Detach()
    {
        if (_device is not { } device) return;
        device.Unplugged -= Detach;
        if (_devicePowered) device.PowerChanged(false, Board.Clock.NowPs);
        _device = null;
        _devicePowered = _lineAttached = false;
        _connectTimer.Cancel();
        _linkGeneration++;
        _gintsts |= OTG_GINTSTS_CIDSCHG;
        UpdateMode(forced: false);
        UpdatePortConnection();
        UpdateIrq();
    }

    /// Why the host port does not see a device right now, or null when it does (for test diagnostics and traces).
    public string? WhyNoConnection()
    {
        if (_device is null) return "no device is plugged into CN9";
        if (!VbusOn) return $"VBUS is off: {VbusEnable} does not drive the power switch enable {(BoardDescription.UsbVbusEnableOnLevel ? "high" : "low")}";
        if (!_rcc.IsClocked(ClockGate.OtgFs)) return "the OTG_FS clock (RCC_AHB2ENR.OTGFSEN) is off";
        if (!_hostMode) return "the core is in device mode (GINTSTS.CMOD = 0)";
        if ((_hprt & OTG_HPRT_PPWR) == 0) return "the port is not powered (HPRT.PPWR = 0)";
        if ((_gccfg & OTG_GCCFG_PWRDWN) == 0) return "the transceiver is powered down (GCCFG.PWRDWN = 0)";
        if (!DataLinesRouted) return "PA11/PA12 are not in alternate function 10 (OTG_FS_DM/DP)";
        if (!_lineAttached) return "the device has not connected yet (start-up delay after VBUS)";
        return null;
    }

    /// The firmware drove PD12 and then let it float (analog, or an input without pull): the STMPS2141's enable is
    /// then held by nothing the chip controls — leakage, and whatever the board ties to it, which UM2153 does not
    /// promise — while a drive may still be plugged into CN9. PD12 floats out of every chip reset too, before the
    /// bootloader drives it; Gpio.PinReleased leaves that out, so the rule catches firmware that lets go of a driven
    /// enable, as the peripheral reset of a hand-over to the application does.
    private void VbusEnableLetGo() =>
        Board.Fault("GPIO: PD12, the enable of CN9's STMPS2141 VBUS switch (UM2153), went from driven to floating " +
                    "(analog, or input without pull): whether VBUS stays off then depends on leakage and on a board " +
                    "pull-up no document promises. Keep it driven (high: VBUS off), for instance across the peripheral " +
                    "reset of the hand-over to the application; a GPIO port keeps its configuration when its clock is gated.");

    private bool VbusOn => _gpio.GetOutput(VbusEnable.Port, VbusEnable.Pin) == BoardDescription.UsbVbusEnableOnLevel;

    private bool DataLinesRouted =>
        _gpio.AlternateFunction(Dm.Port, Dm.Pin) == BoardDescription.UsbAlternateFunction &&
        _gpio.AlternateFunction(Dp.Port, Dp.Pin) == BoardDescription.UsbAlternateFunction;

    /// VBUS to the device follows PD12; a powered device pulls D+ up after its start-up delay.
    private void UpdateCable()
    {
        var powered = _device is not null && VbusOn;
        if (powered != _devicePowered)
        {
            _devicePowered = powered;
            var device = _device!;
            device.PowerChanged(powered, Board.Clock.NowPs);
            if (powered)
                _connectTimer.ArmAfter(device.ConnectDelayPs, () =>
                {
                    _lineAttached = true;
                    UpdatePortConnection();
                    UpdateIrq();
                });
            else
            {
                _connectTimer.Cancel();
                _lineAttached = false;
                _linkGeneration++;
            }
        }
        UpdatePortConnection();
        UpdateIrq();
    }

    /// HPRT.PCSTS: the powered host port of a core in host mode sees D+ pulled up through its transceiver.
    private void UpdatePortConnection()
    {
        var sees = _hostMode && (_hprt & OTG_HPRT_PPWR) != 0 && (_gccfg & OTG_GCCFG_PWRDWN) != 0 && _lineAttached &&
                   DataLinesRouted && _rcc.IsClocked(ClockGate.OtgFs);
        if (sees == _portConnected) return;
        _portConnected = sees;
        if (sees)
        {
            _hprt |= OTG_HPRT_PCDET;
            return;
        }
        _gintsts |= OTG_GINTSTS_DISCINT;
        _portEnableTimer.Cancel();
        if (_portEnabled) DisablePort();
        _linkGeneration++;
    }

    private void ResetPort()
    {
        _portEnableTimer.Cancel();
        _frameTimer.Cancel();
        _hprt = 0;
        _portConnected = _portEnabled = false;
        _frameNumber = FrameNumberMask;
        _linkGeneration++;
    }

    private uint Hprt
    {
        get
        {
            var value = _hprt & (OTG_HPRT_CHANGES | OTG_HPRT_PPWR | OTG_HPRT_PRST);
            if (!_portConnected) return value;
            value |= OTG_HPRT_PCSTS;
            if (_portEnabled) value |= OTG_HPRT_PENA;
            var fullSpeed = _device!.Speed == UsbSpeed.Full;
            value |= (fullSpeed ? PSPD_FULL : PSPD_LOW) << (int)OTG_HPRT_PSPD_Pos;
            // Idle line (J state): D+ high for full speed, D- high for low speed; SE0 while the port resets.
            if ((_hprt & OTG_HPRT_PRST) == 0) value |= fullSpeed ? OTG_HPRT_PLSTS_DP : OTG_HPRT_PLSTS_DM;
            return value;
        }
    }

    private void WriteHprt(uint value, uint mask)
    {
        var written = value & mask;
        _hprt &= ~(written & OTG_HPRT_CHANGES);
        if ((written & OTG_HPRT_PENA) != 0 && _portEnabled) DisablePort();
        if ((written & (OTG_HPRT_PSUSP | OTG_HPRT_PRES | OTG_HPRT_PTCTL)) != 0)
            Board.Fault($"OTG_FS: HPRT = 0x{written:X8} suspends, resumes or selects a test mode (PSUSP/PRES/PTCTL): " +
                        "not modelled by the virtual board.");
        var next = Merge(_hprt, value, mask & (OTG_HPRT_PPWR | OTG_HPRT_PRST));
        var rising = next & ~_hprt;
        var falling = _hprt & ~next;
        if ((rising & OTG_HPRT_PPWR) != 0 && !PhyReady("port power (HPRT.PPWR)")) return;
        if ((rising & OTG_HPRT_PRST) != 0 && !PhyReady("a port reset (HPRT.PRST)")) return;
        _hprt = (_hprt & ~(OTG_HPRT_PPWR | OTG_HPRT_PRST)) | (next & (OTG_HPRT_PPWR | OTG_HPRT_PRST));
        if ((rising & OTG_HPRT_PRST) != 0) BeginPortReset();
        if ((falling & OTG_HPRT_PRST) != 0) EndPortReset();
        UpdatePortConnection();
    }

    /// SE0 on the bus: the device resets, the port stops (no SOF) until the reset ends.
    private void BeginPortReset()
    {
        _portResetStartPs = Board.Clock.NowPs;
        _portEnableTimer.Cancel();
        if (_portEnabled) DisablePort();
        if (_portConnected) _device!.BusReset(_portResetStartPs);
    }

    private void EndPortReset()
    {
        var heldPs = Board.Clock.NowPs - _portResetStartPs;
        if (heldPs < MinimumPortResetPs)
        {
            Board.Fault($"OTG_FS: HPRT.PRST held for {heldPs / (double)VirtualTime.PsPerSecond * 1e3:F3} ms; a reset from " +
                        "a root port must last at least 50 ms (USB 2.0 §7.1.7.5, TDRSTR): some devices do not come out " +
                        "of a shorter one ready to enumerate. RM0351's 10 ms minimum for PRST is a hub port's TDRST.");
            return;
        }
        if (_portConnected) _portEnableTimer.ArmAfter(PortEnableDelayPs, EnablePort);
    }

    /// RM0351 §47.7: once the reset completes the port is enabled (PENCHNG), PSPD gives the speed, SOFs start.
    private void EnablePort()
    {
        if (!_portConnected) return;
        _portEnabled = true;
        _hprt |= OTG_HPRT_PENCHNG;
        StartOfFrame();
        UpdateIrq();
    }

    private void DisablePort()
    {
        _portEnabled = false;
        _hprt |= OTG_HPRT_PENCHNG;
        _frameTimer.Cancel();
        _linkGeneration++;
    }

    /// RM0351 §47.14 (HFIR): the frame is FRIVL PHY clocks; until software writes FRIVL, the core derives it from
    /// HCFG.FSLSPCS (48000 at 48 MHz, 6000 at 6 MHz: 1 ms).
    private ulong FramePeriodPs
    {
        get
        {
            var phyHz = (_hcfg & OTG_HCFG_FSLSPCS) == FSLSPCS_6MHZ ? 6_000_000u : PhyClockHz;
            return _hfirWritten ? VirtualTime.Cycles(_hfir & OTG_HFIR_FRIVL, phyHz) : FramePs;
        }
    }

    private void WriteHfir(uint next)
    {
        _hfir = next & (OTG_HFIR_FRIVL | OTG_HFIR_RLDCTRL);
        _hfirWritten = true;
    }

    private void StartOfFrame()
    {
        if (!PhyReady("sending SOF")) return;
        var period = FramePeriodPs;
        var error = period > FramePs ? period - FramePs : FramePs - period;
        if (error > FrameTolerancePs)
        {
            Board.Fault($"OTG_FS: HFIR.FRIVL = {_hfir & OTG_HFIR_FRIVL} makes {period / 1e6:F3} µs frames; full speed " +
                        "needs 1 ms ± 0.5 µs (USB 2.0 §7.1.12): 48000 PHY clocks at 48 MHz (HCFG.FSLSPCS = 01).");
            return;
        }
        _frameStartPs = Board.Clock.NowPs;
        _frameNumber = (_frameNumber + 1) & FrameNumberMask;
        _gintsts |= OTG_GINTSTS_SOF;
        _frameTimer.Arm(_frameStartPs + period, StartOfFrame);
        UpdateIrq();
        Schedule();
    }

    /// FRNUM, and FTREM: PHY clocks left in the current frame.
    private uint Hfnum
    {
        get
        {
            if (!_portEnabled) return _frameNumber;
            var period = FramePeriodPs;
            var elapsed = Math.Min(Board.Clock.NowPs - _frameStartPs, period);
            var remaining = (ulong)((UInt128)(period - elapsed) * PhyClockHz / VirtualTime.PsPerSecond);
            return _frameNumber | ((uint)Math.Min(remaining, 0xFFFF) << 16);
        }
    }
}
