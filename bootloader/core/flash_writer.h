/* The flash write planner of every update path (docs/design.md §6): it turns writes and erases of any order, length and
 * alignment inside the application header + image region into page erases and double-word programs, and keeps
 * the header-last commit rule.
 *
 * - Header page: writes are staged in RAM and read back from there; the page is programmed only when the staged
 *   header accepts the image that is in flash (image_check on flash with the staged header overlaid).
 * - Image pages: a page is erased on its first write since reset unless the host erased it; a double word that
 *   is written again with different bytes is rewritten through a read-modify-write of its page (flash programs a
 *   double word only once after an erase).
 * - Deferred erase (flash_writer_erase_later): the page is only marked "erase pending" and erased when it is
 *   needed — before it is written, read or checked (flash_writer_erase_pending) — so the UART protocol can let an
 *   erase run while the next block is still on the line. An erase of the header page is deferred the same way: the
 *   staged copy reads erased at once, the page in flash is erased before the first image page changes. Until then
 *   flash holds the installed application unchanged, so a power cut still boots it, and a new header that the
 *   policy refuses can be refused before anything is lost.
 * - Before the first image page is erased or programmed, the header page is erased in flash: the old
 *   application is invalid from then on, so a power cut at any later flash operation leaves no header that could
 *   accept a half-written image. The header is programmed double word 0 (the magic) last, so a cut during the
 *   commit leaves a magic that reads 0xFFFFFFFF.
 * - The acceptance policy (image_policy.h: boot check, signature, anti-rollback counter) decides every commit. It
 *   also guards the first flash change: while the staged header page holds a whole header (every byte of it, and
 *   of a signed one's block, written by the host since the page was staged, in any pieces) that the policy
 *   refuses on what the page alone tells (not signed, unknown key, counter below the minimum, bad header), no
 *   image page is erased or programmed (FLASH_WRITER_REFUSED) and the installed application stays as it is. A host
 *   that writes the header page first (stm32flash does: ascending addresses) is thus refused before it costs the
 *   installed application anything. What only the whole image can tell (a signature that does not verify) is
 *   refused at the commit: the header is never programmed.
 * - The end of the header page belongs to the bootloader's boot-attempt state (boot_state.h): whatever the host
 *   writes there is staged (and read back) like the rest of the page but never programmed. With mark_trial, the
 *   commit programs the trial marker there first, so the image starts in trial; an unchanged header leaves the
 *   state as it is.
 * - Whatever the writer was told before a reset is forgotten; it re-derives everything from flash, so an update
 *   cut short by a power cut is simply started again. */
#ifndef FLASH_WRITER_H
#define FLASH_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash_ops.h"
#include "image_check.h"
#include "image_policy.h"
#include "image_port.h"

typedef enum {
    FLASH_WRITER_OK = 0,
    FLASH_WRITER_OUT_OF_RANGE,    /* not inside the application header + image region */
    FLASH_WRITER_FLASH_ERROR,     /* an erase or program failed, or the committed header did not read back */
    FLASH_WRITER_NOTHING_STAGED,  /* commit: no header page was written or erased since reset */
    FLASH_WRITER_IMAGE_REJECTED,  /* commit: the staged header does not accept the image now in flash */
    FLASH_WRITER_PENDING,         /* erase_pending: pending pages are left in the range beyond max_pages */
    FLASH_WRITER_REFUSED,         /* the policy refuses the staged header (nothing changed in flash for it), or the
                                     completed image (commit): flash_writer_t.verdict says why */
} flash_writer_status_t;

typedef struct {
    uint32_t flash_base;               /* address of page 0 */
    bool mark_trial;                   /* BootAttempts > 0: a committed image starts in trial */
    /* What a commit must pass. policy->check->header_addr is the page-aligned header page, ->image_addr the page after
     * it; the writable region ends at image_addr + image_region_size. */
    const image_policy_t *policy;
    /* Told of every refusal by the policy and of every commit (kind IMAGE_VERDICT_OK); may be NULL. */
    void (*judged)(const image_verdict_t *verdict);
} flash_writer_config_t;

