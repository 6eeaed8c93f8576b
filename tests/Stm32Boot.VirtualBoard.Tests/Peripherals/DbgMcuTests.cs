using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Peripherals;

public sealed class DbgMcuTests
{
    private const uint DBGMCU_IDCODE = 0xE004_2000, DBGMCU_CR = 0xE004_2004, DBGMCU_APB1FZR1 = 0xE004_2008;

    private readonly Bench _bench = new();

    [Fact]
    public void Idcode_names_the_STM32L47x_device_0x415()
    {
        Assert.Equal(0x1007_6415u, _bench.Read(DBGMCU_IDCODE));
        Assert.Equal(0x415u, _bench.Read(DBGMCU_IDCODE) & 0xFFF);
        _bench.Write(DBGMCU_IDCODE, 0);
        Assert.Equal(0x1007_6415u, _bench.Read(DBGMCU_IDCODE));
    }

    [Fact]
    public void Freeze_bits_survive_a_system_reset_but_not_power_on()
    {
        _bench.Write(DBGMCU_APB1FZR1, 0xFFFF_FFFF);
        _bench.Write(DBGMCU_CR, 0xFFFF_FFFF);
        Assert.Equal(0x82E0_1C3Fu, _bench.Read(DBGMCU_APB1FZR1));
        Assert.Equal(0xE7u, _bench.Read(DBGMCU_CR));

        _bench.Reset(ResetKind.System);
        Assert.Equal(0x82E0_1C3Fu, _bench.Read(DBGMCU_APB1FZR1));
        _bench.Reset(ResetKind.PowerOn);
        Assert.Equal(0u, _bench.Read(DBGMCU_APB1FZR1));
    }
}
