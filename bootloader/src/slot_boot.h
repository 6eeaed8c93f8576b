/* SlotMode "swap" at reset (docs/design.md §10): before the entry decision looks at the primary slot, the bootloader
 * finishes what the slots were in the middle of, installs an update that waits in the secondary slot, or puts the
 * previous image back when the one in trial never confirmed. Every step says what it does on USART1, and RTC_BKP6R
 * tells the application what happened at this reset (boot_request.h). */
#ifndef SLOT_BOOT_H
#define SLOT_BOOT_H

#include <stdbool.h>

#include "image_policy.h"

/* False when a flash operation failed and the slots are left mid-way: the operation's record stays, and the next
 * reset resumes it. */
bool slot_boot(const image_policy_t *policy);

#endif /* SLOT_BOOT_H */
