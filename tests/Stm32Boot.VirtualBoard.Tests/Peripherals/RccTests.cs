using Stm32Boot.VirtualBoard.Peripherals;
using Xunit;
using static Stm32Boot.VirtualBoard.Tests.Peripherals.Bench;

namespace Stm32Boot.VirtualBoard.Tests.Peripherals;

public sealed class RccTests
{
    private const uint MSION = 1u << 0, MSIRDY = 1u << 1, MSIRGSEL = 1u << 3, HSION = 1u << 8, HSIRDY = 1u << 10,
        HSEON = 1u << 16, PLLON = 1u << 24, PLLRDY = 1u << 25, PLLSAI1ON = 1u << 26, PLLSAI1RDY = 1u << 27;
    private const uint PLLSRC_MSI = 1, PLLSRC_HSI16 = 2, PLLREN = 1u << 24, PLLQEN = 1u << 20;
    private const uint LSION = 1u << 0, LSIRDY = 1u << 1, RMVF = 1u << 23;
    private const uint LSEON = 1u << 0, LSERDY = 1u << 1, RTCSEL_LSE = 1u << 8, BDRST = 1u << 16;

    private readonly Bench _bench = new();
    private FakeBoard Board => _bench.Board;
    private Rcc Rcc => _bench.Models.Rcc;

    private static uint Pll(uint source, uint m, uint n, uint rField) => source | ((m - 1) << 4) | (n << 8) | PLLREN | (rField << 25);

    [Fact]
    public void Reset_values_match_RM0351()
    {
        Assert.Equal(0x0000_0063u, _bench.Read(RCC_CR));
        Assert.Equal(0u, _bench.Read(RCC_CFGR));
        Assert.Equal(0x0000_1000u, _bench.Read(RCC_PLLCFGR));
        Assert.Equal(0x0000_0100u, _bench.Read(RCC_AHB1ENR));
        Assert.Equal(0u, _bench.Read(RCC_AHB2ENR));
        Assert.Equal(0x0C00_0600u, _bench.Read(RCC_CSR));
        Assert.Equal(0u, _bench.Read(RCC_BDCR));
        Assert.Equal(4_000_000u, Board.Clock.SysclkHz);
        Assert.Empty(Board.Faults);
    }

    [Fact]
    public void Pll_from_MSI_locks_after_its_lock_time_and_the_switch_sets_80_MHz()
    {
        var changes = 0;
        Rcc.ClocksChanged += () => changes++;
        _bench.Write(FLASH_ACR, 4);
        _bench.Write(RCC_PLLCFGR, Pll(PLLSRC_MSI, m: 1, n: 40, rField: 0));
        _bench.Set(RCC_CR, PLLON);
        _bench.Clock.AdvanceMicroseconds(14);
        Assert.Equal(0u, _bench.Read(RCC_CR) & PLLRDY);
        _bench.Clock.AdvanceMicroseconds(1);
        Assert.Equal(PLLRDY, _bench.Read(RCC_CR) & PLLRDY);

        _bench.Write(RCC_CFGR, 3);
        Assert.Equal(0u, _bench.Read(RCC_CFGR) & 0xC); // SWS follows a few cycles later
        _bench.Clock.AdvanceMicroseconds(1);

        Assert.Equal(0xFu, _bench.Read(RCC_CFGR) & 0xF);
        Assert.Equal(80_000_000u, Board.Clock.SysclkHz);
        Assert.Equal(80_000_000u, Rcc.Pclk2Hz);
        Assert.Equal(1, changes);
        Assert.Empty(Board.Faults);
    }

    [Fact]
    public void A_switch_to_a_source_that_is_not_ready_waits_for_it()
    {
        _bench.Write(RCC_CFGR, 1); // HSI16, still off
        _bench.Clock.AdvanceMicroseconds(100);
        Assert.Equal(0u, _bench.Read(RCC_CFGR) & 0xC);

        _bench.Set(RCC_CR, HSION);
        _bench.Clock.AdvanceMicroseconds(2);
        Assert.Equal(HSIRDY, _bench.Read(RCC_CR) & HSIRDY);
        Assert.Equal(0x4u, _bench.Read(RCC_CFGR) & 0xC);
        Assert.Equal(16_000_000u, Board.Clock.SysclkHz);
    }

    [Fact]
    public void The_oscillator_feeding_sysclk_cannot_be_stopped()
    {
        _bench.Clear(RCC_CR, MSION);
        Assert.Equal(MSION | MSIRDY, _bench.Read(RCC_CR) & (MSION | MSIRDY));
    }

