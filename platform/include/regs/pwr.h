/* PWR — power control (RM0351, PWR registers). Only the registers this firmware touches are named. */
#ifndef REGS_PWR_H
#define REGS_PWR_H

#include "regs/mmio.h"

typedef struct {
    volatile uint32_t CR1;
    volatile uint32_t CR2;
    volatile uint32_t CR3;
    volatile uint32_t CR4;
    volatile uint32_t SR1;
    volatile uint32_t SR2;
    volatile uint32_t SCR;
} pwr_regs_t;

REG_OFFSET_ASSERT(pwr_regs_t, CR1, 0x00);
REG_OFFSET_ASSERT(pwr_regs_t, CR2, 0x04);
REG_OFFSET_ASSERT(pwr_regs_t, CR3, 0x08);
REG_OFFSET_ASSERT(pwr_regs_t, CR4, 0x0C);
REG_OFFSET_ASSERT(pwr_regs_t, SR1, 0x10);
REG_OFFSET_ASSERT(pwr_regs_t, SR2, 0x14);
REG_OFFSET_ASSERT(pwr_regs_t, SCR, 0x18);

#define PWR_BASE 0x40007000u
#define PWR ((pwr_regs_t *)PWR_BASE)

/* PWR_CR1 */
#define PWR_CR1_DBP (1u << 8)   /* disable backup domain write protection (RTC registers, backup registers) */

/* PWR_CR2 */
#define PWR_CR2_USV (1u << 10)  /* VDDUSB is valid: lifts the isolation of the USB transceiver supply */

#endif /* REGS_PWR_H */
