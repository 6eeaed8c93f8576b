/* RCC: system clock switching and peripheral clock gating.
 *
 * Every peripheral clock enabled through rcc_periph_enable() is remembered, so rcc_periph_reset_enabled()
 * can return all of them to their reset state (reset pulse, clock off) before the bootloader hands over. */
#ifndef RCC_H
#define RCC_H

#include <stdbool.h>
#include <stdint.h>

#include "regs/rcc.h"

typedef enum {
    RCC_BUS_AHB1, RCC_BUS_AHB2, RCC_BUS_AHB3, RCC_BUS_APB1_1, RCC_BUS_APB1_2, RCC_BUS_APB2,
    RCC_BUS_COUNT
} rcc_bus_t;

/* One peripheral: the bus and its bit, which is the same in RCC_xxxENR and RCC_xxxRSTR. */
typedef struct {
    rcc_bus_t bus;
    uint32_t mask;
} rcc_periph_t;

#define RCC_PERIPH_DMA1       ((rcc_periph_t){ RCC_BUS_AHB1, RCC_AHB1ENR_DMA1EN })
#define RCC_PERIPH_DMA2       ((rcc_periph_t){ RCC_BUS_AHB1, RCC_AHB1ENR_DMA2EN })
#define RCC_PERIPH_CRC        ((rcc_periph_t){ RCC_BUS_AHB1, RCC_AHB1ENR_CRCEN })
#define RCC_PERIPH_GPIO(port) ((rcc_periph_t){ RCC_BUS_AHB2, RCC_AHB2ENR_GPIOAEN << (port) })
#define RCC_PERIPH_OTG_FS     ((rcc_periph_t){ RCC_BUS_AHB2, RCC_AHB2ENR_OTGFSEN })
#define RCC_PERIPH_PWR        ((rcc_periph_t){ RCC_BUS_APB1_1, RCC_APB1ENR1_PWREN })
#define RCC_PERIPH_USART1     ((rcc_periph_t){ RCC_BUS_APB2, RCC_APB2ENR_USART1EN })
#define RCC_PERIPH_USART2     ((rcc_periph_t){ RCC_BUS_APB1_1, RCC_APB1ENR1_USART2EN })
#define RCC_PERIPH_USART3     ((rcc_periph_t){ RCC_BUS_APB1_1, RCC_APB1ENR1_USART3EN })
#define RCC_PERIPH_UART4      ((rcc_periph_t){ RCC_BUS_APB1_1, RCC_APB1ENR1_UART4EN })
#define RCC_PERIPH_UART5      ((rcc_periph_t){ RCC_BUS_APB1_1, RCC_APB1ENR1_UART5EN })

void rcc_periph_enable(rcc_periph_t periph);
/* Clock off without a reset pulse, and forgotten by rcc_periph_reset_enabled(): the peripheral keeps its
 * registers, and what they drive, until it is clocked again. */
void rcc_periph_gate(rcc_periph_t periph);
/* Reset pulse (RCC_xxxRSTR) and clock disable for every peripheral enabled through rcc_periph_enable(). */
void rcc_periph_reset_enabled(void);

/* From the reset clock (MSI 4 MHz, PLL off) to the PLL at BOARD_SYSCLK_HZ; the flash wait states are raised
 * before the switch. */
void rcc_sysclk_to_pll(void);
/* Back to the exact reset clock state: MSI 4 MHz, RCC_CFGR = 0, PLL off, RCC_PLLCFGR reset value, and the 48 MHz
 * clock of rcc_clk48_start() off again (RCC_CCIPR reset value, PLLSAI1 off, MSI out of PLL mode); the wait states
 * drop to 0 only after the switch. The LSE keeps running: it belongs to the backup domain, which a reset leaves
 * running too. */
void rcc_sysclk_to_reset_state(void);

/* One step towards the 48 MHz clock of USB OTG_FS (CLK48 = PLLSAI1 "Q", BOARD_PLLSAI1N/Q) without waiting: starts
 * the LSE crystal (which takes up to seconds after a power-on), puts MSI into PLL mode once the LSE is ready, then
 * starts PLLSAI1 and selects it. Call it until it returns true; it needs rcc_sysclk_to_pll() first. */
bool rcc_clk48_start(void);

/* SYSCLK decoded from the RCC registers as they are now (0 for HSE: this board has no HSE crystal); the
 * application's `info` shows it, so a test on silicon sees what the clock tree really runs at. */
uint32_t rcc_sysclk_hz(void);
/* The clocks of SysTick and USART1: BOARD_SYSCLK_HZ while SYSCLK runs from the PLL (RCC_CFGR.SWS, as
 * rcc_sysclk_to_pll() sets it; AHB and APB2 stay undivided), else BOARD_MSI_HZ, the reset clock. Only the switch is
 * read: the tree behind it is board.h's, as decoding it costs some 280 bytes the bootloader's flash budget has no
 * room for. */
uint32_t rcc_hclk_hz(void);
uint32_t rcc_pclk2_hz(void);

/* RCC_CSR as it is, then its reset flags cleared (RMVF), so the next reset's flags are that reset's alone. */
uint32_t rcc_reset_flags_take(void);

#endif /* RCC_H */
