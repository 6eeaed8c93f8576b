#include "rcc.h"

#include <stddef.h>

#include "backup.h"
#include "board.h"
#include "flash.h"

/* RCC_xxxENR is always RCC_xxxRSTR + 0x20 (RM0351 RCC register map), so one table of offsets serves both. */
static const uint8_t rstr_offset[RCC_BUS_COUNT] = {
    [RCC_BUS_AHB1] = offsetof(rcc_regs_t, AHB1RSTR),
    [RCC_BUS_AHB2] = offsetof(rcc_regs_t, AHB2RSTR),
    [RCC_BUS_AHB3] = offsetof(rcc_regs_t, AHB3RSTR),
    [RCC_BUS_APB1_1] = offsetof(rcc_regs_t, APB1RSTR1),
    [RCC_BUS_APB1_2] = offsetof(rcc_regs_t, APB1RSTR2),
    [RCC_BUS_APB2] = offsetof(rcc_regs_t, APB2RSTR),
};
#define RCC_ENR_FROM_RSTR 0x20u
_Static_assert(offsetof(rcc_regs_t, AHB1ENR) - offsetof(rcc_regs_t, AHB1RSTR) == RCC_ENR_FROM_RSTR, "AHB1");
_Static_assert(offsetof(rcc_regs_t, AHB2ENR) - offsetof(rcc_regs_t, AHB2RSTR) == RCC_ENR_FROM_RSTR, "AHB2");
_Static_assert(offsetof(rcc_regs_t, AHB3ENR) - offsetof(rcc_regs_t, AHB3RSTR) == RCC_ENR_FROM_RSTR, "AHB3");
_Static_assert(offsetof(rcc_regs_t, APB1ENR1) - offsetof(rcc_regs_t, APB1RSTR1) == RCC_ENR_FROM_RSTR, "APB1 1");
_Static_assert(offsetof(rcc_regs_t, APB1ENR2) - offsetof(rcc_regs_t, APB1RSTR2) == RCC_ENR_FROM_RSTR, "APB1 2");
_Static_assert(offsetof(rcc_regs_t, APB2ENR) - offsetof(rcc_regs_t, APB2RSTR) == RCC_ENR_FROM_RSTR, "APB2");

static uint32_t enabled_by_firmware[RCC_BUS_COUNT];

static volatile uint32_t *rstr_reg(rcc_bus_t bus)
{
    return (volatile uint32_t *)(RCC_BASE + rstr_offset[bus]);
}

static volatile uint32_t *enr_reg(rcc_bus_t bus)
{
    return (volatile uint32_t *)(RCC_BASE + rstr_offset[bus] + RCC_ENR_FROM_RSTR);
}

void rcc_periph_enable(rcc_periph_t periph)
{
    volatile uint32_t *enr = enr_reg(periph.bus);
    *enr |= periph.mask;
    /* The read-back spends the delay RM0351 requires between enabling a peripheral clock and accessing the
     * peripheral. */
    (void)*enr;
    enabled_by_firmware[periph.bus] |= periph.mask;
}

void rcc_periph_gate(rcc_periph_t periph)
{
    *enr_reg(periph.bus) &= ~periph.mask;
    enabled_by_firmware[periph.bus] &= ~periph.mask;
}

void rcc_periph_reset_enabled(void)
{
    for (uint32_t bus = 0; bus < RCC_BUS_COUNT; bus++) {
        uint32_t mask = enabled_by_firmware[bus];
        if (mask == 0u) {
            continue;
        }
        *rstr_reg((rcc_bus_t)bus) |= mask;
        *rstr_reg((rcc_bus_t)bus) &= ~mask;
        *enr_reg((rcc_bus_t)bus) &= ~mask;
        enabled_by_firmware[bus] = 0u;
    }
}

static uint32_t sysclk_switch_status(void)
{
    return (RCC->CFGR & RCC_CFGR_SWS_Msk) >> RCC_CFGR_SWS_Pos;
}

