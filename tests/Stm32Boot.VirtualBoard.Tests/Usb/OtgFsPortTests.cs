using Stm32Boot.VirtualBoard.Usb;
using Xunit;
using static Stm32Boot.VirtualBoard.Tests.Peripherals.Bench;
using static Stm32Boot.VirtualBoard.Tests.Usb.OtgHost;

namespace Stm32Boot.VirtualBoard.Tests.Usb;

/// OTG_FS core and host port at register level: resets, clocks, mode, VBUS and pins, connection, port reset, frames.
public sealed class OtgFsPortTests : IDisposable
{
    private readonly OtgHost _host = new();
    private readonly ScratchImage _image = new(64 * 512);

    public void Dispose()
    {
        (_host.Otg.Device as IDisposable)?.Dispose();
        _image.Dispose();
    }

    private UsbMassStorageDrive Plug()
    {
        var drive = new UsbMassStorageDrive(_image.FilePath);
        _host.Otg.Attach(drive);
        return drive;
    }

    [Fact]
    public void Registers_read_zero_and_ignore_writes_until_OTGFSEN()
    {
        _host.Write(GAHBCFG, 1);
        Assert.Equal(0u, _host.Read(GRSTCTL));
        _host.Bench.Set(RCC_AHB2ENR, 1u << 12);
        Assert.Equal(0u, _host.Read(GAHBCFG));
        Assert.Equal(0x8000_0000u, _host.Read(GRSTCTL));
    }

    [Fact]
    public void Reset_values_match_RM0351()
    {
        _host.Bench.Set(RCC_AHB2ENR, 1u << 12);
        Assert.Equal(0x0001_0000u, _host.Read(GOTGCTL)); // CIDSTS: no A plug in the socket
        Assert.Equal(0x0000_1440u, _host.Read(GUSBCFG));
        Assert.Equal(0x0400_0020u, _host.Read(GINTSTS)); // device mode, both transmit FIFOs empty
        Assert.Equal(0x0000_0200u, _host.Read(GRXFSIZ));
        Assert.Equal(0x0000_2000u, _host.Read(CID));
        Assert.Empty(_host.Board.Faults);
    }

    [Fact]
    public void A_core_soft_reset_clears_itself_a_few_PHY_clocks_later()
    {
        _host.StartClocks();
        _host.Write(GINTMSK, 0xFF);
        _host.Write(GCCFG, PWRDWN);
        _host.Write(GRSTCTL, CSRST);
        Assert.Equal(CSRST | AHBIDL, _host.Read(GRSTCTL));
        _host.Step(Microsecond);
        Assert.Equal(AHBIDL, _host.Read(GRSTCTL));
        Assert.Equal(0u, _host.Read(GINTMSK));
        Assert.Equal(PWRDWN, _host.Read(GCCFG)); // GCCFG survives it (RM0351 §47.14, CSRST)
        _host.AssertNoFaults();
    }

    [Fact]
    public void The_core_needs_CLK48_from_MSI_in_PLL_mode()
    {
        _host.Bench.Set(RCC_AHB2ENR, 1u << 12);
        _host.Write(GRSTCTL, CSRST);
        Assert.Contains(_host.Board.Faults, f => f.Contains("CLK48SEL = 00 selects HSI48"));

        _host.Write(RCC_CCIPR, 3u << 26); // MSI, but 4 MHz and free-running
        _host.Write(GRSTCTL, CSRST);
        Assert.Contains(_host.Board.Faults, f => f.Contains("4000000 Hz, not 48 MHz"));

        _host.Write(FLASH_ACR, 4);
        _host.Write(RCC_CR, 1u | 1u << 2 | 1u << 3 | 11u << 4); // MSIPLLEN is refused without LSE
        Assert.Equal(0u, _host.Read(RCC_CR) & (1u << 2));
        _host.Write(GRSTCTL, CSRST);
        Assert.Contains(_host.Board.Faults, f => f.Contains("set RCC_CR.MSIPLLEN"));
    }

