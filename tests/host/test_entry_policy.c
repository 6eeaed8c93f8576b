/* The entry policy's truth table and the "stay:" reason texts of the boot banner. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "entry_policy.h"

static const char *decision_name(entry_decision_t d)
{
    static const char *const names[] = {
        [ENTRY_BOOT] = "BOOT",
        [ENTRY_STAY_UPDATE_REQUESTED] = "STAY_UPDATE_REQUESTED",
        [ENTRY_STAY_BUTTON_HELD] = "STAY_BUTTON_HELD",
        [ENTRY_STAY_DOUBLE_RESET] = "STAY_DOUBLE_RESET",
        [ENTRY_STAY_NO_HEADER] = "STAY_NO_HEADER",
        [ENTRY_STAY_NOT_CONFIRMED] = "STAY_NOT_CONFIRMED",
        [ENTRY_STAY_START_NOT_RECORDED] = "STAY_START_NOT_RECORDED",
        [ENTRY_STAY_IMAGE_REJECTED] = "STAY_IMAGE_REJECTED",
    };
    return names[d];
}

#define CHECK_DECISION(expected, actual)                                                              \
    check_eq_named(__FILE__, __LINE__, #actual, (expected), decision_name(expected), (actual), \
                   decision_name(actual))

typedef struct {
    image_status_t image;
    bool erased, request, button, double_reset;
    entry_decision_t expected;
} row_t;

static void truth_table(void)
{
    static const row_t rows[] = {
        /* image               erased request button double   decision */
        { IMAGE_OK,            false, false, false, false, ENTRY_BOOT },
        { IMAGE_OK,            false, true,  false, false, ENTRY_STAY_UPDATE_REQUESTED },
        { IMAGE_OK,            false, false, true,  false, ENTRY_STAY_BUTTON_HELD },
        { IMAGE_OK,            false, false, false, true,  ENTRY_STAY_DOUBLE_RESET },
        { IMAGE_CRC_MISMATCH,  false, false, false, false, ENTRY_STAY_IMAGE_REJECTED },
        { IMAGE_BAD_MAGIC,     false, false, false, false, ENTRY_STAY_IMAGE_REJECTED },
        { IMAGE_BAD_MAGIC,     true,  false, false, false, ENTRY_STAY_NO_HEADER },
        /* Several reasons at once: the more explicit request is named. */
        { IMAGE_OK,            false, true,  true,  true,  ENTRY_STAY_UPDATE_REQUESTED },
        { IMAGE_OK,            false, false, true,  true,  ENTRY_STAY_BUTTON_HELD },
        { IMAGE_BAD_MAGIC,     true,  false, false, true,  ENTRY_STAY_DOUBLE_RESET },
        { IMAGE_BAD_MAGIC,     true,  false, true,  false, ENTRY_STAY_BUTTON_HELD },
        { IMAGE_BAD_MAGIC,     true,  true,  false, false, ENTRY_STAY_UPDATE_REQUESTED },
        { IMAGE_WRONG_BOARD_ID, false, true, false, false, ENTRY_STAY_UPDATE_REQUESTED },
        { IMAGE_CRC_MISMATCH,  false, false, false, true,  ENTRY_STAY_DOUBLE_RESET },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const row_t *r = &rows[i];
        entry_inputs_t in = {
            .image = r->image,
            .header_page_erased = r->erased,
            .update_requested = r->request,
            .button_held = r->button,
            .double_reset = r->double_reset,
        };
        printf("  row %zu\n", i);
        CHECK_DECISION(r->expected, entry_policy_decide(&in));
    }
}

/* Over every combination: the application boots only when it was accepted and nothing asks to stay. */
static void boots_only_when_accepted_and_unasked(void)
{
    static const image_status_t images[] = { IMAGE_OK, IMAGE_BAD_MAGIC, IMAGE_CRC_MISMATCH };
    for (size_t img = 0; img < sizeof images / sizeof images[0]; img++) {
        for (unsigned flags = 0; flags < 16u; flags++) {
            entry_inputs_t in = {
                .image = images[img],
                .header_page_erased = (flags & 1u) != 0u,
                .update_requested = (flags & 2u) != 0u,
                .button_held = (flags & 4u) != 0u,
                .double_reset = (flags & 8u) != 0u,
            };
            bool should_boot = images[img] == IMAGE_OK && flags == 0u;
            CHECK_TRUE((entry_policy_decide(&in) == ENTRY_BOOT) == should_boot);
        }
    }
}

