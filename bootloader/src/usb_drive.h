/* The thumb-drive update as this bootloader runs it (docs/design.md §6): bootloader/core/usb_update on the OTG_FS host
 * port, its lines on USART1 and its state on LED2. Update mode polls it between UART bytes; with UsbBootWindowMs
 * set, main polls it for that long before every start of the application.
 *
 * LED2 (LED1 keeps update mode's heartbeat):
 *   on                      reading and checking the drive
 *   fast (50 ms toggles)    programming: 50-120 ms of real time, as each 22 ms page erase stalls the core and
 *                           SysTick with it
 *   on for 1 s              updated: then VBUS off and a system reset, which boots the new application
 *   slow (250 ms toggles)   refused or failed, until the drive is pulled out
 *   off                     no drive, or the drive holds the installed image */
#ifndef USB_DRIVE_H
#define USB_DRIVE_H

#include <stdbool.h>

#include "flash_writer.h"

/* One line without its line end; the caller decides whether and how the console shows it. */
typedef void (*usb_drive_print_t)(const char *line);

/* writer: the flash writer the UART path uses too; the drive's file goes through the same header-last commit. */
void usb_drive_init(flash_writer_t *writer, usb_drive_print_t print);

/* Returns at once when no drive is attached or the attached one was already read; reads (and, if its file passes
 * every check, programs) a newly attached drive before it returns. After a successful update it does not return:
 * LED2 shows success for a second, VBUS goes off and the chip resets into the boot decision. */
void usb_drive_poll(void);

/* VBUS off before the application gets the chip, by a reset or by the hand-over (which keeps PD12 driving it off,
 * boot_jump.c). */
void usb_drive_off(void);

/* From the SysTick hook: drives LED2's pattern. */
void usb_drive_tick(uint32_t now_ms);

#endif /* USB_DRIVE_H */
