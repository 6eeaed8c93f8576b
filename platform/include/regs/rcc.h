/* RCC — reset and clock control (RM0351, RCC registers). */
#ifndef REGS_RCC_H
#define REGS_RCC_H

#include "regs/mmio.h"

typedef struct {
    volatile uint32_t CR;
    volatile uint32_t ICSCR;
    volatile uint32_t CFGR;
    volatile uint32_t PLLCFGR;
    volatile uint32_t PLLSAI1CFGR;
    volatile uint32_t PLLSAI2CFGR;
    volatile uint32_t CIER;
    volatile uint32_t CIFR;
    volatile uint32_t CICR;
    uint32_t reserved0;
    volatile uint32_t AHB1RSTR;
    volatile uint32_t AHB2RSTR;
    volatile uint32_t AHB3RSTR;
    uint32_t reserved1;
    volatile uint32_t APB1RSTR1;
    volatile uint32_t APB1RSTR2;
    volatile uint32_t APB2RSTR;
    uint32_t reserved2;
    volatile uint32_t AHB1ENR;
    volatile uint32_t AHB2ENR;
    volatile uint32_t AHB3ENR;
    uint32_t reserved3;
    volatile uint32_t APB1ENR1;
    volatile uint32_t APB1ENR2;
    volatile uint32_t APB2ENR;
    uint32_t reserved4;
    volatile uint32_t AHB1SMENR;
    volatile uint32_t AHB2SMENR;
    volatile uint32_t AHB3SMENR;
    uint32_t reserved5;
    volatile uint32_t APB1SMENR1;
    volatile uint32_t APB1SMENR2;
    volatile uint32_t APB2SMENR;
    uint32_t reserved6;
    volatile uint32_t CCIPR;
    uint32_t reserved7;
    volatile uint32_t BDCR;
    volatile uint32_t CSR;
} rcc_regs_t;

REG_OFFSET_ASSERT(rcc_regs_t, CR, 0x00);
REG_OFFSET_ASSERT(rcc_regs_t, ICSCR, 0x04);
REG_OFFSET_ASSERT(rcc_regs_t, CFGR, 0x08);
REG_OFFSET_ASSERT(rcc_regs_t, PLLCFGR, 0x0C);
REG_OFFSET_ASSERT(rcc_regs_t, PLLSAI1CFGR, 0x10);
REG_OFFSET_ASSERT(rcc_regs_t, PLLSAI2CFGR, 0x14);
REG_OFFSET_ASSERT(rcc_regs_t, CIER, 0x18);
REG_OFFSET_ASSERT(rcc_regs_t, CIFR, 0x1C);
REG_OFFSET_ASSERT(rcc_regs_t, CICR, 0x20);
REG_OFFSET_ASSERT(rcc_regs_t, AHB1RSTR, 0x28);
REG_OFFSET_ASSERT(rcc_regs_t, AHB2RSTR, 0x2C);
REG_OFFSET_ASSERT(rcc_regs_t, AHB3RSTR, 0x30);
REG_OFFSET_ASSERT(rcc_regs_t, APB1RSTR1, 0x38);
REG_OFFSET_ASSERT(rcc_regs_t, APB1RSTR2, 0x3C);
REG_OFFSET_ASSERT(rcc_regs_t, APB2RSTR, 0x40);
REG_OFFSET_ASSERT(rcc_regs_t, AHB1ENR, 0x48);
REG_OFFSET_ASSERT(rcc_regs_t, AHB2ENR, 0x4C);
REG_OFFSET_ASSERT(rcc_regs_t, AHB3ENR, 0x50);
REG_OFFSET_ASSERT(rcc_regs_t, APB1ENR1, 0x58);
REG_OFFSET_ASSERT(rcc_regs_t, APB1ENR2, 0x5C);
REG_OFFSET_ASSERT(rcc_regs_t, APB2ENR, 0x60);
REG_OFFSET_ASSERT(rcc_regs_t, AHB1SMENR, 0x68);
REG_OFFSET_ASSERT(rcc_regs_t, APB2SMENR, 0x80);
REG_OFFSET_ASSERT(rcc_regs_t, CCIPR, 0x88);
REG_OFFSET_ASSERT(rcc_regs_t, BDCR, 0x90);
REG_OFFSET_ASSERT(rcc_regs_t, CSR, 0x94);

