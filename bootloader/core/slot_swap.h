/* The swap of SlotMode "swap": installs the image waiting in the secondary slot into the primary slot while keeping
 * the image it replaces, and reverts to that image, page by page, so that a power cut at any instant loses nothing and
 * the next reset finishes the job. Portable: the flash is reached through image_port_t and flash_write_port_t only,
 * no state lives outside the caller's slot_swap_state_t and the status areas in flash.
 *
 * Pages. Page i (0 = the header page) of a slot: PRIMARY[i] = primary + i*PAGE, SECONDARY[i] = secondary + i*PAGE,
 * PREVIOUS[i] = previous + i*PAGE. The map puts previous one page below secondary (PREVIOUS[i] = SECONDARY[i-1]):
 * the old image moves out one page lower than the new one came in, which is what gives every step a free page.
 *
 * Install of n pages: steps 2i and 2i+1 for i = 0..n-1
 *   step 2i   : erase PREVIOUS[i], copy PRIMARY[i] -> PREVIOUS[i]   PREVIOUS[i] = SECONDARY[i-1], copied by step 2i-1
 *   step 2i+1 : erase PRIMARY[i],  copy SECONDARY[i] -> PRIMARY[i]  the old PRIMARY[i] is safe in PREVIOUS[i]
 *   Afterwards the primary holds the new image, PREVIOUS[0..n-1] the old one (contiguous, its boot state as it was)
 *   and SECONDARY[0] (= PREVIOUS[1]) old page 1, so no install is pending any more.
 * Revert of n pages: step i for i = 0..n-1
 *   step i    : erase PRIMARY[i], copy PREVIOUS[i] -> PRIMARY[i]     the sources never change during a revert
 *
 * Why every step can be redone from its start. A step's copy reads its source page into RAM, erases the destination,
 * programs the double words that are not all 0xFF (an all-0xFF double word stays erased so that it can still be
 * programmed later, e.g. the boot-state marks of a header page; RM0351 §3.7.5 PROGERR: only an erased double word
 * programs) and reads every double word back; then the step's record is programmed and read back. Its source is only
 * ever written by a LATER step (PRIMARY[i] by step 2i+1, SECONDARY[i] = PREVIOUS[i+1] by step 2i+2; never during a
 * revert), and a later step only begins once this step's record reads programmed. So until then the source is
 * intact and the destination holds nothing that is needed: a cut anywhere (in the erase, in a program, in the
 * record) or a flash error is repaired by doing the step again, as many times as it takes. A record that reads
 * programmed is never programmed again (a second program of a double word fails, PROGERR): run skips it.
 *
 * Status areas: two (ping-pong), area k at status + k*status_area_size, each whole pages, double words (little-endian):
 *   DW0     SLOT_SWAP_MAGIC_INSTALL or SLOT_SWAP_MAGIC_REVERT
 *   DW1     sequence (low word) | ~sequence (high word)
 *   DW2     pages n  (low word) | ~n        (high word)
 *   DW3     crc      (low word) | ~crc      (high word), crc = CRC-32 (crc32.h) of DW0..DW2; programmed last
 *   DW4+s   record of step s: SLOT_SWAP_RECORD_MAGIC, programmed once step s's copy read back right
 * An area is valid when DW0 is a magic, DW1..DW3 hold value|~value, the CRC matches and n <= slot_pages. The newest
 * operation is the valid area with the higher sequence; its steps done are its leading programmed records (a record
 * counts as programmed when any bit reads 0: even a torn record was started only after its copy was verified), and
 * it is finished when all 2n (install) or n (revert) steps are done.
 *
 * Why the status is never ambiguous. slot_swap_begin erases only the area that is NOT the newest (area 0 when none is
 * valid), and only when the newest is finished; then it programs DW0..DW2 and DW3 last, with sequence = newest + 1.
 * Until DW3 is whole the new area is invalid (the reader sees the previous, finished operation: nothing was copied
 * yet, begin simply starts over), from then on it is the newest. A cut erase or program never makes an area valid:
 * a torn erase sets bits in every byte and a torn program leaves some of them set (the virtual board: an erase cut
 * short ORs 0x0F into each byte, a program cut short programs only the low-nibble bits), and value|~value cannot
 * survive either; the magics have a 0 bit in every byte's low nibble and a high nibble other than 0xF, so a torn
 * erase or program never leaves a magic behind. On silicon, reading a torn double word raises the ECC NMI and the
 * bootloader's NMI handler returns with the raw bits (bootloader/src/nmi_ecc.c). So the newest area is never
 * erased, and an area being erased or written is never taken for the newest.
 *
 * Requirements on the configuration: all addresses page-aligned; previous + i*PAGE never equals secondary + j*PAGE
 * for j >= i (true for previous = secondary - PAGE); each status area holds 4 + 2*slot_pages double words. */
