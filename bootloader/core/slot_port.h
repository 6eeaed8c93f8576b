/* A slot seen at another slot's addresses (SlotMode "swap", docs/design.md §10). An image is linked for the primary
 * slot and its header names the primary addresses; stored in the secondary slot (an update on its way in) or in the
 * previous-image area (what the last swap moved out), it is checked, written and read through these ports at the
 * primary addresses, so the image check, the signature check and the flash writer need no second address
 * arithmetic: [from, from + size) lands at [to, to + size), every other address passes through unchanged.
 *
 * The same translation for the host: in swap mode AN3155 and USB updates address the primary slot (stm32flash writes
 * where the image runs) and land in the secondary one. */
#ifndef SLOT_PORT_H
#define SLOT_PORT_H

#include <stdint.h>

#include "flash_ops.h"
#include "image_port.h"

typedef struct {
    image_port_t read;              /* reads and CRCs, translated */
    flash_write_port_t write;       /* page erases (by page number) and programs, translated */
    const image_port_t *flash;      /* the untranslated ports */
    const flash_write_port_t *flash_write;
    uint32_t flash_base;            /* page 0's address, for page numbers */
    uint32_t from;                  /* page-aligned */
    uint32_t to;                    /* page-aligned */
    uint32_t size;                  /* a multiple of the page size */
} slot_port_t;

/* flash_write may be NULL for a read-only view. */
void slot_port_init(slot_port_t *port, const image_port_t *flash, const flash_write_port_t *flash_write,
                    uint32_t flash_base, uint32_t from, uint32_t to, uint32_t size);

#endif /* SLOT_PORT_H */
