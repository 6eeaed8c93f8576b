#include "entry_policy.h"

entry_decision_t entry_policy_decide(const entry_inputs_t *inputs)
{
    if (inputs->update_requested) {
        return ENTRY_STAY_UPDATE_REQUESTED;
    }
    if (inputs->button_held) {
        return ENTRY_STAY_BUTTON_HELD;
    }
    if (inputs->double_reset) {
        return ENTRY_STAY_DOUBLE_RESET;
    }
    if (inputs->header_page_erased) {
        return ENTRY_STAY_NO_HEADER;
    }
    if (inputs->image != IMAGE_OK) {
        return ENTRY_STAY_IMAGE_REJECTED;
    }
    if (inputs->policy.kind != IMAGE_VERDICT_OK) {
        return ENTRY_STAY_IMAGE_REFUSED;
    }
    if (inputs->boot_attempts != 0u && inputs->boot_state.trial && inputs->boot_state.starts >= inputs->boot_attempts) {
        return ENTRY_STAY_NOT_CONFIRMED;
    }
    return ENTRY_BOOT;
}

void entry_reason_write(text_t *out, entry_decision_t decision, const entry_inputs_t *inputs,
                        const image_header_t *header)
{
    if (decision == ENTRY_BOOT) {
        return;
    }
    if (decision == ENTRY_STAY_NOT_CONFIRMED) {
        text_str(out, "application not confirmed after ");
        text_u32(out, inputs->boot_state.starts);
        text_str(out, " starts");
        return;
    }
    if (decision == ENTRY_STAY_IMAGE_REFUSED) {
        image_verdict_write(out, &inputs->policy);
        return;
    }
    if (decision != ENTRY_STAY_IMAGE_REJECTED) {
        /* In entry_decision_t's order, from ENTRY_STAY_UPDATE_REQUESTED; ENTRY_STAY_NOT_CONFIRMED is not listed. */
        text_str(out, text_pick("update requested by application\0button held\0double reset\0no application header\0"
                                "-\0start not recorded (flash error)\0",
                                decision - ENTRY_STAY_UPDATE_REQUESTED));
        return;
    }
    text_str(out, image_status_text(inputs->image));
    if (inputs->image == IMAGE_WRONG_BOARD_ID) {
        text_char(out, ' ');
        text_hex32(out, header->board_id);
    }
}
