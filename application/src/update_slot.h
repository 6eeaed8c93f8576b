/* The application's way to update itself (SlotMode "swap", docs/design.md §10): it writes a new image into the
 * secondary slot while it keeps running from the primary one, has it judged by the bootloader's own acceptance
 * policy, and asks the bootloader to install it at the next reset. The running image is never touched: an image
 * that arrives incomplete, tampered or refused leaves the primary as it was, and nothing is installed.
 *
 * The contract, in the order a caller uses it:
 *
 *   update_slot_open()             starts a new update. The flash writer of the bootloader's update paths
 *                                  (bootloader/core/flash_writer.h) runs over a slot port (slot_port.h) that shows the
 *                                  secondary slot (MM_SECONDARY_BASE, MM_SLOT_SIZE bytes) at the primary addresses,
 *                                  with the bootloader's policy: the boot check for this board and memory map, a
 *                                  signature by a compiled-in key when RequireSignature is set, a security counter
 *                                  not below the anti-rollback minimum in OTP (read here, rollback.h). Nothing in
 *                                  flash changes yet. Refused (UPDATE_SLOT_IN_TRIAL) while the running image is in
 *                                  trial: the secondary slot overlaps the previous image, its only way back.
 *   update_slot_write(off, p, n)   n bytes of the slot image at offset off: offset 0 is the first byte of the header
 *                                  page, the image follows at MM_HEADER_SIZE, as the image is linked and stamped (a
 *                                  stamped .bin from MM_HEADER_BASE on). Any order, any length; nothing beyond
 *                                  MM_SLOT_SIZE. The header page is held in RAM; the first image byte erases the
 *                                  secondary header page (so no half-written image there ever looks whole); a header
 *                                  the policy refuses on its own (unsigned, unknown key, counter too low, wrong
 *                                  board) is refused here (UPDATE_SLOT_REFUSED) before any image page changes.
 *   update_slot_finish(&verdict)   the commit: the whole policy over the image now in the slot (boot check with the
 *                                  image CRC, full signature, counter). Only a verified image gets its header page
 *                                  programmed, without the trial marker: it is verified, not pending.
 *                                  *verdict says why not (update_slot_reason_write() in words).
 *   update_slot_request_install()  after a successful finish: programs the trial marker (boot_state.h,
 *                                  BOOT_STATE_TRIAL_SLOT = BOOT_STATE_TRIAL_MAGIC) in the secondary header page. The
 *                                  next reset installs the image (the bootloader checks it again first) and starts
 *                                  it in trial; RTC_BKP6R then reports SLOT_REPORT_INSTALLED (boot_request.h).
 *
 * A reset at any point forgets the update (a new open starts over); a power cut leaves either no pending image or a
 * whole verified one with its marker, never a half-written one that installs. In single mode (SLOT_MODE_SWAP 0)
 * every call returns UPDATE_SLOT_NOT_SWAP and the writer, the policy and BearSSL stay out of the image. */
#ifndef UPDATE_SLOT_H
#define UPDATE_SLOT_H

#include <stddef.h>
#include <stdint.h>

#include "build_config.h"
#include "image_header.h"
#include "image_policy.h"
#include "text.h"

/* A build_config.h from before SlotMode existed describes a single-slot build. */
#ifndef SLOT_MODE_SWAP
#define SLOT_MODE_SWAP 0
#endif

typedef enum {
    UPDATE_SLOT_OK = 0,
    UPDATE_SLOT_NOT_SWAP,       /* built for SlotMode single: there is no secondary slot */
    UPDATE_SLOT_IN_TRIAL,       /* open: the running image is not confirmed yet */
    UPDATE_SLOT_NOT_OPEN,       /* write/finish before open, request_install before a successful finish */
    UPDATE_SLOT_OUT_OF_RANGE,   /* write: beyond MM_SLOT_SIZE, or no bytes */
    UPDATE_SLOT_REFUSED,        /* the policy refused the header (write) or the image (finish): see the verdict */
    UPDATE_SLOT_INCOMPLETE,     /* finish: no header page written, or the image does not pass the boot check */
    UPDATE_SLOT_FLASH_ERROR,    /* an erase or program failed */
} update_slot_status_t;

update_slot_status_t update_slot_open(void);
update_slot_status_t update_slot_write(uint32_t offset, const void *data, size_t len);
/* verdict may be NULL; it is filled for UPDATE_SLOT_OK, _REFUSED and _INCOMPLETE. */
update_slot_status_t update_slot_finish(image_verdict_t *verdict);
update_slot_status_t update_slot_request_install(void);

/* The header of the image a successful finish verified (its version, for the caller's message). */
update_slot_status_t update_slot_header(image_header_t *header);

/* The verdict of the last refusal of write or finish (kind IMAGE_VERDICT_OK when there was none). */
image_verdict_t update_slot_verdict(void);

/* The reason in words: "needs SlotMode swap", "the running image is not confirmed yet", ..., and for
 * UPDATE_SLOT_REFUSED / _INCOMPLETE the policy's reason (image_verdict_write: "bad signature", "image CRC mismatch"). */
void update_slot_reason_write(text_t *out, update_slot_status_t status, const image_verdict_t *verdict);

#endif /* UPDATE_SLOT_H */
