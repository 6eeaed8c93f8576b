/* DBGMCU — MCU debug component (RM0351, debug support). DBGMCU_IDCODE identifies the device: DEV_ID 0x415 is the
 * STM32L47x/L48x line, the high half of this board's BOARD_ID. */
#ifndef REGS_DBGMCU_H
#define REGS_DBGMCU_H

#include "regs/mmio.h"

typedef struct {
    volatile uint32_t IDCODE;
    volatile uint32_t CR;
    volatile uint32_t APB1FZR1;
    volatile uint32_t APB1FZR2;
    volatile uint32_t APB2FZR;
} dbgmcu_regs_t;

REG_OFFSET_ASSERT(dbgmcu_regs_t, IDCODE, 0x00);
REG_OFFSET_ASSERT(dbgmcu_regs_t, CR, 0x04);
REG_OFFSET_ASSERT(dbgmcu_regs_t, APB1FZR1, 0x08);
REG_OFFSET_ASSERT(dbgmcu_regs_t, APB1FZR2, 0x0C);
REG_OFFSET_ASSERT(dbgmcu_regs_t, APB2FZR, 0x10);

#define DBGMCU_BASE 0xE0042000u
#define DBGMCU ((dbgmcu_regs_t *)DBGMCU_BASE)

/* DBGMCU_IDCODE */
#define DBGMCU_IDCODE_DEV_ID_Pos 0u
#define DBGMCU_IDCODE_DEV_ID_Msk (0xFFFu << DBGMCU_IDCODE_DEV_ID_Pos)
#define DBGMCU_IDCODE_REV_ID_Pos 16u
#define DBGMCU_IDCODE_REV_ID_Msk (0xFFFFu << DBGMCU_IDCODE_REV_ID_Pos)

#endif /* REGS_DBGMCU_H */