static void check_reason(entry_decision_t decision, image_status_t image, uint32_t board_id, const char *expected)
{
    image_header_t header = { .board_id = board_id };
    entry_inputs_t in = { .image = image, .boot_state = { .trial = true, .starts = 3u } };
    char buf[64];
    text_t text;
    text_init(&text, buf, sizeof buf);
    entry_reason_write(&text, decision, &in, &header);
    CHECK_EQ_STR(expected, buf);
}

/* An accepted image in trial starts boot_attempts times; every explicit request still wins; 0 turns the rule off,
 * and a confirmed image (or one programmed by a programmer: no trial marker) is never held back. */
static void the_boot_attempt_rule(void)
{
    for (uint32_t attempts = 0; attempts <= BOOT_STATE_MAX_ATTEMPTS; attempts++) {
        for (uint32_t starts = 0; starts <= BOOT_STATE_MAX_ATTEMPTS; starts++) {
            for (int trial = 0; trial < 2; trial++) {
                entry_inputs_t in = {
                    .image = IMAGE_OK,
                    .boot_attempts = attempts,
                    .boot_state = { .trial = trial != 0, .starts = starts },
                };
                bool held = attempts != 0u && trial && starts >= attempts;
                CHECK_DECISION(held ? ENTRY_STAY_NOT_CONFIRMED : ENTRY_BOOT, entry_policy_decide(&in));
                in.button_held = true;
                CHECK_DECISION(ENTRY_STAY_BUTTON_HELD, entry_policy_decide(&in));
                in.button_held = false;
                in.image = IMAGE_CRC_MISMATCH;
                CHECK_DECISION(ENTRY_STAY_IMAGE_REJECTED, entry_policy_decide(&in));
            }
        }
    }
}

static void reason_texts(void)
{
    check_reason(ENTRY_BOOT, IMAGE_OK, 0u, "");
    check_reason(ENTRY_STAY_UPDATE_REQUESTED, IMAGE_OK, 0u, "update requested by application");
    check_reason(ENTRY_STAY_BUTTON_HELD, IMAGE_OK, 0u, "button held");
    check_reason(ENTRY_STAY_DOUBLE_RESET, IMAGE_OK, 0u, "double reset");
    check_reason(ENTRY_STAY_NO_HEADER, IMAGE_BAD_MAGIC, 0xFFFFFFFFu, "no application header");
    check_reason(ENTRY_STAY_IMAGE_REJECTED, IMAGE_HEADER_CRC_MISMATCH, 0u, "header CRC mismatch");
    check_reason(ENTRY_STAY_IMAGE_REJECTED, IMAGE_RESET_VECTOR_NOT_THUMB, 0u, "reset vector not Thumb");
    check_reason(ENTRY_STAY_IMAGE_REJECTED, IMAGE_WRONG_BOARD_ID, 0x04150002u, "wrong board id 0x04150002");
    check_reason(ENTRY_STAY_IMAGE_REJECTED, IMAGE_WRONG_BOARD_ID, 0xDEADBEEFu, "wrong board id 0xDEADBEEF");
    check_reason(ENTRY_STAY_NOT_CONFIRMED, IMAGE_OK, 0u, "application not confirmed after 3 starts");
    check_reason(ENTRY_STAY_START_NOT_RECORDED, IMAGE_OK, 0u, "start not recorded (flash error)");
}

int main(void)
{
    RUN_TEST(truth_table);
    RUN_TEST(boots_only_when_accepted_and_unasked);
    RUN_TEST(the_boot_attempt_rule);
    RUN_TEST(reason_texts);
    return check_summary();
}
