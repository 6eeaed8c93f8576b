/* The entry policy (docs/design.md §5): boot the application only if it was accepted and nobody asked to stay. */
#ifndef ENTRY_POLICY_H
#define ENTRY_POLICY_H

#include <stdbool.h>

#include "boot_state.h"
#include "image_check.h"
#include "image_policy.h"
#include "text.h"

typedef struct {
    image_status_t image;      /* result of image_check() */
    image_verdict_t policy;    /* for an image the boot check accepted: the signature and counter rules
                                * (image_policy.h); kind IMAGE_VERDICT_OK when signatures are not required */
    bool header_page_erased;   /* the whole header page reads 0xFF */
    bool update_requested;     /* the application left BOOT_REQUEST_MAGIC in the backup register */
    bool button_held;          /* the user button was pressed at reset */
    bool double_reset;         /* the double-reset marker was still set by an earlier reset from the NRST pin */
    uint32_t boot_attempts;    /* BOOT_ATTEMPTS: starts an unconfirmed image gets; 0 turns the rule off */
    boot_state_t boot_state;   /* boot_state_read() of the header page */
} entry_inputs_t;

/* Most explicit request first: an application or user that asks to stay is named even when the image is
 * also unusable; an erased header page is named before the check failure it causes. */
typedef enum {
    ENTRY_BOOT = 0,
    ENTRY_STAY_UPDATE_REQUESTED,
    ENTRY_STAY_BUTTON_HELD,
    ENTRY_STAY_DOUBLE_RESET,
    ENTRY_STAY_NO_HEADER,
    ENTRY_STAY_NOT_CONFIRMED,       /* an image in trial was started boot_attempts times already */
    ENTRY_STAY_START_NOT_RECORDED,  /* not decided here: the bootloader could not program the start's mark */
    ENTRY_STAY_IMAGE_REJECTED,
    ENTRY_STAY_IMAGE_REFUSED,       /* whole and for this board, but not signed by a trusted key, or rolled back */
} entry_decision_t;

entry_decision_t entry_policy_decide(const entry_inputs_t *inputs);

/* The reason after "stay: ", e.g. "button held", "wrong board id 0x04150002" (the board id found in the header),
 * "application not confirmed after 3 starts". Writes nothing for ENTRY_BOOT. */
void entry_reason_write(text_t *out, entry_decision_t decision, const entry_inputs_t *inputs,
                        const image_header_t *header);

#endif /* ENTRY_POLICY_H */
