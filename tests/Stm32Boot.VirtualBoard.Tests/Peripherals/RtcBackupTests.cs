using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Peripherals;

public sealed class RtcBackupTests
{
    private const uint RTC_WPR = 0x4000_2824, RTC_BKP0R = 0x4000_2850, RTC_BKP1R = 0x4000_2854,
        RTC_BKP31R = 0x4000_28CC;

    private readonly Bench _bench = new();

    [Fact]
    public void Writes_without_DBP_are_lost_like_on_silicon()
    {
        _bench.Write(RTC_BKP0R, 0xB007_B007);
        Assert.Equal(0u, _bench.Read(RTC_BKP0R));
        Assert.Empty(_bench.Board.Faults);
    }

    [Fact]
    public void Backup_registers_survive_a_system_reset_and_are_lost_at_power_on()
    {
        _bench.EnableBackupDomainWrites();
        _bench.Write(RTC_BKP0R, 0xB007_B007);
        _bench.Write(RTC_BKP1R, 0xD0B1_E5E7);
        _bench.Write(RTC_BKP31R, 0x1234_5678);

        _bench.Reset(ResetKind.System);
        Assert.Equal(0xB007_B007u, _bench.Read(RTC_BKP0R));
        Assert.Equal(0xD0B1_E5E7u, _bench.Models.RtcBackup[1]);
        Assert.Equal(0x1234_5678u, _bench.Read(RTC_BKP31R));

        _bench.Reset(ResetKind.PowerOn);
        Assert.Equal(0u, _bench.Read(RTC_BKP0R));
        Assert.Equal(0u, _bench.Read(RTC_BKP31R));
    }

    [Fact]
    public void Backup_registers_do_not_need_the_rtc_clock_or_the_write_protection_key()
    {
        _bench.EnableBackupDomainWrites();
        _bench.Write(RTC_WPR, 0xCA);
        _bench.Write(RTC_WPR, 0x53);
        _bench.Write(RTC_WPR, 0xFF);
        _bench.Write(RTC_BKP1R, 0xD0B1_E5E7);
        Assert.Equal(0xD0B1_E5E7u, _bench.Read(RTC_BKP1R));
        Assert.Equal(0u, _bench.Read(RTC_WPR));
        Assert.Empty(_bench.Board.Faults);
    }

    [Fact]
    public void Byte_writes_change_one_byte()
    {
        _bench.EnableBackupDomainWrites();
        _bench.Write(RTC_BKP0R, 0x1122_3344);
        _bench.Write(RTC_BKP0R + 2, 0xAA, size: 1);
        Assert.Equal(0x11AA_3344u, _bench.Read(RTC_BKP0R));
    }

    [Fact]
    public void Calendar_registers_are_not_modelled_and_say_so()
    {
        _bench.Read(0x4000_2800);
        Assert.Contains(_bench.Board.Faults, f => f.Contains("0x40002800"));
    }
}