void rcc_sysclk_to_pll(void)
{
    flash_set_latency(BOARD_FLASH_LATENCY);

    RCC->PLLCFGR = (RCC_PLLCFGR_PLLSRC_MSI << RCC_PLLCFGR_PLLSRC_Pos)
                 | ((BOARD_PLLM - 1u) << RCC_PLLCFGR_PLLM_Pos)
                 | (BOARD_PLLN << RCC_PLLCFGR_PLLN_Pos)
                 | ((BOARD_PLLR / 2u - 1u) << RCC_PLLCFGR_PLLR_Pos)
                 | RCC_PLLCFGR_PLLREN;
    RCC->CR |= RCC_CR_PLLON;
    while ((RCC->CR & RCC_CR_PLLRDY) == 0u) {
    }

    /* AHB, APB1 and APB2 prescalers stay at /1. */
    RCC->CFGR = RCC_CFGR_SW_PLL << RCC_CFGR_SW_Pos;
    while (sysclk_switch_status() != RCC_CFGR_SW_PLL) {
    }
}

void rcc_sysclk_to_reset_state(void)
{
    RCC->CR |= RCC_CR_MSION;
    while ((RCC->CR & RCC_CR_MSIRDY) == 0u) {
    }

    RCC->CFGR = RCC_CFGR_RESET_VALUE;
    while (sysclk_switch_status() != RCC_CFGR_SW_MSI) {
    }

    RCC->CR &= ~RCC_CR_PLLON;
    while ((RCC->CR & RCC_CR_PLLRDY) != 0u) {
    }
    RCC->PLLCFGR = RCC_PLLCFGR_RESET_VALUE;

    RCC->CCIPR = RCC_CCIPR_RESET_VALUE;
    RCC->CR &= ~RCC_CR_PLLSAI1ON;
    while ((RCC->CR & RCC_CR_PLLSAI1RDY) != 0u) {
    }
    RCC->PLLSAI1CFGR = RCC_PLLSAI1CFGR_RESET_VALUE;
    RCC->CR &= ~RCC_CR_MSIPLLEN;

    /* Only now that the core runs at 4 MHz may the wait states drop. */
    flash_set_latency(0u);
}

/* Why this clock tree for USB: full speed needs 48 MHz within +-0.25 % (USB 2.0 §7.1.11). This board has no HSE
 * crystal and the STM32L47x no HSI48; HSI16 (+-1 %) and a factory-trimmed MSI are both too coarse. MSI in PLL mode
 * (RCC_CR.MSIPLLEN, RM0351 "MSI clock") is trimmed continuously by hardware against the 32.768 kHz LSE crystal and
 * stays well inside the tolerance in every range (4 MHz becomes 122 x 32768 Hz, -0.06 %). ST's own B-L475E-IOT01A
 * USB examples run MSI at 48 MHz (range 11) straight into CLK48, but that moves the PLL input and with it the clock
 * tree the rest of the firmware is built on. Here MSI stays at its reset range of 4 MHz, SYSCLK stays at 80 MHz
 * through the main PLL, and PLLSAI1, which shares the main PLL's input, makes 4 MHz x 24 / 2 = 48 MHz: only
 * additions to the clock tree, started when USB is wanted and torn down by rcc_sysclk_to_reset_state(). */
