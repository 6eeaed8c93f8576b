/* The boot-attempt rule (setting BootAttempts; docs/design.md §5): an image installed by the bootloader, over UART or from a
 * USB drive, starts in trial; the bootloader counts its starts, and the application confirms once it runs well
 * (boot_confirm()). An image started BootAttempts times without confirming is not started again: the bootloader
 * stays in update mode and says so. Shared by both images: the bootloader reads and marks the state, the
 * application's boot_confirm() writes the confirmation.
 *
 * Where it lives: the last 128 bytes of the application header page, 16 double words after the image header (which
 * stays within the first 64 bytes), so the state goes with the image: erasing the header page (a new update, the
 * application's `erase-header`) forgets it, and unlike the RTC backup registers a power cut does not. Each double
 * word is programmed at most once after the page is erased (RM0351, FLASH_SR.PROGERR: only an erased double word
 * can be programmed), so every step is one flash operation that either happened, did not, or was cut short:
 *
 *   double word 0       trial marker: the flash writer programs it before the header when it commits an update
 *   double words 1..7   start marks: the bootloader programs mark 1 + k right before the (k+1)-th start
 *   double words 8..14  confirm marks: boot_confirm() in the k-th start (k from 0) programs mark 8 + k
 *   double word 15      reserved, erased
 *
 * A double word counts as programmed when any of its bits reads 0: a mark cut short by a power cut counts (a start
 * that may have run is counted, the safe side), while a confirmation counts only when it reads exactly
 * BOOT_STATE_CONFIRM_MAGIC, so a cut confirmation is not one; the next start then confirms into its own, still
 * erased, double word. An image whose trial marker is erased (programmed by a programmer: factory.hex leaves the
 * page's end erased) is confirmed. A double word cut short also reads with an ECC double error (RM0351 §3.3.4): the
 * bootloader's NMI handler returns with the raw bits, which is all the counting needs; the application never reads
 * these double words (boot_confirm() works from RTC_BKP3R), since its NMI is a fault. */
#ifndef BOOT_STATE_H
#define BOOT_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "flash_ops.h"
#include "image_port.h"
#include "image_signature.h"

/* From the start of the header page: right where the signature block's area ends, one definition for both. */
#define BOOT_STATE_OFFSET         IMAGE_SIGNATURE_AREA_END
#define BOOT_STATE_SIZE           0x80u
#define BOOT_STATE_DOUBLE_WORD    8u
#define BOOT_STATE_TRIAL_SLOT     0u
#define BOOT_STATE_FIRST_START    1u      /* start k (from 0) is marked in double word 1 + k */
#define BOOT_STATE_FIRST_CONFIRM  8u      /* start k confirms into double word 8 + k */
#define BOOT_STATE_MAX_ATTEMPTS   7u      /* BootAttempts in build/settings.json: 0 (off) to 7 */

/* "L4TRIAL!", "L4START!" and "L4CONFRM" in memory order, so a flash dump shows them. No byte is 0xFF, and each byte
 * has bits at 0 in its upper half: a program cut short that leaves only some bits programmed reads neither erased
 * nor as the confirm magic. */
#define BOOT_STATE_TRIAL_MAGIC    0x214C41495254344Cull
#define BOOT_STATE_START_MAGIC    0x215452415453344Cull
#define BOOT_STATE_CONFIRM_MAGIC  0x4D52464E4F43344Cull

/* RTC_BKP3R (boot_request.h) as the bootloader sets it before every start: confirmed, or trial with the start's
 * index k in the low byte, which tells boot_confirm() where to confirm. */
#define BOOT_STATE_CONFIRMED      0xC0F1B007u
#define BOOT_STATE_TRIAL          0x7E57B000u
#define BOOT_STATE_TRIAL_MASK     0xFFFFFF00u

typedef struct {
    bool trial;        /* trial marker programmed, and no confirm mark reads BOOT_STATE_CONFIRM_MAGIC */
    uint32_t starts;   /* start marks programmed (cut ones included): the starts counted so far */
} boot_state_t;

typedef enum {
    BOOT_CONFIRM_NOW = 0,         /* this call programmed the confirmation and read it back */
    BOOT_CONFIRM_ALREADY,         /* the image was confirmed before this start (or by an earlier call) */
    BOOT_CONFIRM_NOT_IN_TRIAL,    /* RTC_BKP3R holds no state from the bootloader (e.g. started by a debugger) */
    BOOT_CONFIRM_FLASH_ERROR,     /* the program failed, or the confirm mark did not read back */
} boot_confirm_status_t;

/* The state in the header page at header_addr. */
boot_state_t boot_state_read(const image_port_t *flash, uint32_t header_addr);

/* The trial marker reads exactly BOOT_STATE_TRIAL_MAGIC: programmed whole. In SlotMode swap that is the install
 * request of the secondary slot's image; a marker cut short, or bytes that are no marker, are none. */
bool boot_state_trial_requested(const image_port_t *flash, uint32_t header_addr);

/* Programs one marker double word: the trial marker (BOOT_STATE_TRIAL_SLOT) or the mark of start k
 * (BOOT_STATE_FIRST_START + k). False when the flash reports an error. */
bool boot_state_mark(const flash_write_port_t *write, uint32_t header_addr, uint32_t slot, uint64_t magic);

/* The RTC_BKP3R value for a start: BOOT_STATE_TRIAL | k for start k of an image in trial, else BOOT_STATE_CONFIRMED. */
uint32_t boot_state_register(bool trial, uint32_t start);

/* boot_confirm()'s work, given RTC_BKP3R as the bootloader left it: programs the confirm mark of the start it names
 * and reads back that double word alone. The caller sets RTC_BKP3R to BOOT_STATE_CONFIRMED after BOOT_CONFIRM_NOW. */
boot_confirm_status_t boot_state_confirm(const image_port_t *flash, const flash_write_port_t *write,
                                         uint32_t header_addr, uint32_t boot_state_register);

#endif /* BOOT_STATE_H */