    [Fact]
    public void Msi_range_takes_effect_with_MSIRGSEL()
    {
        _bench.Write(RCC_CR, MSION | (8u << 4)); // range 8 = 16 MHz, but MSIRGSEL = 0 keeps MSISRANGE
        Assert.Equal(4_000_000u, Board.Clock.SysclkHz);
        _bench.Write(RCC_CR, MSION | MSIRGSEL | (8u << 4));
        Assert.Equal(16_000_000u, Board.Clock.SysclkHz);
        _bench.Write(RCC_CR, MSION | (6u << 4)); // MSIRGSEL cannot be cleared by software
        Assert.Equal(MSIRGSEL, _bench.Read(RCC_CR) & MSIRGSEL);
        Assert.Equal(4_000_000u, Board.Clock.SysclkHz);
    }

    [Fact]
    public void Ahb_prescaler_divides_the_core_clock()
    {
        _bench.Write(RCC_CFGR, 0x9u << 4); // HPRE = /4
        Assert.Equal(1_000_000u, Board.Clock.SysclkHz);
        _bench.Write(RCC_CFGR, (0x8u << 4) | (5u << 11)); // HPRE /2, PPRE2 /4
        Assert.Equal(2_000_000u, Rcc.HclkHz);
        Assert.Equal(500_000u, Rcc.Pclk2Hz);
        Assert.Equal(2_000_000u, Rcc.Pclk1Hz);
    }

    [Fact]
    public void A_pll_outside_its_vco_range_stops_the_run()
    {
        _bench.Write(RCC_PLLCFGR, Pll(PLLSRC_MSI, m: 1, n: 100, rField: 0));
        _bench.Set(RCC_CR, PLLON);
        Assert.Contains(Board.Faults, f => f.Contains("PLLN = 100"));
        _bench.Clock.AdvanceMicroseconds(100);
        Assert.Equal(0u, _bench.Read(RCC_CR) & PLLRDY);
    }

    [Fact]
    public void A_pll_on_a_stopped_source_stops_the_run()
    {
        _bench.Write(RCC_PLLCFGR, Pll(PLLSRC_HSI16, m: 2, n: 20, rField: 0));
        _bench.Set(RCC_CR, PLLON);
        Assert.Contains(Board.Faults, f => f.Contains("HSI16 is not ready"));
    }

    [Fact]
    public void Switching_to_a_pll_without_its_R_output_stops_the_run()
    {
        _bench.Write(RCC_PLLCFGR, PLLSRC_MSI | (20u << 8)); // PLLREN = 0
        _bench.Set(RCC_CR, PLLON);
        _bench.Clock.AdvanceMicroseconds(20);
        _bench.Write(RCC_CFGR, 3);
        _bench.Clock.AdvanceMicroseconds(1);
        Assert.Contains(Board.Faults, f => f.Contains("PLLREN"));
        Assert.Equal(4_000_000u, Board.Clock.SysclkHz);
    }

    [Fact]
    public void Pll_configuration_is_frozen_while_the_pll_runs()
    {
        _bench.Write(RCC_PLLCFGR, Pll(PLLSRC_MSI, m: 1, n: 20, rField: 0));
        _bench.Set(RCC_CR, PLLON);
        _bench.Write(RCC_PLLCFGR, Pll(PLLSRC_MSI, m: 1, n: 40, rField: 0));
        Assert.Contains(Board.Faults, f => f.Contains("RCC_PLLCFGR written while its PLL is on"));
        Assert.Equal(20u, (_bench.Read(RCC_PLLCFGR) >> 8) & 0x7F);
    }

    [Fact]
    public void There_is_no_HSE_on_this_board()
    {
        _bench.Set(RCC_CR, HSEON);
        Assert.Contains(Board.Faults, f => f.Contains("no HSE"));
        Assert.Equal(0u, _bench.Read(RCC_CR) & HSEON);
    }

    [Fact]
    public void Usart1_kernel_clock_follows_USART1SEL()
    {
        Assert.Equal(4_000_000u, Rcc.UsartKernelClockHz(UsartInstance.Usart1)); // PCLK2
        _bench.Write(RCC_CCIPR, 2); // HSI16, off
        Assert.Equal(0u, Rcc.UsartKernelClockHz(UsartInstance.Usart1));
        _bench.Set(RCC_CR, HSION);
        _bench.Clock.AdvanceMicroseconds(2);
        Assert.Equal(16_000_000u, Rcc.UsartKernelClockHz(UsartInstance.Usart1));
    }

