/* The hand-shake between the application and the bootloader through RTC backup registers, shared by both. They
 * survive every reset but a power-on (no battery on VBAT: UM2153 powers it from VDD), so the application must
 * leave RTC_BKP0R..RTC_BKP6R to this map.
 *
 * RTC_BKP0R = BOOT_REQUEST_MAGIC: the application asks for update mode; the bootloader reads and clears it,
 * so only the next reset stays in the bootloader.
 * RTC_BKP1R = DOUBLE_RESET_MARKER: set by the bootloader for DOUBLE_RESET_WINDOW_MS after a reset from the NRST
 * pin; a second NRST reset that finds it still set is a double reset.
 * RTC_BKP2R = RCC_CSR exactly as the bootloader read it at reset, before it cleared the reset flags with RMVF
 * (reset_cause.h decodes it): the application's only way to learn why the chip was reset.
 * RTC_BKP3R = the boot state the bootloader started the application in (boot_state.h): BOOT_STATE_CONFIRMED, or
 * BOOT_STATE_TRIAL plus the attempt index, which boot_confirm() needs; written before every start.
 * RTC_BKP4R = the fault record (fault_record.h) that Default_Handler leaves before it resets the chip, in either
 * image; the bootloader prints it in its next banner and clears it.
 * RTC_BKP5R = the last update the bootloader refused (image_verdict_pack(), image_policy.h): the AN3155 host got a
 * NACK; the next banner names the reason ("update refused: bad signature") and clears it.
 * RTC_BKP6R = what the bootloader did with the slots at the reset that started the application (SlotMode "swap",
 * docs/design.md §10): SLOT_REPORT_INSTALLED (the image in the secondary slot was swapped in and starts in trial),
 * SLOT_REPORT_REVERTED (the image in trial never confirmed: the previous one was put back), or 0 (neither);
 * written at every reset, so it speaks of this start only. */
#ifndef BOOT_REQUEST_H
#define BOOT_REQUEST_H

#include <stdbool.h>

#define BOOT_REQUEST_MAGIC          0xB007B007u
#define BOOT_REQUEST_BKP_INDEX      0u
#define DOUBLE_RESET_MARKER         0xD0B1E5E7u
#define DOUBLE_RESET_BKP_INDEX      1u
#define RESET_CAUSE_BKP_INDEX       2u
#define BOOT_STATE_BKP_INDEX        3u
#define FAULT_BKP_INDEX             4u
#define REFUSAL_BKP_INDEX           5u
#define SLOT_REPORT_BKP_INDEX       6u
#define SLOT_REPORT_INSTALLED       0x51075A11u
#define SLOT_REPORT_REVERTED        0x51075EEDu

/* Application side. */
void boot_request_set(void);

/* Bootloader side: each returns whether the value was there and clears it. */
bool boot_request_take(void);
bool double_reset_marker_take(void);
void double_reset_marker_arm(void);
void double_reset_marker_clear(void);

#endif /* BOOT_REQUEST_H */