typedef struct {
    const flash_writer_config_t *config;
    const image_port_t *flash;
    const flash_write_port_t *write;
    image_port_t view;        /* flash as the host sees it: the staged header page over the real one */
    uint32_t erased_since_reset[FLASH_WRITER_MAX_PAGES / 32u];
    uint32_t erase_pending[FLASH_WRITER_MAX_PAGES / 32u];
    bool staged_valid;        /* the host wrote or erased the header page since reset */
    bool header_erased;       /* the header page in flash is known to be erased (only the writer changes it) */
    bool committed;           /* the header page in flash equals the staged one */
    bool dirty;               /* staged header or image changed since the last commit attempt */
    bool header_erase_pending; /* the host erased the header page; flash still holds the installed one */
    bool gate_checked;        /* gate holds the policy's verdict on the staged header page as it is */
    uint32_t staged_written[IMAGE_SIGNATURE_AREA_END / 32u]; /* the host wrote this byte since the page was staged */
    image_verdict_t gate;
    image_verdict_t verdict;  /* the last verdict reported (a refusal, or a commit's OK) */
    image_verify_workspace_t verify_work;
    uint8_t staged[FLASH_WRITER_PAGE_SIZE];
    uint8_t page_buffer[FLASH_WRITER_PAGE_SIZE]; /* read-modify-write */
} flash_writer_t;

void flash_writer_init(flash_writer_t *writer, const flash_writer_config_t *config, const image_port_t *flash,
                       const flash_write_port_t *write);

/* True when [addr, addr + len) lies inside the header + image region and len > 0. */
bool flash_writer_in_region(const flash_writer_t *writer, uint32_t addr, uint32_t len);
bool flash_writer_page_in_region(const flash_writer_t *writer, uint32_t page);

/* Reads what the host wrote: staged bytes for the header page, flash elsewhere. The range must be in region and
 * hold no pending page (flash_writer_erase_pending first). */
void flash_writer_read(const flash_writer_t *writer, uint32_t addr, void *dst, size_t len);

/* Writes bytes at any alignment. A write that covers a byte of the image header or the last byte of the image
 * the staged header names may complete the update, so it attempts the commit (flash_writer_commit), unless a page
 * of that image is still pending: the host is waiting for this write's answer, not for those erases. */
flash_writer_status_t flash_writer_write(flash_writer_t *writer, uint32_t addr, const void *data, size_t len);

/* A write that may complete the update: it touches the image header, or the last image byte the staged header
 * names. flash_writer_write() attempts the commit after it. */
bool flash_writer_may_complete(const flash_writer_t *writer, uint32_t addr, size_t len);

/* flash_writer_write() without the commit attempt: the UART protocol programs blocks it has acknowledged already,
 * a double word at a time, and commits only on Go or once the host is idle (an3155.h). */
flash_writer_status_t flash_writer_program(flash_writer_t *writer, uint32_t addr, const void *data, size_t len);

/* The policy's verdict on the staged header page as it stands: FLASH_WRITER_REFUSED when the page holds a whole
 * header (and signature block) that the policy refuses on what the page alone tells; FLASH_WRITER_OK otherwise.
 * Every image page change passes it first; the UART protocol also asks before it acknowledges an image block. */
flash_writer_status_t flash_writer_gate(flash_writer_t *writer);

/* Erases one page. The header page is erased in flash and the staged copy with it. */
flash_writer_status_t flash_writer_erase_page(flash_writer_t *writer, uint32_t page);

/* Erases one page as far as the host can tell: the header page at once (flash_writer_erase_page), an image page
 * only after the header is invalidated in flash, by marking it pending. */
flash_writer_status_t flash_writer_erase_later(flash_writer_t *writer, uint32_t page);

/* Erases the header page in flash if the host erased it (flash_writer_erase_later) and it is still pending; through
 * the gate, as every change that loses the installed application. */
flash_writer_status_t flash_writer_erase_header(flash_writer_t *writer);

/* Erases the pending pages that hold a byte of [addr, addr + len), lowest first, at most max_pages of them
 * (FLASH_WRITER_PENDING: more are left). A page whose erase fails stays pending. */
flash_writer_status_t flash_writer_erase_pending(flash_writer_t *writer, uint32_t addr, uint32_t len,
                                                 uint32_t max_pages);

/* The commit rule: programs the staged header page when the staged header accepts the image in flash (the
 * pending pages inside the image the staged header names are erased first). FLASH_WRITER_OK also when it was
 * committed already. */
flash_writer_status_t flash_writer_commit(flash_writer_t *writer);

/* A commit attempt could succeed now: something changed since the last one, the staged page is not in flash, and
 * no page of the image it names is still pending (erasing those one at a time comes first). The protocol calls
 * flash_writer_commit() when the host has been idle, so any write order completes. */
bool flash_writer_commit_pending(flash_writer_t *writer);

/* The boot check on flash as the host sees it, without the staged header: a header the host erased (by erasing
 * its page or any image page), though still in flash, is no header (IMAGE_BAD_MAGIC). */
image_status_t flash_writer_check_flash(flash_writer_t *writer);

#endif /* FLASH_WRITER_H */