#define RCC_BASE 0x40021000u
#define RCC ((rcc_regs_t *)RCC_BASE)

/* RCC_CR */
#define RCC_CR_MSION           (1u << 0)
#define RCC_CR_MSIRDY          (1u << 1)
#define RCC_CR_MSIPLLEN        (1u << 2)   /* MSI in PLL mode: hardware-trimmed against the LSE */
#define RCC_CR_MSIRGSEL        (1u << 3)
#define RCC_CR_MSIRANGE_Pos    4u
#define RCC_CR_MSIRANGE_Msk    (0xFu << RCC_CR_MSIRANGE_Pos)
#define RCC_CR_HSION           (1u << 8)
#define RCC_CR_HSIRDY          (1u << 10)
#define RCC_CR_PLLON           (1u << 24)
#define RCC_CR_PLLRDY          (1u << 25)
#define RCC_CR_PLLSAI1ON       (1u << 26)
#define RCC_CR_PLLSAI1RDY      (1u << 27)

/* RCC_CSR (RM0351 §6.4.30): MSISRANGE is the MSI range used after reset while RCC_CR.MSIRGSEL = 0. The reset
 * flags survive every reset but a power reset and stay set until RMVF clears them all. */
#define RCC_CSR_MSISRANGE_Pos  8u
#define RCC_CSR_MSISRANGE_Msk  (0xFu << RCC_CSR_MSISRANGE_Pos)
#define RCC_CSR_RMVF           (1u << 23)
#define RCC_CSR_FWRSTF         (1u << 24)  /* firewall */
#define RCC_CSR_OBLRSTF        (1u << 25)  /* option byte loader (FLASH_CR.OBL_LAUNCH) */
#define RCC_CSR_PINRSTF        (1u << 26)  /* NRST pin: also set by every internal reset, which drives the pin */
#define RCC_CSR_BORRSTF        (1u << 27)  /* brown-out reset, power-on included */
#define RCC_CSR_SFTRSTF        (1u << 28)  /* SCB_AIRCR.SYSRESETREQ */
#define RCC_CSR_IWDGRSTF       (1u << 29)
#define RCC_CSR_WWDGRSTF       (1u << 30)
#define RCC_CSR_LPWRRSTF       (1u << 31)  /* Stop/Standby/Shutdown entered while an nRST_xxx option bit forbids it */
#define RCC_CSR_RESET_FLAGS    0xFF000000u

/* RCC_CFGR */
#define RCC_CFGR_SW_Pos        0u
#define RCC_CFGR_SW_Msk        (3u << RCC_CFGR_SW_Pos)
#define RCC_CFGR_SWS_Pos       2u
#define RCC_CFGR_SWS_Msk       (3u << RCC_CFGR_SWS_Pos)
#define RCC_CFGR_SW_MSI        0u
#define RCC_CFGR_SW_HSI16      1u
#define RCC_CFGR_SW_HSE        2u
#define RCC_CFGR_SW_PLL        3u
#define RCC_CFGR_HPRE_Pos      4u
#define RCC_CFGR_HPRE_Msk      (0xFu << RCC_CFGR_HPRE_Pos)
#define RCC_CFGR_PPRE1_Pos     8u
#define RCC_CFGR_PPRE1_Msk     (7u << RCC_CFGR_PPRE1_Pos)
#define RCC_CFGR_PPRE2_Pos     11u
#define RCC_CFGR_PPRE2_Msk     (7u << RCC_CFGR_PPRE2_Pos)
#define RCC_CFGR_RESET_VALUE   0x00000000u

