/* IWDG — independent watchdog (RM0351, IWDG registers). */
#ifndef REGS_IWDG_H
#define REGS_IWDG_H

#include "regs/mmio.h"

typedef struct {
    volatile uint32_t KR;
    volatile uint32_t PR;
    volatile uint32_t RLR;
    volatile uint32_t SR;
    volatile uint32_t WINR;
} iwdg_regs_t;

REG_OFFSET_ASSERT(iwdg_regs_t, KR, 0x00);
REG_OFFSET_ASSERT(iwdg_regs_t, PR, 0x04);
REG_OFFSET_ASSERT(iwdg_regs_t, RLR, 0x08);
REG_OFFSET_ASSERT(iwdg_regs_t, SR, 0x0C);
REG_OFFSET_ASSERT(iwdg_regs_t, WINR, 0x10);

#define IWDG_BASE 0x40003000u
#define IWDG ((iwdg_regs_t *)IWDG_BASE)

/* IWDG_KR key values */
#define IWDG_KR_KEY_RELOAD 0xAAAAu  /* reload the counter from IWDG_RLR; ignored while the watchdog is off */

#endif /* REGS_IWDG_H */
