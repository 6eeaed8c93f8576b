/* SCB — Cortex-M4 system control block (ARMv7-M Architecture Reference Manual; PM0214), including CPACR. */
#ifndef REGS_SCB_H
#define REGS_SCB_H

#include "regs/mmio.h"

typedef struct {
    volatile uint32_t CPUID;
    volatile uint32_t ICSR;
    volatile uint32_t VTOR;
    volatile uint32_t AIRCR;
    volatile uint32_t SCR;
    volatile uint32_t CCR;
    volatile uint32_t SHPR[3];
    volatile uint32_t SHCSR;
    volatile uint32_t CFSR;
    volatile uint32_t HFSR;
    volatile uint32_t DFSR;
    volatile uint32_t MMFAR;
    volatile uint32_t BFAR;
    volatile uint32_t AFSR;
    uint32_t id_registers[18]; /* ID_PFR0 .. ID_ISAR4 and reserved words, 0x40 .. 0x87 */
    volatile uint32_t CPACR;
} scb_regs_t;

REG_OFFSET_ASSERT(scb_regs_t, CPUID, 0x00);
REG_OFFSET_ASSERT(scb_regs_t, ICSR, 0x04);
REG_OFFSET_ASSERT(scb_regs_t, VTOR, 0x08);
REG_OFFSET_ASSERT(scb_regs_t, AIRCR, 0x0C);
REG_OFFSET_ASSERT(scb_regs_t, SCR, 0x10);
REG_OFFSET_ASSERT(scb_regs_t, CCR, 0x14);
REG_OFFSET_ASSERT(scb_regs_t, SHPR, 0x18);
REG_OFFSET_ASSERT(scb_regs_t, SHCSR, 0x24);
REG_OFFSET_ASSERT(scb_regs_t, CFSR, 0x28);
REG_OFFSET_ASSERT(scb_regs_t, AFSR, 0x3C);
REG_OFFSET_ASSERT(scb_regs_t, CPACR, 0x88);

#define SCB_BASE 0xE000ED00u
#define SCB ((scb_regs_t *)SCB_BASE)

/* SCB_ICSR */
#define SCB_ICSR_PENDSTCLR        (1u << 25)
/* SCB_AIRCR: writes are ignored unless VECTKEY holds 0x05FA */
#define SCB_AIRCR_VECTKEY         (0x05FAu << 16)
#define SCB_AIRCR_PRIGROUP_Msk    (7u << 8)
#define SCB_AIRCR_SYSRESETREQ     (1u << 2)
/* SCB_CPACR: CP10 and CP11 (the FPU) full access */
#define SCB_CPACR_CP10_CP11_FULL  (0xFu << 20)

#endif /* REGS_SCB_H */
