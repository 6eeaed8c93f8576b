using Stm32Boot.VirtualBoard.Peripherals;
using Xunit;
using static Stm32Boot.VirtualBoard.Tests.Peripherals.Bench;

namespace Stm32Boot.VirtualBoard.Tests.Peripherals;

public sealed class IwdgTests
{
    private const uint IWDG = 0x4000_3000, KR = IWDG + 0x00, PR = IWDG + 0x04, RLR = IWDG + 0x08, SR = IWDG + 0x0C,
        WINR = IWDG + 0x10;

    private readonly Bench _bench = new();

    /// HAL-style set-up: start, unlock, prescaler and reload, wait for the update flags, refresh.
    private void Start(uint prescaler, uint reload)
    {
        _bench.Write(KR, 0xCCCC);
        _bench.Write(KR, 0x5555);
        _bench.Write(PR, prescaler);
        _bench.Write(RLR, reload);
        while (_bench.Read(SR) != 0) _bench.Clock.AdvanceMicroseconds(10);
        _bench.Write(KR, 0xAAAA);
    }

    [Fact]
    public void Reset_values_match_RM0351()
    {
        Assert.Equal(0u, _bench.Read(PR));
        Assert.Equal(0xFFFu, _bench.Read(RLR));
        Assert.Equal(0u, _bench.Read(SR));
        Assert.Equal(0xFFFu, _bench.Read(WINR));
        Assert.False(_bench.Models.Iwdg.Running);
    }

    [Fact]
    public void Started_with_reset_values_it_resets_the_chip_after_512_ms()
    {
        _bench.Write(KR, 0xCCCC);
        _bench.Clock.AdvanceMicroseconds(511_999);
        Assert.Empty(_bench.Board.ResetRequests);
        _bench.Clock.AdvanceMicroseconds(1);

        Assert.Single(_bench.Board.ResetRequests);
        var flags = (RccResetFlags)(_bench.Read(RCC_CSR) & 0xFF00_0000);
        Assert.True(flags.HasFlag(RccResetFlags.IWDGRSTF));
    }

    [Fact]
    public void Refreshed_reports_each_reload_of_a_running_watchdog_only()
    {
        var refreshes = 0;
        _bench.Models.Iwdg.Refreshed += () => refreshes++;
        _bench.Write(KR, 0xAAAA);               // not running: the key is ignored
        Assert.Equal(0, refreshes);

        _bench.Write(KR, 0xCCCC);
        _bench.Write(KR, 0xAAAA);
        _bench.Write(KR, 0x5555);               // unlock: no reload
        _bench.Write(KR, 0xAAAA);
        Assert.Equal(2, refreshes);
    }

    [Fact]
    public void Timeout_is_reload_plus_one_counts_of_prescaler_over_LSI()
    {
        var started = _bench.Clock.NowPs;
        Start(prescaler: 3, reload: 999); // /32: 1 ms per count, 1000 counts
        var refreshed = _bench.Clock.NowPs;
        Assert.True(refreshed - started < 1_000_000_000UL);

        _bench.Clock.AdvanceTo(refreshed + 999_999_000_000UL);
        Assert.Empty(_bench.Board.ResetRequests);
        _bench.Clock.AdvanceTo(refreshed + 1_000_000_000_000UL);
        Assert.Single(_bench.Board.ResetRequests);
    }

    [Fact]
    public void Refreshing_in_time_keeps_the_chip_running()
    {
        Start(prescaler: 0, reload: 63); // /4: 0.125 ms per count, 64 counts = 8 ms
        for (var i = 0; i < 100; i++)
        {
            _bench.Clock.AdvanceMicroseconds(5_000);
            _bench.Write(KR, 0xAAAA);
        }
        Assert.Empty(_bench.Board.ResetRequests);
    }

    [Fact]
    public void Update_flags_stay_set_for_five_LSI_cycles()
    {
        _bench.Write(KR, 0x5555);
        _bench.Write(RLR, 100);
        Assert.Equal(2u, _bench.Read(SR)); // RVU
        _bench.Clock.AdvanceMicroseconds(150);
        Assert.Equal(2u, _bench.Read(SR));
        _bench.Clock.AdvanceMicroseconds(10);
        Assert.Equal(0u, _bench.Read(SR));
        Assert.Equal(100u, _bench.Read(RLR));
    }

    [Fact]
    public void Protected_registers_ignore_writes_without_the_unlock_key()
    {
        _bench.Write(PR, 6);
        _bench.Write(KR, 0x5555);
        _bench.Write(KR, 0x1234); // any other key locks again
        _bench.Write(RLR, 5);
        _bench.Clock.AdvanceMicroseconds(200);
        Assert.Equal(0u, _bench.Read(PR));
        Assert.Equal(0xFFFu, _bench.Read(RLR));
    }

    [Fact]
    public void A_refresh_above_the_window_resets_the_chip()
    {
        Start(prescaler: 3, reload: 999);
        _bench.Write(KR, 0x5555);
        _bench.Write(WINR, 500);
        _bench.Clock.AdvanceMicroseconds(200);
        _bench.Write(KR, 0xAAAA); // counter about 999: too early
        Assert.Contains(_bench.Board.ResetRequests, r => r.Contains("window"));
    }

    [Fact]
    public void A_refresh_inside_the_window_is_accepted()
    {
        Start(prescaler: 3, reload: 999);
        _bench.Write(KR, 0x5555);
        _bench.Write(WINR, 500);
        _bench.Clock.AdvanceMicroseconds(600_000); // counter about 400
        _bench.Write(KR, 0xAAAA);
        Assert.Empty(_bench.Board.ResetRequests);
    }

    [Fact]
    public void Starting_forces_LSI_on()
    {
        _bench.Write(KR, 0xCCCC);
        _bench.Clock.AdvanceMicroseconds(100);
        Assert.True(_bench.Models.Rcc.LsiReady);
    }

    [Fact]
    public void Only_a_reset_stops_it()
    {
        _bench.Write(KR, 0xCCCC);
        _bench.Reset(ResetKind.System);
        Assert.False(_bench.Models.Iwdg.Running);
        _bench.Clock.AdvanceMicroseconds(600_000);
        Assert.Empty(_bench.Board.ResetRequests);
    }
}