    [Fact]
    public void The_core_needs_VDDUSB_declared_valid()
    {
        _host.StartClocks();
        _host.Bench.Clear(0x4000_7004, USV);
        _host.Write(GRSTCTL, CSRST);
        Assert.Contains(_host.Board.Faults, f => f.Contains("PWR_CR2.USV = 0"));
    }

    [Fact]
    public void Forced_host_mode_takes_effect_within_the_25_ms_RM0351_asks_to_wait()
    {
        _host.StartClocks();
        _host.Write(GUSBCFG, _host.Read(GUSBCFG) | FHMOD);
        _host.Step(19 * Millisecond);
        Assert.Equal(0u, _host.Read(GINTSTS) & CMOD);
        _host.Read(HPRT);
        Assert.Contains(_host.Board.Faults, f => f.Contains("device mode (GINTSTS.CMOD = 0)"));
        _host.Step(Millisecond);
        Assert.Equal(CMOD, _host.Read(GINTSTS) & CMOD);
    }

    [Fact]
    public void A_plugged_drive_grounds_ID_and_an_unforced_core_becomes_host()
    {
        _host.StartClocks();
        Plug();
        Assert.Equal(0u, _host.Read(GOTGCTL) & (1u << 16));
        Assert.Equal(CMOD | CIDSCHG, _host.Read(GINTSTS) & (CMOD | CIDSCHG));
        _host.Write(GINTSTS, CIDSCHG);
        Assert.Equal(0u, _host.Read(GINTSTS) & CIDSCHG);
    }

    [Fact]
    public void The_port_sees_the_drive_once_VBUS_PPWR_the_transceiver_and_the_pins_are_there()
    {
        Plug();
        _host.StartClocks();
        _host.InitCore();
        _host.Step(50 * Millisecond);
        Assert.Equal(0u, _host.Read(HPRT) & PCSTS);
        Assert.StartsWith("VBUS is off", _host.Otg.WhyNoConnection());

        _host.DriveVbus(true);
        _host.Step(9 * Millisecond);
        Assert.StartsWith("the device has not connected yet", _host.Otg.WhyNoConnection());
        _host.Step(1 * Millisecond); // the drive pulls D+ up 10 ms after VBUS
        Assert.Equal(PCSTS | PCDET | PPWR | 1u << 10 | 1u << 17, _host.Read(HPRT)); // J state, full speed
        Assert.Equal(HPRTINT, _host.Read(GINTSTS) & HPRTINT);
        Assert.Null(_host.Otg.WhyNoConnection());

        _host.Write(HPRT, PPWR | PCDET); // write 1 to clear
        Assert.Equal(0u, _host.Read(HPRT) & PCDET);
        _host.Write(0x4800_0024, 0); // PA11/PA12 back to AF0: the PHY loses the lines
        Assert.Equal(0u, _host.Read(HPRT) & PCSTS);
        Assert.Equal(DISCINT, _host.Read(GINTSTS) & DISCINT);
        Assert.Contains("alternate function 10", _host.Otg.WhyNoConnection());
    }

    /// USB 2.0 §7.1.7.5: 50 ms from a root port (TDRSTR). 15 ms sits inside the 10-20 ms RM0351's PRST text gives,
    /// which is a hub port's TDRST: a driver that follows it alone is refused.
    [Theory]
    [InlineData(9)]
    [InlineData(15)]
    [InlineData(49)]
    public void A_port_reset_shorter_than_the_50_ms_of_a_root_port_stops_the_run(int heldMs)
    {
        Plug();
        _host.StartClocks();
        _host.DriveVbus(true);
        _host.InitCore();
        _host.Step(20 * Millisecond);
        _host.Write(HPRT, PPWR | PRST);
        _host.Step((ulong)heldMs * Millisecond);
        _host.Write(HPRT, PPWR);
        Assert.Contains(_host.Board.Faults, f => f.Contains($"HPRT.PRST held for {heldMs}.000 ms") &&
                                                 f.Contains("at least 50 ms (USB 2.0 §7.1.7.5, TDRSTR)"));
        _host.Step(Millisecond);
        Assert.False(_host.Otg.PortEnabled);
    }

