/* The application's half of the boot-attempt rule (boot_state.h): one call, once the application runs well enough to
 * be kept. An image the bootloader installed starts in trial; unless it confirms, the bootloader starts it at most
 * BootAttempts times (build/settings.json) and then stays in update mode. Works from RTC_BKP3R, which the bootloader
 * sets before every start, and programs one double word of the header page (the application unlocks nothing
 * else). */
#ifndef BOOT_CONFIRM_H
#define BOOT_CONFIRM_H

#include <stdint.h>

#include "boot_state.h"
#include "text.h"

/* Confirms the running image if it is in trial; safe to call at every start (BOOT_CONFIRM_ALREADY then). */
boot_confirm_status_t boot_confirm(void);

/* "confirmed now", "already confirmed", "not started in trial by the bootloader", "flash error". */
const char *boot_confirm_status_text(boot_confirm_status_t status);

/* RTC_BKP3R in words: "confirmed", "trial, start 2", or "none from the bootloader" (e.g. started by a debugger). */
void boot_confirm_state_write(text_t *out, uint32_t boot_state_register);

#endif /* BOOT_CONFIRM_H */
