#include "slot_boot.h"

#include <string.h>

#include "backup.h"
#include "banner.h"
#include "boot_request.h"
#include "boot_state.h"
#include "build_config.h"
#include "flash_port.h"
#include "flash_write_port.h"
#include "image_check.h"
#include "memory_map.h"
#include "slot_port.h"
#include "slot_swap.h"
#include "systick.h"
#include "text.h"
#include "usart1.h"

#if SLOT_MODE_SWAP

_Static_assert(MM_SECONDARY_BASE == MM_PREVIOUS_BASE + MM_FLASH_PAGE_SIZE,
               "the swap moves the old image one page below where the new one came in");

static const slot_swap_config_t swap_config = {
    .flash_base = MM_FLASH_BASE,
    .primary = MM_HEADER_BASE,
    .secondary = MM_SECONDARY_BASE,
    .previous = MM_PREVIOUS_BASE,
    .slot_pages = MM_SLOT_SIZE / MM_FLASH_PAGE_SIZE,
    .status = MM_SWAP_STATUS_BASE,
    .status_area_size = MM_SWAP_STATUS_AREA_SIZE,
};

static uint8_t page_buffer[FLASH_WRITER_PAGE_SIZE];
static image_verify_workspace_t work;
static slot_port_t secondary;
static slot_port_t previous;
static void version(text_t *text, const image_header_t *header)
{
    text_dotted(text, header->fw_version, IMAGE_HEADER_VERSION_PARTS);
}

static const char *kind_text(slot_swap_kind_t kind)
{
    return kind == SLOT_SWAP_INSTALL ? "install" : "revert";
}

/* Runs the recorded operation to its end. Each step erases and programs at most two pages (~90 ms); the watchdog is
 * refreshed by every completed flash operation (flash_write_port.c). */
static bool run(slot_swap_state_t *state)
{
    uint32_t start = systick_ms();
    if (slot_swap_run(&swap_config, &flash_port, &flash_write_port, state, page_buffer) != SLOT_SWAP_OK) {
        text_t *text = banner_line("swap: flash error in the ");
        text_str(text, kind_text(state->kind));
        text_str(text, " at step ");
        text_u32(text, state->steps_done + 1u);
        text_str(text, " of ");
        text_u32(text, state->steps);
        banner_print();
        return false;
    }
    text_t *text = banner_line("swap: ");
    text_str(text, kind_text(state->kind));
    text_str(text, " done in ");
    text_u32(text, systick_ms() - start);
    text_str(text, " ms");
    banner_print();
    backup_write(SLOT_REPORT_BKP_INDEX, state->kind == SLOT_SWAP_INSTALL ? SLOT_REPORT_INSTALLED : SLOT_REPORT_REVERTED);
    return true;
}

static bool begin_and_run(slot_swap_kind_t kind, uint32_t pages)
{
    slot_swap_state_t state;
    if (slot_swap_begin(&swap_config, &flash_port, &flash_write_port, kind, pages, &state) != SLOT_SWAP_OK) {
        usart1_write_line("swap: flash error recording the operation");
        return false;
    }
    return run(&state);
}

/* An install is requested by the trial marker of the secondary header page, programmed whole, under a header whose
 * magic is there: the flash writer programs the marker right before the header (boot_state.h), the application's
 * update_slot_request_install() after its header. Anything else in that page is not a request: after a swap it
 * holds page 1 of the image moved out (PREVIOUS[1]), which must never be taken for one, nor erased. */
static bool install_requested(void)
{
    static const uint8_t magic[IMAGE_HEADER_MAGIC_SIZE] = IMAGE_HEADER_MAGIC;
    uint8_t header_magic[IMAGE_HEADER_MAGIC_SIZE];
    flash_port.read(&flash_port, MM_SECONDARY_BASE, header_magic, sizeof header_magic);
    return boot_state_trial_requested(&flash_port, MM_SECONDARY_BASE) && memcmp(header_magic, magic, sizeof magic) == 0;
}

