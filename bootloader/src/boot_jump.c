#include "boot_jump.h"

#include "cortex.h"
#include "iwdg.h"
#include "rcc.h"
#include "systick.h"

void boot_jump(uint32_t vector_table)
{
    /* Nothing may interrupt the teardown; the application starts with PRIMASK cleared again. */
    cortex_irq_disable();

    systick_stop();
    rcc_periph_reset_enabled();
    rcc_sysclk_to_reset_state();
    nvic_disable_and_clear_all();
    scb_clear_pending_systick();
    scb_set_vtor(vector_table);
    /* The last thing the bootloader does: a watchdog that runs (IWDG_SW = 0, or started earlier) gives the
     * application a whole period before its first refresh. */
    iwdg_refresh();

    /* Both vectors are loaded into registers before MSP moves, and nothing touches the stack afterwards: the
     * application starts with exactly the stack its vector table names. CONTROL = 0 selects MSP, privileged
     * thread mode and no active FP context. */
    __asm__ volatile(
        "ldr   r0, [%0, #0]\n\t"
        "ldr   r1, [%0, #4]\n\t"
        "msr   msp, r0\n\t"
        "movs  r0, #0\n\t"
        "msr   control, r0\n\t"
        "isb\n\t"
        "cpsie i\n\t"
        "bx    r1\n\t"
        :
        : "r"(vector_table)
        : "r0", "r1", "memory");
    __builtin_unreachable();
}
