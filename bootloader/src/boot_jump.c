#include "boot_jump.h"

#include "board.h"
#include "cortex.h"
#include "iwdg.h"
#include "rcc.h"
#include "systick.h"

void boot_jump(uint32_t vector_table)
{
    /* Nothing may interrupt the teardown; the application starts with PRIMASK cleared again. */
    cortex_irq_disable();

    systick_stop();
    /* The one exception to "every peripheral back to reset state": GPIOD keeps what the USB host gave PD12, the
     * active-low enable of the STMPS2141 that powers CN9 (UM2153). Its reset would turn PD12 analog, and a floating
     * enable leaves VBUS to leakage and to a board pull-up nothing documents, with a drive possibly still plugged in.
     * A gated port keeps its registers and goes on driving its pins, so the application finds RCC at reset values
     * and PD12 still a push-pull output driving high (VBUS off: usb_drive_off() ran before any hand-over) — or, when
     * update mode never used USB, GPIOD untouched since the chip reset. The bootloader uses no other pin of GPIOD. */
    rcc_periph_gate(RCC_PERIPH_GPIO(BOARD_USB_VBUS_EN.port));
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
