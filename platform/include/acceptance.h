/* The acceptance rule of this build (docs/design.md §5.1, §5.2), made once from the generated memory map and settings:
 * the bootloader judges every image by it (boot, UART, USB, the install of the secondary slot), and the application
 * judges an update by it before it asks for the install (application/src/update_slot.h), so both judge alike. */
#ifndef ACCEPTANCE_H
#define ACCEPTANCE_H

#include <stdint.h>

#include "image_check.h"
#include "image_policy.h"
#include "rollback.h"

/* The primary slot, BoardId, the RAM an initial stack pointer may point into. */
extern const image_check_config_t acceptance_check;
/* The boot check, then (RequireSignature) the signature by a compiled-in key and the security counter. */
extern const image_policy_t acceptance_policy;
/* Where the anti-rollback minimum lives (MM_ROLLBACK_OTP_*). */
extern const rollback_config_t acceptance_rollback;
/* The minimum the policy compares against: read from OTP once per reset (rollback_read()), by whoever judges. */
extern uint32_t acceptance_minimum_counter;

#endif /* ACCEPTANCE_H */
