/* The device identifier (DBGMCU_IDCODE.DEV_ID): 0x415 on this line (BOARD_DEVICE_ID). Kept for the
 * AN3155 Get ID command of the update protocol, which reports it. */
#ifndef DEVICE_ID_H
#define DEVICE_ID_H

#include <stdint.h>

#include "regs/dbgmcu.h"

static inline uint32_t device_id_read(void)
{
    return (DBGMCU->IDCODE & DBGMCU_IDCODE_DEV_ID_Msk) >> DBGMCU_IDCODE_DEV_ID_Pos;
}

#endif /* DEVICE_ID_H */
