/* SysTick — Cortex-M4 system timer (ARMv7-M Architecture Reference Manual; PM0214). */
#ifndef REGS_SYSTICK_H
#define REGS_SYSTICK_H

#include "regs/mmio.h"

typedef struct {
    volatile uint32_t CTRL;
    volatile uint32_t LOAD;
    volatile uint32_t VAL;
    volatile uint32_t CALIB;
} systick_regs_t;

REG_OFFSET_ASSERT(systick_regs_t, CTRL, 0x00);
REG_OFFSET_ASSERT(systick_regs_t, LOAD, 0x04);
REG_OFFSET_ASSERT(systick_regs_t, VAL, 0x08);
REG_OFFSET_ASSERT(systick_regs_t, CALIB, 0x0C);

#define SYSTICK_BASE 0xE000E010u
#define SYSTICK ((systick_regs_t *)SYSTICK_BASE)

/* SysTick CTRL */
#define SYSTICK_CTRL_ENABLE     (1u << 0)
#define SYSTICK_CTRL_TICKINT    (1u << 1)
#define SYSTICK_CTRL_CLKSOURCE  (1u << 2)   /* 1 = processor clock (HCLK) */
#define SYSTICK_LOAD_MAX        0x00FFFFFFu

#endif /* REGS_SYSTICK_H */
