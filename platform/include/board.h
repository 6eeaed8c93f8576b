/* B-L475E-IOT01A board facts (UM2153, DS10969, RM0351): pins and clock tree. The ONE place for them: the
 * drivers use these names, and a test compares them with cubemx/bootloader.ioc and cubemx/application.ioc.
 * Keep every value a plain literal so that test can read this file as text. */
#ifndef BOARD_H
#define BOARD_H

#include "gpio.h"

/* DBGMCU_IDCODE.DEV_ID of the STM32L47x/L48x line. */
#define BOARD_DEVICE_ID        0x415u

/* Clock tree: MSI 4 MHz (reset range 6) -> PLL M=1, N=40 (VCO 160 MHz), R=2 -> SYSCLK 80 MHz;
 * AHB, APB1 and APB2 undivided. 80 MHz needs voltage range 1 (the reset range) and 4 flash wait states. */
#define BOARD_MSI_HZ           4000000u
#define BOARD_PLLM             1u
#define BOARD_PLLN             40u
#define BOARD_PLLR             2u
#define BOARD_SYSCLK_HZ        80000000u
#define BOARD_FLASH_LATENCY    4u

/* The 48 MHz clock of USB OTG_FS (CLK48): PLLSAI1 from the same PLL input as SYSCLK (MSI 4 MHz / PLLM), N=24
 * (VCO 96 MHz), Q=2. USB needs it within +-0.25 %: MSI runs in PLL mode, locked to the 32.768 kHz LSE crystal,
 * whenever CLK48 runs (rcc_clk48_start() says why this tree). */
#define BOARD_PLLSAI1N         24u
#define BOARD_PLLSAI1Q         2u
#define BOARD_CLK48_HZ         48000000u

/* The console, also the AN3155 line: USART1 on PB6/PB7 (AF7, DS10969 alternate function table) reaches the ST-LINK
 * virtual COM port (UM2153). platform/src/usart1.c drives whichever USART these lines name; each is an RM0351 name
 * that regs/usart.h, rcc.h and regs/dma.h define, so a port picks another instance by changing these lines alone:
 * - the instance, its clock enable and its NVIC line and handler (RM0351 vector table: USART1 is IRQ 37);
 * - its kernel clock: USART1's is PCLK2 while RCC_CCIPR.USART1SEL keeps its reset value (USART2/3, UART4/5 run from
 *   PCLK1, which equals PCLK2 as long as this clock tree keeps APB1 and APB2 undivided);
 * - the DMA channel that serves its receive request, and the request number written to DMA_CSELR (RM0351, DMA1 and
 *   DMA2 request mapping: USART1_RX is request 2 of DMA1 channel 5 and of DMA2 channel 7; USART2_RX DMA1 channel 6,
 *   USART3_RX DMA1 channel 3, UART4_RX DMA2 channel 5, UART5_RX DMA2 channel 2, request 2 each). */
#define BOARD_CONSOLE_USART          USART1
#define BOARD_CONSOLE_USART_RCC      RCC_PERIPH_USART1
#define BOARD_CONSOLE_IRQn           USART1_IRQn
#define BOARD_CONSOLE_IRQHandler     USART1_IRQHandler
#define BOARD_CONSOLE_KERNEL_HZ()    rcc_pclk2_hz()
#define BOARD_CONSOLE_RX_DMA         DMA1
#define BOARD_CONSOLE_RX_DMA_RCC     RCC_PERIPH_DMA1
#define BOARD_CONSOLE_RX_DMA_CHANNEL 5u
#define BOARD_CONSOLE_RX_DMA_REQUEST 2u
#define BOARD_CONSOLE_BAUD     115200u
#define BOARD_CONSOLE_TX       GPIO_PIN(B, 6)
#define BOARD_CONSOLE_RX       GPIO_PIN(B, 7)
#define BOARD_CONSOLE_AF       7u

/* Green LEDs, lit when the pin is high. */
#define BOARD_LED1             GPIO_PIN(A, 5)
#define BOARD_LED2             GPIO_PIN(B, 14)

/* User button B1: external pull-up, pressed pulls the pin low. */
#define BOARD_BUTTON           GPIO_PIN(C, 13)
#define BOARD_BUTTON_PRESSED   false

