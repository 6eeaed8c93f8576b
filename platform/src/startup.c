/* Reset entry for both images, in C (no CMSIS): FPU on, .data copied, .bss zeroed, VTOR pointed at this
 * image's own vector table, then main(). The symbols come from linker/sections.ld. */
#include <stdint.h>

#include "cortex.h"
#include "regs/scb.h"
#include "vector_table.h"

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[];

int main(void);

/* Four words a store: this runs on the 4 MHz reset clock, where a plain loop (which GCC turns into a call to
 * memset, in the bootloader the byte loop of mem.c) held every boot of the bootloader for 8 ms over its 12 KB of
 * .bss. sections.ld aligns both ends to 4 bytes. */
static inline __attribute__((always_inline)) void zero_bss(void)
{
    uint32_t *dst = _sbss;
    __asm__ volatile(
        "movs  r2, #0\n\t"
        "movs  r3, #0\n\t"
        "movs  r4, #0\n\t"
        "movs  r5, #0\n\t"
        "sub   r6, %1, #16\n"
        "1:\n\t"
        "cmp   %0, r6\n\t"
        "bhi   2f\n\t"
        "stmia %0!, {r2-r5}\n\t"
        "b     1b\n"
        "2:\n\t"
        "cmp   %0, %1\n\t"
        "bhs   3f\n\t"
        "stmia %0!, {r2}\n\t"
        "b     2b\n"
        "3:\n"
        : "+r"(dst)
        : "r"(_ebss)
        : "r2", "r3", "r4", "r5", "r6", "cc", "memory");
}

/* Runs before .data and .bss exist: it must not touch a global. */
static __attribute__((noreturn, noinline)) void start_c_runtime(void)
{
    for (uint32_t *src = _sidata, *dst = _sdata; dst < _edata;) {
        *dst++ = *src++;
    }
    zero_bss();
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
