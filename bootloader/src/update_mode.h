/* Update mode: the bootloader stays and accepts a new application over USART1 (AN3155) or from a USB thumb drive
 * (docs/design.md §6). */
#ifndef UPDATE_MODE_H
#define UPDATE_MODE_H

#include <stdint.h>

#include "image_policy.h"

/* The bootloader's SysTick hook, active from the first millisecond: it drives LED1 once update mode runs, and LED2
 * for the USB drive. It never refreshes the watchdog: an interrupt keeps coming while the main loop hangs, so only
 * the main loop and the progress points of long operations do. */
void update_mode_tick(uint32_t now_ms);

/* Switches USART1 from the 115200 8N1 banner to the AN3155 line (8E1, auto-baud) and serves the protocol until
 * a Go resets the chip; between bytes it reads a newly attached USB drive (usb_drive.h), whose successful update
 * resets the chip too. policy is what an update must pass before its header is committed (image_policy.h); a
 * refusal is also left in RTC_BKP5R for the next banner (boot_request.h), since AN3155 has only a NACK to say it.
 * LED1 blinks at 2 Hz while the bootloader waits and at 10 Hz while bytes arrive. Never returns. */
__attribute__((noreturn)) void update_mode_run(const image_policy_t *policy);

/* UsbBootWindowMs: before the application starts, reads a drive attached within window_ms (the USB part of update
 * mode, on the 8N1 console). A successful update resets into the new application; anything else returns with VBUS
 * off, and the boot goes on. */
void update_mode_usb_window(const image_policy_t *policy, uint32_t window_ms);

#endif /* UPDATE_MODE_H */
