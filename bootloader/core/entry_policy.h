/* The entry policy (DESIGN §5): boot the application only if it was accepted and nobody asked to stay. */
#ifndef ENTRY_POLICY_H
#define ENTRY_POLICY_H

#include <stdbool.h>

#include "image_check.h"
#include "text.h"

typedef struct {
    image_status_t image;      /* result of image_check() */
    bool header_page_erased;   /* the whole header page reads 0xFF */
    bool update_requested;     /* the application left BOOT_REQUEST_MAGIC in the backup register */
    bool button_held;          /* the user button was pressed at reset */
    bool double_reset;         /* the double-reset marker was still set */
} entry_inputs_t;

/* Most explicit request first: an application or user that asks to stay is named even when the image is
 * also unusable; an erased header page is named before the check failure it causes. */
typedef enum {
    ENTRY_BOOT = 0,
    ENTRY_STAY_UPDATE_REQUESTED,
    ENTRY_STAY_BUTTON_HELD,
    ENTRY_STAY_DOUBLE_RESET,
    ENTRY_STAY_NO_HEADER,
    ENTRY_STAY_IMAGE_REJECTED,
} entry_decision_t;

entry_decision_t entry_policy_decide(const entry_inputs_t *inputs);

/* The reason after "stay: ", e.g. "button held" or "wrong board id 0x04150002" (the board id found in the
 * header). Writes nothing for ENTRY_BOOT. */
void entry_reason_write(text_t *out, entry_decision_t decision, image_status_t image, const image_header_t *header);

#endif /* ENTRY_POLICY_H */
