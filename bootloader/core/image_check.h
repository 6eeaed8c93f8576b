/* The acceptance check of the application image (docs/design.md §5.1): every condition in the documented order, the
 * first that fails decides the status. */
#ifndef IMAGE_CHECK_H
#define IMAGE_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "image_header.h"
#include "image_port.h"

typedef enum {
    IMAGE_OK = 0,
    IMAGE_BAD_MAGIC,
    IMAGE_BAD_HEADER_VERSION,
    IMAGE_BAD_HEADER_SIZE,
    IMAGE_HEADER_CRC_MISMATCH,
    IMAGE_ADDRESS_MISMATCH,
    IMAGE_SIZE_OUT_OF_RANGE,
    IMAGE_WRONG_BOARD_ID,
    IMAGE_STACK_POINTER_OUTSIDE_RAM,
    IMAGE_STACK_POINTER_MISALIGNED, /* AAPCS: 8-byte aligned at every public interface, the reset handler's too */
    IMAGE_RESET_VECTOR_OUTSIDE_IMAGE,
    IMAGE_RESET_VECTOR_NOT_THUMB,
    IMAGE_CRC_MISMATCH,
} image_status_t;

typedef struct {
    uint32_t base;
    uint32_t size;
} image_ram_region_t;

/* SRAM1, SRAM2, and SRAM2 again at its second address: on the STM32L47x it also appears right after SRAM1, where
 * linker scripts that treat the two as one 128 KB block put the initial stack pointer (0x20020000). */
#define IMAGE_CHECK_RAM_REGIONS 3u

typedef struct {
    uint32_t header_addr;
    uint32_t image_addr;        /* the configured start: the header must name exactly this address */
    uint32_t image_region_size; /* upper bound of image_size */
    uint32_t board_id;          /* this bootloader's own board id */
    image_ram_region_t ram[IMAGE_CHECK_RAM_REGIONS]; /* where the initial MSP may point */
} image_check_config_t;

/* The smallest image holds the initial MSP and the reset vector. */
#define IMAGE_MIN_SIZE 8u

/* Reads the header at config->header_addr into *header (always, so the caller can report on it) and checks
 * the header, the first two vectors and the image CRC. */
image_status_t image_check(const image_check_config_t *config, const image_port_t *port, image_header_t *header);

/* The conditions a header is judged by on its own, magic to board id, in image_check's order. header_crc32 is
 * the CRC-32 of the header's first IMAGE_HEADER_CRC_SPAN bytes as the caller computed it: image_check with the
 * port over flash, the USB update over the header bytes it collected from the file. */
image_status_t image_header_check(const image_check_config_t *config, const image_header_t *header,
                                  uint32_t header_crc32);

/* The fixed reason text for a status, e.g. "header CRC mismatch" ("ok" for IMAGE_OK). */
const char *image_status_text(image_status_t status);

/* True when every byte of the header page is 0xFF: the application erased its header to ask for update
 * mode, or no application was ever programmed. */
bool image_header_page_erased(const image_port_t *port, uint32_t page_addr, uint32_t page_size);

#endif /* IMAGE_CHECK_H */