/* The waiting image, checked as the primary slot will hold it: board, CRC, signature, counter. A refused one is
 * dropped (its header page erased), so it is judged once, not at every reset. */
static bool install(const image_policy_t *policy)
{
    image_header_t incoming;
    image_verdict_t verdict = image_policy_check(policy, &secondary.read, &incoming, &work);
    if (verdict.kind != IMAGE_VERDICT_OK) {
        image_verdict_write(banner_line("update refused: "), &verdict);
        banner_print();
        flash_write_port.erase_page(&flash_write_port, (MM_SECONDARY_BASE - MM_FLASH_BASE) / MM_FLASH_PAGE_SIZE);
        return true;
    }
    image_header_t current;
    bool kept = image_check(policy->check, &flash_port, &current) == IMAGE_OK;
    uint32_t pages = slot_swap_image_pages(incoming.image_size);
    uint32_t old_pages = kept ? slot_swap_image_pages(current.image_size) : 0u;
    text_t *text = banner_line("swap: installing ");
    version(text, &incoming);
    if (kept) {
        text_str(text, " over ");
        version(text, &current);
    } else {
        text_str(text, " (no image to keep)");
    }
    pages = pages > old_pages ? pages : old_pages;
    text_str(text, ", ");
    text_u32(text, pages);
    text_str(text, " pages");
    banner_print();
    return begin_and_run(SLOT_SWAP_INSTALL, pages);
}

/* The image in trial that will not be started again (BootAttempts used up, or no longer whole) goes back to the one
 * it replaced, if that one is there, whole, accepted by the policy, and was confirmed: an image that never proved
 * itself is no better a fallback, and going back to it could go back and forth for ever. */
static bool revert_if_failed(const image_policy_t *policy)
{
    boot_state_t state = boot_state_read(&flash_port, MM_HEADER_BASE);
    if (!state.trial) {
        return true;
    }
    image_header_t failed;
    bool whole = image_check(policy->check, &flash_port, &failed) == IMAGE_OK;
    if (whole && state.starts < BOOT_ATTEMPTS) {
        return true;
    }
    image_header_t old;
    if (boot_state_read(&previous.read, MM_HEADER_BASE).trial
        || image_policy_check(policy, &previous.read, &old, &work).kind != IMAGE_VERDICT_OK) {
        return true;
    }
    text_t *text = banner_line("revert: ");
    if (whole) {
        version(text, &failed);
        text_str(text, " not confirmed after ");
        text_u32(text, state.starts);
        text_str(text, " starts");
    } else {
        text_str(text, "image in trial no longer whole");
    }
    text_str(text, ", back to ");
    version(text, &old);
    banner_print();
    return begin_and_run(SLOT_SWAP_REVERT, slot_swap_image_pages(old.image_size));
}

bool slot_boot(const image_policy_t *policy)
{
    backup_write(SLOT_REPORT_BKP_INDEX, 0u);
    slot_port_init(&secondary, &flash_port, &flash_write_port, MM_FLASH_BASE, MM_HEADER_BASE, MM_SECONDARY_BASE,
                   MM_SLOT_SIZE);
    slot_port_init(&previous, &flash_port, NULL, MM_FLASH_BASE, MM_HEADER_BASE, MM_PREVIOUS_BASE, MM_SLOT_SIZE);

    /* A power cut in the middle of an operation: its record says how far it got, and the step it names is redone. */
    slot_swap_state_t state = slot_swap_read(&swap_config, &flash_port);
    if (state.kind != SLOT_SWAP_NONE && !slot_swap_finished(&state)) {
        text_t *text = banner_line("swap: resuming the ");
        text_str(text, kind_text(state.kind));
        text_str(text, " at step ");
        text_u32(text, state.steps_done + 1u);
        text_str(text, " of ");
        text_u32(text, state.steps);
        banner_print();
        return run(&state);
    }
    if (install_requested()) {
        return install(policy);
    }
    return revert_if_failed(policy);
}

#endif /* SLOT_MODE_SWAP */
