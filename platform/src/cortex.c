#include "cortex.h"

#include "regs/nvic.h"
#include "regs/scb.h"

void nvic_enable_irq(uint32_t irqn)
{
    NVIC->ISER[irqn / 32u] = 1u << (irqn % 32u);
}

void nvic_disable_and_clear_all(void)
{
    for (uint32_t i = 0; i < NVIC_IRQ_WORDS; i++) {
        NVIC->ICER[i] = 0xFFFFFFFFu;
    }
    for (uint32_t i = 0; i < NVIC_IRQ_WORDS; i++) {
        NVIC->ICPR[i] = 0xFFFFFFFFu;
    }
}

void scb_clear_pending_systick(void)
{
    SCB->ICSR = SCB_ICSR_PENDSTCLR;
}

void scb_set_vtor(uint32_t vector_table)
{
    SCB->VTOR = vector_table;
    cortex_dsb_isb();
}

uint32_t scb_get_vtor(void)
{
    return SCB->VTOR;
}

void cortex_system_reset(void)
{
    /* Outstanding memory writes (a backup register, a flash command) must complete before the reset. */
    __asm__ volatile("dsb" ::: "memory");
    SCB->AIRCR = SCB_AIRCR_VECTKEY | (SCB->AIRCR & SCB_AIRCR_PRIGROUP_Msk) | SCB_AIRCR_SYSRESETREQ;
    __asm__ volatile("dsb" ::: "memory");
    for (;;) {
        /* The reset takes effect a few cycles after the write. */
    }
}
