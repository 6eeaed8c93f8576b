/* The few STM32L475 registers this example uses, by RM0351's names. A CubeMX project has all of them in CMSIS's
 * stm32l475xx.h (Drivers/CMSIS/Device/ST/STM32L4xx/Include), as RCC->AHB2ENR, USART1->BRR and so on; this
 * repository carries no ST sources, so the example names its own. */
#ifndef STM32L475_REGS_H
#define STM32L475_REGS_H

#include <stdint.h>

#define REG32(address) (*(volatile uint32_t *)(address))

/* Cortex-M4 system control space (PM0214 §4). */
#define SCB_VTOR        REG32(0xE000ED08u)
#define SCB_CPACR       REG32(0xE000ED88u)
#define SYST_CSR        REG32(0xE000E010u)
#define SYST_RVR        REG32(0xE000E014u)
#define SYST_CVR        REG32(0xE000E018u)
#define SYST_CSR_ENABLE_TICKINT_CLKSOURCE 0x7u  /* counter on, interrupt on, processor clock */

/* RCC (RM0351 §6.4). */
#define RCC_AHB2ENR     REG32(0x4002104Cu)
#define RCC_AHB2ENR_GPIOBEN   (1u << 1)
#define RCC_APB1ENR1    REG32(0x40021058u)
#define RCC_APB1ENR1_PWREN    (1u << 28)
#define RCC_APB2ENR     REG32(0x40021060u)
#define RCC_APB2ENR_USART1EN  (1u << 14)

/* GPIOB (RM0351 §8.4). */
#define GPIOB_MODER     REG32(0x48000400u)
#define GPIOB_AFRL      REG32(0x48000420u)

/* USART1 (RM0351 §40.8). */
#define USART1_CR1      REG32(0x40013800u)
#define USART1_BRR      REG32(0x4001380Cu)
#define USART1_ISR      REG32(0x4001381Cu)
#define USART1_TDR      REG32(0x40013828u)
#define USART_CR1_UE    (1u << 0)
#define USART_CR1_TE    (1u << 3)
#define USART_ISR_TC    (1u << 6)
#define USART_ISR_TXE   (1u << 7)

/* FLASH (RM0351 §3.7). */
#define FLASH_ACR       REG32(0x40022000u)
#define FLASH_KEYR      REG32(0x40022008u)
#define FLASH_SR        REG32(0x40022010u)
#define FLASH_CR        REG32(0x40022014u)
#define FLASH_ACR_ICEN  (1u << 9)
#define FLASH_ACR_DCEN  (1u << 10)
#define FLASH_ACR_ICRST (1u << 11)
#define FLASH_ACR_DCRST (1u << 12)
#define FLASH_KEY1      0x45670123u
#define FLASH_KEY2      0xCDEF89ABu
#define FLASH_SR_EOP    (1u << 0)
#define FLASH_SR_ERRORS 0xC3FAu  /* OPERR, PROGERR, WRPERR, PGAERR, SIZERR, PGSERR, MISERR, FASTERR, RDERR, OPTVERR */
#define FLASH_SR_BSY    (1u << 16)
#define FLASH_CR_PG     (1u << 0)
#define FLASH_CR_LOCK   (1u << 31)

/* PWR_CR1 and the RTC backup registers RTC_BKPxR (RM0351, PWR and RTC registers). */
#define PWR_CR1         REG32(0x40007000u)
#define PWR_CR1_DBP     (1u << 8)
#define RTC_BKPR(n)     REG32(0x40002850u + 4u * (n))

#endif /* STM32L475_REGS_H */