/* RCC_PLLCFGR */
#define RCC_PLLCFGR_PLLSRC_Pos   0u
#define RCC_PLLCFGR_PLLSRC_Msk   (3u << RCC_PLLCFGR_PLLSRC_Pos)
#define RCC_PLLCFGR_PLLSRC_MSI   1u
#define RCC_PLLCFGR_PLLSRC_HSI16 2u
#define RCC_PLLCFGR_PLLSRC_HSE   3u
#define RCC_PLLCFGR_PLLM_Pos     4u          /* field = M - 1 */
#define RCC_PLLCFGR_PLLM_Msk     (7u << RCC_PLLCFGR_PLLM_Pos)
#define RCC_PLLCFGR_PLLN_Pos     8u          /* field = N */
#define RCC_PLLCFGR_PLLN_Msk     (0x7Fu << RCC_PLLCFGR_PLLN_Pos)
#define RCC_PLLCFGR_PLLREN       (1u << 24)
#define RCC_PLLCFGR_PLLR_Pos     25u         /* field = R / 2 - 1 */
#define RCC_PLLCFGR_PLLR_Msk     (3u << RCC_PLLCFGR_PLLR_Pos)
#define RCC_PLLCFGR_RESET_VALUE  0x00001000u /* PLLN = 16, everything else 0 */

/* RCC_PLLSAI1CFGR: on the STM32L47x/L48x PLLSAI1 shares the main PLL's source and PLLM. */
#define RCC_PLLSAI1CFGR_PLLSAI1N_Pos  8u     /* field = N */
#define RCC_PLLSAI1CFGR_PLLSAI1QEN    (1u << 20)
#define RCC_PLLSAI1CFGR_PLLSAI1Q_Pos  21u    /* field = Q / 2 - 1 */
#define RCC_PLLSAI1CFGR_RESET_VALUE   0x00001000u /* PLLSAI1N = 16, everything else 0 */

/* RCC_CCIPR */
#define RCC_CCIPR_CLK48SEL_Pos     26u
#define RCC_CCIPR_CLK48SEL_Msk     (3u << RCC_CCIPR_CLK48SEL_Pos)
#define RCC_CCIPR_CLK48SEL_PLLSAI1 1u        /* PLL48M2CLK, the PLLSAI1 "Q" output */
#define RCC_CCIPR_RESET_VALUE      0x00000000u

/* RCC_BDCR (backup domain: writable only while PWR_CR1.DBP = 1) */
#define RCC_BDCR_LSEON         (1u << 0)
#define RCC_BDCR_LSERDY        (1u << 1)

/* RCC_AHB1ENR / RCC_AHB1RSTR */
#define RCC_AHB1ENR_DMA1EN     (1u << 0)
#define RCC_AHB1ENR_DMA2EN     (1u << 1)
#define RCC_AHB1ENR_FLASHEN    (1u << 8)
#define RCC_AHB1ENR_CRCEN      (1u << 12)
/* RCC_AHB2ENR / RCC_AHB2RSTR: GPIOxEN is bit x for ports A..H */
#define RCC_AHB2ENR_GPIOAEN    (1u << 0)
#define RCC_AHB2ENR_OTGFSEN    (1u << 12)
/* RCC_APB1ENR1 / RCC_APB1RSTR1 */
#define RCC_APB1ENR1_USART2EN  (1u << 17)
#define RCC_APB1ENR1_USART3EN  (1u << 18)
#define RCC_APB1ENR1_UART4EN   (1u << 19)
#define RCC_APB1ENR1_UART5EN   (1u << 20)
#define RCC_APB1ENR1_PWREN     (1u << 28)
/* RCC_APB2ENR / RCC_APB2RSTR */
#define RCC_APB2ENR_USART1EN   (1u << 14)

#endif /* REGS_RCC_H */
