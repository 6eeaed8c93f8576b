/* The hand-shake between the application and the bootloader through RTC backup registers, shared by both.
 *
 * RTC_BKP0R = BOOT_REQUEST_MAGIC: the application asks for update mode; the bootloader reads and clears it,
 * so only the next reset stays in the bootloader.
 * RTC_BKP1R = DOUBLE_RESET_MARKER: set by the bootloader for DOUBLE_RESET_WINDOW_MS after a reset; a reset
 * that finds it still set is a double reset. */
#ifndef BOOT_REQUEST_H
#define BOOT_REQUEST_H

#include <stdbool.h>

#define BOOT_REQUEST_MAGIC          0xB007B007u
#define BOOT_REQUEST_BKP_INDEX      0u
#define DOUBLE_RESET_MARKER         0xD0B1E5E7u
#define DOUBLE_RESET_BKP_INDEX      1u

/* Application side. */
void boot_request_set(void);

/* Bootloader side: each returns whether the value was there and clears it. */
bool boot_request_take(void);
bool double_reset_marker_take(void);
void double_reset_marker_arm(void);
void double_reset_marker_clear(void);

#endif /* BOOT_REQUEST_H */
