/* SysTick at 1 kHz from HCLK: a millisecond counter and a hook called from the interrupt on every tick. */
#ifndef SYSTICK_H
#define SYSTICK_H

#include <stdint.h>

typedef void (*systick_hook_t)(uint32_t now_ms);

/* Starts the 1 kHz tick from the current HCLK; hook may be NULL. */
void systick_start_1khz(systick_hook_t hook);
/* Milliseconds since systick_start_1khz(); wraps after 49 days. */
uint32_t systick_ms(void);
/* SysTick back to its reset state: CTRL, LOAD and VAL all 0. */
void systick_stop(void);

#endif /* SYSTICK_H */