    [Fact]
    public void A_50_ms_port_reset_enables_the_port()
    {
        Plug();
        _host.StartClocks();
        _host.DriveVbus(true);
        _host.InitCore();
        _host.Step(20 * Millisecond);
        _host.Write(HPRT, PPWR | PRST);
        _host.Step(50 * Millisecond);
        _host.Write(HPRT, PPWR);
        _host.Step(Millisecond);
        Assert.True(_host.Otg.PortEnabled);
        _host.AssertNoFaults();
    }

    [Fact]
    public void After_the_reset_the_port_is_enabled_at_full_speed_and_sends_SOF_every_millisecond()
    {
        Plug();
        _host.BringUp();
        var hprt = _host.Read(HPRT);
        Assert.Equal(PENA | PCSTS, hprt & (PENA | PCSTS));
        Assert.Equal(1u, (hprt >> 17) & 3);
        _host.Write(GINTSTS, SOF);
        var first = _host.Read(HFNUM) & 0x3FFF;
        _host.Step(Millisecond);
        Assert.Equal(SOF, _host.Read(GINTSTS) & SOF);
        Assert.Equal((first + 1) & 0x3FFF, _host.Read(HFNUM) & 0x3FFF);
        var early = _host.Read(HFNUM) >> 16;
        _host.Step(100 * Microsecond);
        var later = _host.Read(HFNUM) >> 16;
        Assert.Equal(4800u, early - later); // FTREM counts PHY clocks down
    }

    [Fact]
    public void The_OTG_FS_interrupt_follows_GINTMSK_and_the_global_mask()
    {
        Plug();
        _host.BringUp();
        _host.Write(GINTMSK, SOF);
        _host.Step(Millisecond);
        Assert.False(_host.Board.Irq(67));
        _host.Write(GAHBCFG, GINTMSK_BIT);
        Assert.True(_host.Board.Irq(67));
        _host.Write(GINTSTS, SOF);
        Assert.False(_host.Board.Irq(67));
    }

    [Fact]
    public void Writing_1_to_PENA_disables_the_port()
    {
        Plug();
        _host.BringUp();
        _host.Write(HPRT, PPWR); // PENA written 0: nothing happens
        Assert.Equal(PENA, _host.Read(HPRT) & PENA);
        _host.Write(HPRT, PPWR | PENA);
        Assert.Equal(PENCHNG, _host.Read(HPRT) & (PENA | PENCHNG));
        Assert.False(_host.Otg.PortEnabled);
    }

    [Fact]
    public void Pulling_the_drive_out_disconnects_and_disables_the_port()
    {
        Plug();
        _host.BringUp();
        _host.Otg.Detach();
        Assert.Equal(PENCHNG | PPWR, _host.Read(HPRT) & (PCSTS | PENA | PENCHNG | PPWR));
        Assert.Equal(DISCINT | CIDSCHG | CMOD, _host.Read(GINTSTS) & (DISCINT | CIDSCHG | CMOD)); // FHMOD keeps host mode
        Assert.Equal(1u << 16, _host.Read(GOTGCTL) & (1u << 16));
    }

    [Fact]
    public void A_frame_interval_that_is_not_1_ms_stops_the_run()
    {
        Plug();
        _host.BringUp();
        _host.Write(HFIR, 60000);
        _host.Step(2 * Millisecond);
        Assert.Contains(_host.Board.Faults, f => f.Contains("HFIR.FRIVL = 60000"));
    }

    [Fact]
    public void Device_mode_registers_are_not_modelled()
    {
        _host.Bench.Set(RCC_AHB2ENR, 1u << 12);
        _host.Read(OTG + 0x800);
        Assert.Contains(_host.Board.Faults, f => f.Contains("USB host only"));
    }

    [Fact]
    public void A_chip_reset_turns_VBUS_off_and_the_drive_loses_its_address()
    {
        var drive = Plug();
        _host.BringUp();
        _host.Enumerate();
        Assert.Equal(1, drive.Address);
        _host.Bench.Reset(ResetKind.System);
        Assert.Equal(0, drive.Address);
        Assert.Same(drive, _host.Otg.Device);
        Assert.StartsWith("VBUS is off", _host.Otg.WhyNoConnection());
    }
}
