/* NVIC — nested vectored interrupt controller (ARMv7-M Architecture Reference Manual; PM0214). */
#ifndef REGS_NVIC_H
#define REGS_NVIC_H

#include "regs/mmio.h"

typedef struct {
    volatile uint32_t ISER[8];
    uint32_t reserved0[24];
    volatile uint32_t ICER[8];
    uint32_t reserved1[24];
    volatile uint32_t ISPR[8];
    uint32_t reserved2[24];
    volatile uint32_t ICPR[8];
    uint32_t reserved3[24];
    volatile uint32_t IABR[8];
    uint32_t reserved4[56];
    volatile uint8_t IPR[240];
} nvic_regs_t;

REG_OFFSET_ASSERT(nvic_regs_t, ISER, 0x000);
REG_OFFSET_ASSERT(nvic_regs_t, ICER, 0x080);
REG_OFFSET_ASSERT(nvic_regs_t, ISPR, 0x100);
REG_OFFSET_ASSERT(nvic_regs_t, ICPR, 0x180);
REG_OFFSET_ASSERT(nvic_regs_t, IABR, 0x200);
REG_OFFSET_ASSERT(nvic_regs_t, IPR, 0x300);

#define NVIC_BASE 0xE000E100u
#define NVIC ((nvic_regs_t *)NVIC_BASE)

/* The STM32L475 has 82 external interrupts (RM0351 Table 57: WWDG = 0 .. FPU = 81), so only the first
 * three words of each bank exist; the rest are reserved and are not touched. */
#define NVIC_IRQ_COUNT   82u
#define NVIC_IRQ_WORDS   ((NVIC_IRQ_COUNT + 31u) / 32u)

#endif /* REGS_NVIC_H */
