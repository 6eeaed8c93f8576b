/* Update mode: the bootloader stays. For now it only shows that it is alive and waits; the UART and USB
 * update paths come later. */
#ifndef UPDATE_MODE_H
#define UPDATE_MODE_H

#include <stdint.h>

/* The bootloader's SysTick hook, active from the first millisecond: it refreshes the IWDG on every tick
 * (the boot path waits for the double-reset window, and update mode waits for ever) and blinks LED1 once
 * update mode runs. */
void update_mode_tick(uint32_t now_ms);

/* LED1 blinks at 2 Hz, the core sleeps between interrupts. Never returns. */
__attribute__((noreturn)) void update_mode_run(void);

#endif /* UPDATE_MODE_H */