bool rcc_clk48_start(void)
{
    if ((RCC->BDCR & RCC_BDCR_LSERDY) == 0u) {
        if ((RCC->BDCR & RCC_BDCR_LSEON) == 0u) {
            /* RCC_BDCR is in the backup domain: after reset it ignores writes until PWR_CR1.DBP is set. */
            backup_domain_unlock();
            RCC->BDCR |= RCC_BDCR_LSEON;
        }
        return false;
    }
    /* RM0351 RCC_CR: MSIPLLEN only takes once LSERDY is set. */
    RCC->CR |= RCC_CR_MSIPLLEN;
    if ((RCC->CR & RCC_CR_PLLSAI1ON) == 0u) {
        RCC->PLLSAI1CFGR = (BOARD_PLLSAI1N << RCC_PLLSAI1CFGR_PLLSAI1N_Pos)
                         | ((BOARD_PLLSAI1Q / 2u - 1u) << RCC_PLLSAI1CFGR_PLLSAI1Q_Pos)
                         | RCC_PLLSAI1CFGR_PLLSAI1QEN;
        RCC->CR |= RCC_CR_PLLSAI1ON;
    }
    if ((RCC->CR & RCC_CR_PLLSAI1RDY) == 0u) {
        return false;
    }
    RCC->CCIPR = (RCC->CCIPR & ~RCC_CCIPR_CLK48SEL_Msk) | (RCC_CCIPR_CLK48SEL_PLLSAI1 << RCC_CCIPR_CLK48SEL_Pos);
    return true;
}

static uint32_t msi_hz(void)
{
    static const uint32_t range_hz[] = {
        100000u, 200000u, 400000u, 800000u, 1000000u, 2000000u,
        4000000u, 8000000u, 16000000u, 24000000u, 32000000u, 48000000u,
    };
    /* Until software sets MSIRGSEL, the range comes from RCC_CSR.MSISRANGE (RM0351, RCC_CR.MSIRGSEL). */
    uint32_t range = (RCC->CR & RCC_CR_MSIRGSEL) != 0u
                   ? (RCC->CR & RCC_CR_MSIRANGE_Msk) >> RCC_CR_MSIRANGE_Pos
                   : (RCC->CSR & RCC_CSR_MSISRANGE_Msk) >> RCC_CSR_MSISRANGE_Pos;
    return range < sizeof range_hz / sizeof range_hz[0] ? range_hz[range] : 0u;
}

#define HSI16_HZ 16000000u

static uint32_t pll_r_hz(void)
{
    uint32_t cfgr = RCC->PLLCFGR;
    uint32_t input;
    switch ((cfgr & RCC_PLLCFGR_PLLSRC_Msk) >> RCC_PLLCFGR_PLLSRC_Pos) {
    case RCC_PLLCFGR_PLLSRC_MSI: input = msi_hz(); break;
    case RCC_PLLCFGR_PLLSRC_HSI16: input = HSI16_HZ; break;
    default: return 0u; /* no source, or HSE which this board lacks */
    }
    uint32_t m = ((cfgr & RCC_PLLCFGR_PLLM_Msk) >> RCC_PLLCFGR_PLLM_Pos) + 1u;
    uint32_t n = (cfgr & RCC_PLLCFGR_PLLN_Msk) >> RCC_PLLCFGR_PLLN_Pos;
    uint32_t r = 2u * (((cfgr & RCC_PLLCFGR_PLLR_Msk) >> RCC_PLLCFGR_PLLR_Pos) + 1u);
    return input / m * n / r;
}

uint32_t rcc_sysclk_hz(void)
{
    switch (sysclk_switch_status()) {
    case RCC_CFGR_SW_MSI: return msi_hz();
    case RCC_CFGR_SW_HSI16: return HSI16_HZ;
    case RCC_CFGR_SW_PLL: return pll_r_hz();
    default: return 0u; /* HSE */
    }
}

uint32_t rcc_hclk_hz(void)
{
    /* This firmware runs SYSCLK from MSI at its reset range or from the PLL (rcc.h), never divided. */
    return sysclk_switch_status() == RCC_CFGR_SW_PLL ? BOARD_SYSCLK_HZ : BOARD_MSI_HZ;
}

uint32_t rcc_pclk2_hz(void)
{
    return rcc_hclk_hz();
}

uint32_t rcc_reset_flags_take(void)
{
    uint32_t csr = RCC->CSR;
    RCC->CSR = csr | RCC_CSR_RMVF;
    return csr;
}
