/* Cortex-M4 core control: interrupt masking, NVIC lines, sleep, and system reset. */
#ifndef CORTEX_H
#define CORTEX_H

#include <stdint.h>

static inline void cortex_irq_disable(void) { __asm__ volatile("cpsid i" ::: "memory"); }
static inline void cortex_irq_enable(void) { __asm__ volatile("cpsie i" ::: "memory"); }
static inline void cortex_wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void cortex_dsb_isb(void) { __asm__ volatile("dsb\n\tisb" ::: "memory"); }

void nvic_enable_irq(uint32_t irqn);
/* Disables every external interrupt line and clears every pending one (NVIC_ICER, NVIC_ICPR). */
void nvic_disable_and_clear_all(void);

/* Clears a pending SysTick exception (SCB_ICSR.PENDSTCLR). */
void scb_clear_pending_systick(void);
void scb_set_vtor(uint32_t vector_table);
uint32_t scb_get_vtor(void);

/* SCB_AIRCR = VECTKEY | SYSRESETREQ (keeping PRIGROUP); does not return. */
__attribute__((noreturn)) void cortex_system_reset(void);

#endif /* CORTEX_H */
