/* Hand the core over to an accepted application (docs/design.md §5). */
#ifndef BOOT_JUMP_H
#define BOOT_JUMP_H

#include <stdint.h>

/* Puts every peripheral the bootloader enabled and the clock tree back into their reset state, silences
 * SysTick and the NVIC, sets VTOR, then starts the image from its vector table: MSP = vector[0],
 * CONTROL = 0, interrupts enabled, branch to vector[1]. Never returns. */
__attribute__((noreturn)) void boot_jump(uint32_t vector_table);

#endif /* BOOT_JUMP_H */
