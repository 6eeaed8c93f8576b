#include "update_slot.h"

#include <stdbool.h>

#include "memory_map.h"

#if SLOT_MODE_SWAP

#include "backup.h"
#include "boot_request.h"
#include "boot_state.h"
#include "flash_port.h"
#include "flash_write_port.h"
#include "flash_writer.h"
#include "acceptance.h"
#include "rollback.h"
#include "slot_port.h"

_Static_assert(MM_SLOT_SIZE == MM_HEADER_SIZE + MM_IMAGE_SIZE, "the slot is the header page and the image region");
_Static_assert(MM_SECONDARY_BASE % MM_FLASH_PAGE_SIZE == 0u && MM_SLOT_SIZE % MM_FLASH_PAGE_SIZE == 0u,
               "the slot port translates whole pages");
_Static_assert(MM_FLASH_PAGE_SIZE == FLASH_WRITER_PAGE_SIZE, "the writer stages and rewrites whole flash pages");


/* mark_trial false: a finished image is verified, not pending; the install request is its own, later step. */
static const flash_writer_config_t writer_config = {
    .flash_base = MM_FLASH_BASE,
    .mark_trial = false,
    .policy = &acceptance_policy,
    .judged = NULL,
};

typedef enum { CLOSED, OPEN, FINISHED } phase_t;

static slot_port_t slot;
static flash_writer_t writer;
static phase_t phase;
static image_verdict_t last_refusal;

static update_slot_status_t from_writer(flash_writer_status_t status)
{
    switch (status) {
    case FLASH_WRITER_OK:
        return UPDATE_SLOT_OK;
    case FLASH_WRITER_OUT_OF_RANGE:
        return UPDATE_SLOT_OUT_OF_RANGE;
    case FLASH_WRITER_REFUSED:
        last_refusal = writer.verdict;
        return UPDATE_SLOT_REFUSED;
    case FLASH_WRITER_NOTHING_STAGED:
    case FLASH_WRITER_IMAGE_REJECTED:
        return UPDATE_SLOT_INCOMPLETE;
    case FLASH_WRITER_FLASH_ERROR:
    case FLASH_WRITER_PENDING: /* the writer erases on demand here: nothing is ever left pending */
    default:
        return UPDATE_SLOT_FLASH_ERROR;
    }
}

update_slot_status_t update_slot_open(void)
{
    uint32_t state = backup_read(BOOT_STATE_BKP_INDEX);
    if ((state & BOOT_STATE_TRIAL_MASK) == BOOT_STATE_TRIAL) {
        return UPDATE_SLOT_IN_TRIAL;
    }
    /* OTP only grows (rollback.h): read at every open, the minimum is the bootloader's at the next reset or lower,
     * and the bootloader checks again before it installs. */
    acceptance_minimum_counter = rollback_read(&acceptance_rollback, &flash_port).minimum;
    slot_port_init(&slot, &flash_port, &flash_write_port, MM_FLASH_BASE, MM_HEADER_BASE, MM_SECONDARY_BASE,
                   MM_SLOT_SIZE);
    flash_writer_init(&writer, &writer_config, &slot.read, &slot.write);
    last_refusal = (image_verdict_t){ .kind = IMAGE_VERDICT_OK };
    phase = OPEN;
    return UPDATE_SLOT_OK;
}

update_slot_status_t update_slot_write(uint32_t offset, const void *data, size_t len)
{
    if (phase == CLOSED) {
        return UPDATE_SLOT_NOT_OPEN;
    }
    if (len == 0u || offset >= MM_SLOT_SIZE || len > MM_SLOT_SIZE - offset) {
        return UPDATE_SLOT_OUT_OF_RANGE;
    }
    /* A write after a finish changes the image: it has to be finished again before it may be installed. */
    phase = OPEN;
    return from_writer(flash_writer_write(&writer, MM_HEADER_BASE + offset, data, len));
}

update_slot_status_t update_slot_finish(image_verdict_t *verdict)
{
    if (phase == CLOSED) {
        return UPDATE_SLOT_NOT_OPEN;
    }
    update_slot_status_t status = from_writer(flash_writer_commit(&writer));
    if (verdict != NULL) {
        *verdict = writer.verdict;
        if (status == UPDATE_SLOT_INCOMPLETE && !writer.staged_valid) {
            *verdict = (image_verdict_t){ .kind = IMAGE_VERDICT_CHECK, .check = IMAGE_BAD_MAGIC };
        }
        verdict->minimum = acceptance_minimum_counter;
    }
    phase = status == UPDATE_SLOT_OK ? FINISHED : OPEN;
    return status;
}

update_slot_status_t update_slot_request_install(void)
{
    if (phase != FINISHED) {
        return UPDATE_SLOT_NOT_OPEN;
    }
    /* The same image finished twice (sent again without a reset between) already carries the request: a double
     * word is programmed once after an erase (RM0351 §3.3.7, PROGERR). */
    if (boot_state_trial_requested(&slot.read, MM_HEADER_BASE)) {
        return UPDATE_SLOT_OK;
    }
    if (!boot_state_mark(&slot.write, MM_HEADER_BASE, BOOT_STATE_TRIAL_SLOT, BOOT_STATE_TRIAL_MAGIC)) {
        return UPDATE_SLOT_FLASH_ERROR;
    }
    return boot_state_trial_requested(&slot.read, MM_HEADER_BASE) ? UPDATE_SLOT_OK : UPDATE_SLOT_FLASH_ERROR;
}

update_slot_status_t update_slot_header(image_header_t *header)
{
    if (phase != FINISHED) {
        return UPDATE_SLOT_NOT_OPEN;
    }
    slot.read.read(&slot.read, MM_HEADER_BASE, header, sizeof *header);
    return UPDATE_SLOT_OK;
}

image_verdict_t update_slot_verdict(void)
{
    return last_refusal;
}

#else /* single slot: nothing to write into */

update_slot_status_t update_slot_open(void)
{
    return UPDATE_SLOT_NOT_SWAP;
}

update_slot_status_t update_slot_write(uint32_t offset, const void *data, size_t len)
{
    (void)offset;
    (void)data;
    (void)len;
    return UPDATE_SLOT_NOT_SWAP;
}

update_slot_status_t update_slot_finish(image_verdict_t *verdict)
{
    (void)verdict;
    return UPDATE_SLOT_NOT_SWAP;
}

update_slot_status_t update_slot_request_install(void)
{
    return UPDATE_SLOT_NOT_SWAP;
}

update_slot_status_t update_slot_header(image_header_t *header)
{
    (void)header;
    return UPDATE_SLOT_NOT_SWAP;
}

image_verdict_t update_slot_verdict(void)
{
    return (image_verdict_t){ .kind = IMAGE_VERDICT_OK };
}

#endif

void update_slot_reason_write(text_t *out, update_slot_status_t status, const image_verdict_t *verdict)
{
#if SLOT_MODE_SWAP
    if ((status == UPDATE_SLOT_REFUSED || status == UPDATE_SLOT_INCOMPLETE) && verdict != NULL) {
        image_verdict_write(out, verdict);
        return;
    }
#else
    (void)verdict; /* no verdict without a slot to judge: the policy's texts stay out of a single-slot image */
#endif
    text_str(out, text_pick("ok\0needs SlotMode swap (this build has one slot)\0the running image is not confirmed "
                            "yet\0no update open\0beyond the secondary slot\0refused\0image incomplete\0flash error\0",
                            status));
}
