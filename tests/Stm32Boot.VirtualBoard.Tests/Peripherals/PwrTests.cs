using Xunit;
using static Stm32Boot.VirtualBoard.Tests.Peripherals.Bench;

namespace Stm32Boot.VirtualBoard.Tests.Peripherals;

public sealed class PwrTests
{
    private const uint PWREN = 1u << 28, DBP = 1u << 8, VOS_RANGE1 = 1u << 9, VOS_RANGE2 = 2u << 9, USV = 1u << 10;
    private const uint REGLPS = 1u << 8, VOSF = 1u << 10;
    private const uint PWR_CR2 = 0x4000_7004, PWR_CR3 = 0x4000_7008;

    private readonly Bench _bench = new();

    [Fact]
    public void Registers_read_zero_and_ignore_writes_until_PWREN()
    {
        _bench.Write(PWR_CR1, DBP | VOS_RANGE1);
        Assert.Equal(0u, _bench.Read(PWR_CR1));
        Assert.False(_bench.Models.Pwr.UsbSupplyValid);

        _bench.Set(RCC_APB1ENR1, PWREN);
        Assert.Equal(VOS_RANGE1, _bench.Read(PWR_CR1));
        Assert.Equal(0x8000u, _bench.Read(PWR_CR3));
        Assert.Equal(REGLPS, _bench.Read(PWR_SR2));
    }

    [Fact]
    public void Usb_supply_valid_is_visible_to_the_board()
    {
        _bench.Set(RCC_APB1ENR1, PWREN);
        _bench.Set(PWR_CR2, USV);
        Assert.True(_bench.Models.Pwr.UsbSupplyValid);
    }

    [Fact]
    public void A_voltage_range_change_raises_VOSF_until_the_regulator_settles()
    {
        _bench.Set(RCC_APB1ENR1, PWREN);
        _bench.Write(PWR_CR1, VOS_RANGE2);
        Assert.Equal(VOSF, _bench.Read(PWR_SR2) & VOSF);
        _bench.Clock.AdvanceMicroseconds(20);
        Assert.Equal(0u, _bench.Read(PWR_SR2) & VOSF);
        Assert.Equal(2, _bench.Models.Pwr.VoltageRange);
        Assert.Empty(_bench.Board.Faults);
    }

    [Fact]
    public void Range_2_caps_HCLK_at_26_MHz()
    {
        _bench.Set(RCC_APB1ENR1, PWREN);
        _bench.Write(PWR_CR1, VOS_RANGE2);
        _bench.Clock.AdvanceMicroseconds(20);
        _bench.Write(FLASH_ACR, 4);
        _bench.Write(RCC_PLLCFGR, 1u | (40u << 8) | (1u << 24));
        _bench.Set(RCC_CR, 1u << 24);
        _bench.Clock.AdvanceMicroseconds(20);
        _bench.Write(RCC_CFGR, 3);
        _bench.Clock.AdvanceMicroseconds(1);
        Assert.Contains(_bench.Board.Faults, f => f.Contains("voltage range 2"));
    }

    [Fact]
    public void Forbidden_voltage_ranges_stop_the_run()
    {
        _bench.Set(RCC_APB1ENR1, PWREN);
        _bench.Write(PWR_CR1, 3u << 9);
        Assert.Contains(_bench.Board.Faults, f => f.Contains("VOS = 3"));
        Assert.Equal(VOS_RANGE1, _bench.Read(PWR_CR1));
    }

    [Fact]
    public void Reset_clears_DBP()
    {
        _bench.EnableBackupDomainWrites();
        _bench.Reset(Stm32Boot.VirtualBoard.ResetKind.System);
        _bench.Set(RCC_APB1ENR1, PWREN);
        Assert.Equal(0u, _bench.Read(PWR_CR1) & DBP);
    }
}
