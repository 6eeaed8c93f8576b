/* FLASH — embedded flash memory interface registers (RM0351, FLASH registers). */
#ifndef REGS_FLASH_H
#define REGS_FLASH_H

#include "regs/mmio.h"

typedef struct {
    volatile uint32_t ACR;
    volatile uint32_t PDKEYR;
    volatile uint32_t KEYR;
    volatile uint32_t OPTKEYR;
    volatile uint32_t SR;
    volatile uint32_t CR;
    volatile uint32_t ECCR;
    uint32_t reserved0;
    volatile uint32_t OPTR;
    volatile uint32_t PCROP1SR;
    volatile uint32_t PCROP1ER;
    volatile uint32_t WRP1AR;
    volatile uint32_t WRP1BR;
    uint32_t reserved1[4];
    volatile uint32_t PCROP2SR;
    volatile uint32_t PCROP2ER;
    volatile uint32_t WRP2AR;
    volatile uint32_t WRP2BR;
} flash_regs_t;

REG_OFFSET_ASSERT(flash_regs_t, ACR, 0x00);
REG_OFFSET_ASSERT(flash_regs_t, PDKEYR, 0x04);
REG_OFFSET_ASSERT(flash_regs_t, KEYR, 0x08);
REG_OFFSET_ASSERT(flash_regs_t, OPTKEYR, 0x0C);
REG_OFFSET_ASSERT(flash_regs_t, SR, 0x10);
REG_OFFSET_ASSERT(flash_regs_t, CR, 0x14);
REG_OFFSET_ASSERT(flash_regs_t, ECCR, 0x18);
REG_OFFSET_ASSERT(flash_regs_t, OPTR, 0x20);
REG_OFFSET_ASSERT(flash_regs_t, WRP1BR, 0x30);
REG_OFFSET_ASSERT(flash_regs_t, PCROP2SR, 0x44);
REG_OFFSET_ASSERT(flash_regs_t, WRP2BR, 0x50);

#define FLASH_R_BASE 0x40022000u
#define FLASH ((flash_regs_t *)FLASH_R_BASE)

/* FLASH_ACR */
#define FLASH_ACR_LATENCY_Pos  0u
#define FLASH_ACR_LATENCY_Msk  (7u << FLASH_ACR_LATENCY_Pos)
#define FLASH_ACR_PRFTEN       (1u << 8)
#define FLASH_ACR_ICEN         (1u << 9)
#define FLASH_ACR_DCEN         (1u << 10)
#define FLASH_ACR_ICRST        (1u << 11)
#define FLASH_ACR_DCRST        (1u << 12)

/* FLASH_KEYR */
#define FLASH_KEYR_KEY1        0x45670123u
#define FLASH_KEYR_KEY2        0xCDEF89ABu

/* FLASH_OPTKEYR */
#define FLASH_OPTKEYR_OPTKEY1  0x08192A3Bu
#define FLASH_OPTKEYR_OPTKEY2  0x4C5D6E7Fu

/* FLASH_SR */
#define FLASH_SR_EOP           (1u << 0)
#define FLASH_SR_OPERR         (1u << 1)
#define FLASH_SR_PROGERR       (1u << 3)
#define FLASH_SR_WRPERR        (1u << 4)
#define FLASH_SR_PGAERR        (1u << 5)
#define FLASH_SR_SIZERR        (1u << 6)
#define FLASH_SR_PGSERR        (1u << 7)
#define FLASH_SR_MISERR        (1u << 8)
#define FLASH_SR_FASTERR       (1u << 9)
#define FLASH_SR_RDERR         (1u << 14)
#define FLASH_SR_OPTVERR       (1u << 15)
#define FLASH_SR_BSY           (1u << 16)
#define FLASH_SR_ALL_ERRORS    (FLASH_SR_OPERR | FLASH_SR_PROGERR | FLASH_SR_WRPERR | FLASH_SR_PGAERR | \
                                FLASH_SR_SIZERR | FLASH_SR_PGSERR | FLASH_SR_MISERR | FLASH_SR_FASTERR | \
                                FLASH_SR_RDERR | FLASH_SR_OPTVERR)

/* FLASH_CR */
#define FLASH_CR_PG            (1u << 0)
#define FLASH_CR_PER           (1u << 1)
#define FLASH_CR_MER1          (1u << 2)
#define FLASH_CR_PNB_Pos       3u
#define FLASH_CR_PNB_Msk       (0xFFu << FLASH_CR_PNB_Pos)
#define FLASH_CR_BKER          (1u << 11)
#define FLASH_CR_MER2          (1u << 15)
#define FLASH_CR_STRT          (1u << 16)
#define FLASH_CR_OPTSTRT       (1u << 17)
#define FLASH_CR_OBL_LAUNCH    (1u << 27)
#define FLASH_CR_OPTLOCK       (1u << 30)
#define FLASH_CR_LOCK          (1u << 31)

/* FLASH_OPTR: RDP 0xAA is level 0, 0xCC level 2, anything else level 1 (RM0351 §3.5.1). */
#define FLASH_OPTR_RDP_Msk     0xFFu
#define FLASH_OPTR_RDP_LEVEL0  0xAAu
#define FLASH_OPTR_RDP_LEVEL2  0xCCu
#define FLASH_OPTR_BFB2        (1u << 20)

/* FLASH_WRPxyR: first and last page of the area, offsets within the bank (RM0351 §3.5.2). */
#define FLASH_WRP_STRT_Pos     0u
#define FLASH_WRP_END_Pos      16u
#define FLASH_WRP_Msk          0x00FF00FFu

/* FLASH_ECCR: ADDR_ECC is the failing double word's byte offset inside the bank BK_ECC names; ECCC and ECCD
 * clear when written 1. */
#define FLASH_ECCR_ADDR_ECC_Msk  0x7FFFFu
#define FLASH_ECCR_BK_ECC        (1u << 19)
#define FLASH_ECCR_SYSF_ECC      (1u << 20)
#define FLASH_ECCR_ECCIE         (1u << 24)
#define FLASH_ECCR_ECCC          (1u << 30)
#define FLASH_ECCR_ECCD          (1u << 31)

#endif /* REGS_FLASH_H */
