/* CRC — cyclic redundancy check calculation unit (RM0351, CRC registers). */
#ifndef REGS_CRC_H
#define REGS_CRC_H

#include "regs/mmio.h"

typedef struct {
    volatile uint32_t DR;  /* byte, half-word and word accesses each feed that many bits */
    volatile uint32_t IDR;
    volatile uint32_t CR;
    uint32_t reserved0;
    volatile uint32_t INIT;
    volatile uint32_t POL;
} crc_regs_t;

REG_OFFSET_ASSERT(crc_regs_t, DR, 0x00);
REG_OFFSET_ASSERT(crc_regs_t, IDR, 0x04);
REG_OFFSET_ASSERT(crc_regs_t, CR, 0x08);
REG_OFFSET_ASSERT(crc_regs_t, INIT, 0x10);
REG_OFFSET_ASSERT(crc_regs_t, POL, 0x14);

#define CRC_BASE 0x40023000u
#define CRC ((crc_regs_t *)CRC_BASE)

/* CRC_CR */
#define CRC_CR_RESET           (1u << 0)
#define CRC_CR_POLYSIZE_Pos    3u
#define CRC_CR_POLYSIZE_32     (0u << CRC_CR_POLYSIZE_Pos)
#define CRC_CR_REV_IN_Pos      5u
#define CRC_CR_REV_IN_BYTE     (1u << CRC_CR_REV_IN_Pos)
#define CRC_CR_REV_IN_WORD     (3u << CRC_CR_REV_IN_Pos)
#define CRC_CR_REV_OUT         (1u << 7)

#define CRC_POL_CRC32          0x04C11DB7u
#define CRC_INIT_ALL_ONES      0xFFFFFFFFu

#endif /* REGS_CRC_H */