    [Fact]
    public void Clk48_comes_from_the_PLLSAI1_Q_output()
    {
        _bench.Write(RCC_PLLCFGR, Pll(PLLSRC_MSI, m: 1, n: 40, rField: 0));
        _bench.Write(RCC + 0x10, (24u << 8) | PLLQEN); // PLLSAI1: VCO 96 MHz, Q = /2
        _bench.Write(RCC_CCIPR, 1u << 26);             // CLK48SEL = PLLSAI1Q
        Assert.Equal(0u, Rcc.Clk48Hz);
        _bench.Set(RCC_CR, PLLSAI1ON);
        _bench.Clock.AdvanceMicroseconds(20);
        Assert.Equal(PLLSAI1RDY, _bench.Read(RCC_CR) & PLLSAI1RDY);
        Assert.Equal(48_000_000u, Rcc.Clk48Hz);
        Assert.Empty(Board.Faults);
    }

    [Fact]
    public void Reset_flags_record_the_cause_and_clear_with_RMVF()
    {
        _bench.Set(RCC_CSR, RMVF);
        Assert.Equal(0u, _bench.Read(RCC_CSR) & 0xFF00_0000);

        Rcc.RecordResetCause(RccResetFlags.SFTRSTF);
        _bench.Reset(ResetKind.System);

        Assert.Equal((uint)(RccResetFlags.SFTRSTF | RccResetFlags.PINRSTF), _bench.Read(RCC_CSR) & 0xFF00_0000);
        _bench.Reset(ResetKind.PowerOn);
        Assert.Equal((uint)(RccResetFlags.PINRSTF | RccResetFlags.BORRSTF), _bench.Read(RCC_CSR) & 0xFF00_0000);
    }

    [Fact]
    public void Lsi_becomes_ready_after_its_start_up_time()
    {
        _bench.Set(RCC_CSR, LSION);
        _bench.Clock.AdvanceMicroseconds(79);
        Assert.Equal(0u, _bench.Read(RCC_CSR) & LSIRDY);
        _bench.Clock.AdvanceMicroseconds(1);
        Assert.Equal(LSIRDY, _bench.Read(RCC_CSR) & LSIRDY);
        _bench.Clear(RCC_CSR, LSION);
        Assert.Equal(0u, _bench.Read(RCC_CSR) & LSIRDY);
    }

    [Fact]
    public void Backup_domain_control_needs_DBP_and_survives_a_system_reset()
    {
        _bench.Write(RCC_BDCR, LSEON);
        Assert.Equal(0u, _bench.Read(RCC_BDCR));

        _bench.EnableBackupDomainWrites();
        _bench.Write(RCC_BDCR, LSEON | RTCSEL_LSE);
        _bench.Clock.AdvanceMicroseconds(2_000_000);
        Assert.Equal(LSEON | LSERDY | RTCSEL_LSE, _bench.Read(RCC_BDCR));

        _bench.Reset(ResetKind.System);
        Assert.Equal(LSEON | LSERDY | RTCSEL_LSE, _bench.Read(RCC_BDCR));
        _bench.Reset(ResetKind.PowerOn);
        Assert.Equal(0u, _bench.Read(RCC_BDCR));
    }

    [Fact]
    public void Backup_domain_reset_clears_the_backup_registers()
    {
        _bench.EnableBackupDomainWrites();
        _bench.Write(RtcBackup.BaseAddress + 0x50, 0xB007_B007);
        _bench.Write(RCC_BDCR, BDRST);
        Assert.Equal(0u, _bench.Read(RtcBackup.BaseAddress + 0x50));
        _bench.Write(RCC_BDCR, 0);
        Assert.Equal(0u, _bench.Read(RCC_BDCR));
    }

    [Fact]
    public void Enable_registers_keep_only_existing_bits()
    {
        _bench.Write(RCC_AHB2ENR, 0xFFFF_FFFF);
        Assert.Equal(0x0004_30FFu, _bench.Read(RCC_AHB2ENR));
        Assert.True(Rcc.IsClocked(ClockGate.Gpio('H')));
    }

    [Fact]
    public void Clock_interrupts_are_not_modelled_and_say_so()
    {
        _bench.Write(RCC + 0x18, 1);
        Assert.Contains(Board.Faults, f => f.Contains("RCC_CIER"));
    }
}