#ifndef SLOT_SWAP_H
#define SLOT_SWAP_H

#include <stdbool.h>
#include <stdint.h>

#include "flash_ops.h"
#include "image_port.h"

/* "SWAPINST", "SWAPREVT" and "SWAPSTEP" in memory order, so a flash dump shows them. Every byte has a high nibble
 * of 4 or 5 and a 0 bit in its low nibble (see above). */
#define SLOT_SWAP_MAGIC_INSTALL  0x54534E4950415753ull
#define SLOT_SWAP_MAGIC_REVERT   0x5456455250415753ull
#define SLOT_SWAP_RECORD_MAGIC   0x5045545350415753ull

/* DW0..DW3, then the records. */
#define SLOT_SWAP_DESCRIPTOR_SIZE 32u

typedef struct {
    uint32_t flash_base;        /* address of page 0: erase_page numbers count from here */
    uint32_t primary;           /* PRIMARY[0], the header page the image runs behind */
    uint32_t secondary;         /* SECONDARY[0], where an update is written */
    uint32_t previous;          /* PREVIOUS[0], where an install leaves the image it replaced */
    uint32_t slot_pages;        /* pages of a slot: the largest n */
    uint32_t status;            /* status area 0; area 1 follows it */
    uint32_t status_area_size;  /* bytes of one area, a multiple of the page size */
} slot_swap_config_t;

typedef enum {
    SLOT_SWAP_NONE = 0,         /* no valid status area: nothing ever swapped */
    SLOT_SWAP_INSTALL,
    SLOT_SWAP_REVERT,
} slot_swap_kind_t;

/* The newest operation as the status areas record it. */
typedef struct {
    slot_swap_kind_t kind;
    uint32_t pages;             /* n */
    uint32_t steps;             /* 2n for an install, n for a revert, 0 for none */
    uint32_t steps_done;        /* leading steps recorded; the next step to run */
    uint32_t sequence;          /* 0 for none */
    uint32_t area;              /* the area holding it (0 or 1); 1 for none, so that a begin takes area 0 */
} slot_swap_state_t;

typedef enum {
    SLOT_SWAP_OK = 0,
    SLOT_SWAP_FLASH_ERROR,      /* an erase or program failed or read back wrong: a later run/begin redoes it */
    SLOT_SWAP_UNFINISHED,       /* begin refused: the newest operation must be run to its end first */
} slot_swap_status_t;

/* All steps done (true for SLOT_SWAP_NONE: nothing to resume). */
bool slot_swap_finished(const slot_swap_state_t *state);

/* Reads the status areas. */
slot_swap_state_t slot_swap_read(const slot_swap_config_t *config, const image_port_t *flash);

/* Starts an operation of kind (INSTALL or REVERT) over pages (<= slot_pages) pages: erases the area that is not the
 * newest, programs the descriptor (DW3 last) and reads the areas again into *state. SLOT_SWAP_OK when *state is the
 * new operation with no step done; after SLOT_SWAP_FLASH_ERROR, *state is whatever the areas now say (the previous
 * operation, finished: begin again). Nothing outside the status areas is touched. */
slot_swap_status_t slot_swap_begin(const slot_swap_config_t *config, const image_port_t *flash,
                                   const flash_write_port_t *write, slot_swap_kind_t kind, uint32_t pages,
                                   slot_swap_state_t *state);

/* Runs the remaining steps of *state (from slot_swap_read or slot_swap_begin), advancing steps_done as each is
 * recorded. On SLOT_SWAP_FLASH_ERROR, steps_done is the step that failed: a later run (or a read and a run after a
 * reset) redoes it. page_buffer holds the page being copied. */
slot_swap_status_t slot_swap_run(const slot_swap_config_t *config, const image_port_t *flash,
                                 const flash_write_port_t *write, slot_swap_state_t *state,
                                 uint8_t page_buffer[FLASH_WRITER_PAGE_SIZE]);

/* Pages a slot needs for an image of image_size bytes: the header page and the image rounded up to pages. */
uint32_t slot_swap_image_pages(uint32_t image_size);

#endif /* SLOT_SWAP_H */