/* USB OTG_FS on the micro-AB connector CN9 (UM2153): DM/DP on AF10. VBUS comes from an STMPS2141 power switch
 * whose enable input is active low and driven by PD12 (ST's USB host example for this board switches VBUS on with
 * PD12 low, off with PD12 high); its open-drain fault output reaches PE3 and pulls it low on over-current or
 * thermal shutdown. Host mode is forced in the core, so the ID pin (PA10) is not read, and VBUS sensing on PA9
 * stays off: the firmware knows VBUS from PD12 itself. */
#define BOARD_USB_DM           GPIO_PIN(A, 11)
#define BOARD_USB_DP           GPIO_PIN(A, 12)
#define BOARD_USB_AF           10u
#define BOARD_USB_VBUS_EN      GPIO_PIN(D, 12)
#define BOARD_USB_VBUS_EN_ON   false
#define BOARD_USB_OVERCURRENT  GPIO_PIN(E, 3)
#define BOARD_USB_OVERCURRENT_ACTIVE false

/* The clock tree must hold together (RM0351: PLL limits, flash read latency table). */
_Static_assert(BOARD_PLLM >= 1u && BOARD_PLLM <= 8u, "PLLM must be 1..8");
_Static_assert(BOARD_PLLN >= 8u && BOARD_PLLN <= 86u, "PLLN must be 8..86");
_Static_assert(BOARD_PLLR == 2u || BOARD_PLLR == 4u || BOARD_PLLR == 6u || BOARD_PLLR == 8u,
               "PLLR must be 2, 4, 6 or 8");
_Static_assert(BOARD_MSI_HZ / BOARD_PLLM >= 4000000u && BOARD_MSI_HZ / BOARD_PLLM <= 16000000u,
               "PLL input (VCO input) must be 4..16 MHz");
_Static_assert(BOARD_MSI_HZ / BOARD_PLLM * BOARD_PLLN >= 64000000u &&
               BOARD_MSI_HZ / BOARD_PLLM * BOARD_PLLN <= 344000000u, "VCO output must be 64..344 MHz");
_Static_assert(BOARD_MSI_HZ / BOARD_PLLM * BOARD_PLLN / BOARD_PLLR == BOARD_SYSCLK_HZ,
               "BOARD_SYSCLK_HZ must equal MSI / PLLM * PLLN / PLLR");
_Static_assert(BOARD_SYSCLK_HZ <= 80000000u, "voltage range 1 allows at most 80 MHz");
_Static_assert(BOARD_PLLSAI1N >= 8u && BOARD_PLLSAI1N <= 86u, "PLLSAI1N must be 8..86");
_Static_assert(BOARD_PLLSAI1Q == 2u || BOARD_PLLSAI1Q == 4u || BOARD_PLLSAI1Q == 6u || BOARD_PLLSAI1Q == 8u,
               "PLLSAI1Q must be 2, 4, 6 or 8");
_Static_assert(BOARD_MSI_HZ / BOARD_PLLM * BOARD_PLLSAI1N >= 64000000u &&
               BOARD_MSI_HZ / BOARD_PLLM * BOARD_PLLSAI1N <= 344000000u, "PLLSAI1 VCO output must be 64..344 MHz");
_Static_assert(BOARD_MSI_HZ / BOARD_PLLM * BOARD_PLLSAI1N / BOARD_PLLSAI1Q == BOARD_CLK48_HZ,
               "BOARD_CLK48_HZ must equal MSI / PLLM * PLLSAI1N / PLLSAI1Q");
_Static_assert(BOARD_CONSOLE_RX_DMA_CHANNEL >= 1u && BOARD_CONSOLE_RX_DMA_CHANNEL <= 7u, "DMA1 and DMA2 have channels 1..7");
_Static_assert(BOARD_CONSOLE_RX_DMA_REQUEST <= 15u, "DMA_CSELR.CxS is 4 bits wide");
_Static_assert(BOARD_CLK48_HZ == 48000000u, "USB OTG_FS needs exactly 48 MHz");
/* Range 1 needs one wait state per started 16 MHz above the first 16 MHz. */
_Static_assert(BOARD_FLASH_LATENCY == (BOARD_SYSCLK_HZ - 1u) / 16000000u,
               "BOARD_FLASH_LATENCY must match BOARD_SYSCLK_HZ (RM0351 Table 11, range 1)");

#endif /* BOARD_H */
