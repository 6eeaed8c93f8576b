/* Reset entry for both images, in C (no CMSIS): FPU on, .data copied, .bss zeroed, VTOR pointed at this
 * image's own vector table, then main(). The symbols come from linker/sections.ld. */
#include <stdint.h>

#include "cortex.h"
#include "regs/scb.h"
#include "vector_table.h"

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[];

int main(void);

/* Runs before .data and .bss exist: it must not touch a global. */
static __attribute__((noreturn, noinline)) void start_c_runtime(void)
{
    for (uint32_t *src = _sidata, *dst = _sdata; dst < _edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = _sbss; dst < _ebss;) {
        *dst++ = 0u;
    }
    /* The application is entered with VTOR already set by the bootloader, but a debugger may start it
     * directly; each image points VTOR at its own table. */
    scb_set_vtor((uint32_t)(uintptr_t)vector_table);

    main();
    for (;;) {
        /* main() never returns; should it, the core idles here. */
        cortex_wfi();
    }
}

__attribute__((noreturn)) void Reset_Handler(void)
{
    /* The hard-float ABI lets compiled code use FP registers anywhere, so CP10/CP11 must be enabled before
     * any other C code runs; the barriers make the new access rights visible to the next instruction. */
    SCB->CPACR |= SCB_CPACR_CP10_CP11_FULL;
    cortex_dsb_isb();
    start_c_runtime();
}
