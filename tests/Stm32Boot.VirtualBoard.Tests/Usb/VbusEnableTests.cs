using Stm32Boot.VirtualBoard.Tests.Peripherals;
using Xunit;
using static Stm32Boot.VirtualBoard.Tests.Peripherals.Bench;

namespace Stm32Boot.VirtualBoard.Tests.Usb;

/// PD12 enables the STMPS2141 that powers CN9 (UM2153): once firmware drives it, letting it float again stops the run;
/// the float out of a chip reset, before any firmware drove it, does not.
public sealed class VbusEnableTests
{
    private const uint GPIOD = 0x4800_0C00, MODER = 0x00, OTYPER = 0x04, PUPDR = 0x0C, ODR = 0x14;
    private const uint GPIODEN = 1u << 3, RCC_AHB2RSTR = RCC + 0x2C;
    private const int Pin = 12;
    private const string Hazard = "PD12, the enable of CN9's STMPS2141 VBUS switch (UM2153), went from driven to floating";

    private readonly Bench _bench = new();

    private void Field(uint register, uint value) =>
        _bench.Write(GPIOD + register, (_bench.Read(GPIOD + register) & ~(3u << (2 * Pin))) | (value << (2 * Pin)));

    /// As the bootloader's USB host leaves it: a push-pull output driving high, VBUS off.
    private void DriveVbusOff()
    {
        _bench.Set(RCC_AHB2ENR, GPIODEN);
        _bench.Write(GPIOD + ODR, 1u << Pin);
        Field(MODER, 1);
    }

    [Fact]
    public void A_port_reset_through_RCC_after_driving_it_stops_the_run()
    {
        DriveVbusOff();
        _bench.Set(RCC_AHB2RSTR, GPIODEN);
        _bench.Clear(RCC_AHB2RSTR, GPIODEN);
        Assert.Contains(_bench.Board.Faults, f => f.Contains(Hazard));
    }

    [Theory]
    [InlineData(3u, 0u)] // analog
    [InlineData(0u, 0u)] // input without pull
    public void Reconfiguring_it_floating_stops_the_run(uint mode, uint pull)
    {
        DriveVbusOff();
        Field(PUPDR, pull);
        Field(MODER, mode);
        Assert.Contains(_bench.Board.Faults, f => f.Contains(Hazard));
    }

    [Fact]
    public void An_open_drain_output_let_go_high_without_pull_stops_the_run()
    {
        DriveVbusOff();
        _bench.Write(GPIOD + ODR, 0);
        _bench.Set(GPIOD + OTYPER, 1u << Pin);
        Assert.Empty(_bench.Board.Faults); // pulling low: still driven
        _bench.Write(GPIOD + ODR, 1u << Pin);
        Assert.Contains(_bench.Board.Faults, f => f.Contains(Hazard));
    }

    [Fact]
    public void An_input_with_its_pull_up_still_holds_it()
    {
        DriveVbusOff();
        Field(PUPDR, 1);
        Field(MODER, 0);
        Assert.Empty(_bench.Board.Faults);
        Assert.True(_bench.Models.Gpio.GetOutput('D', Pin));
    }

    [Fact]
    public void Gating_the_port_clock_keeps_it_driven()
    {
        DriveVbusOff();
        _bench.Clear(RCC_AHB2ENR, GPIODEN);
        Assert.Empty(_bench.Board.Faults);
        Assert.True(_bench.Models.Gpio.GetOutput('D', Pin));
        Assert.Equal(0u, _bench.Read(RCC_AHB2ENR) & GPIODEN);
    }

    [Theory]
    [InlineData(ResetKind.System)]
    [InlineData(ResetKind.PowerOn)]
    public void The_float_out_of_a_chip_reset_and_driving_it_afterwards_are_fine(ResetKind kind)
    {
        DriveVbusOff();
        _bench.Reset(kind);
        DriveVbusOff();
        Assert.Empty(_bench.Board.Faults);
    }
}
