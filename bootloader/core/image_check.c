#include "image_check.h"

#include <string.h>

#include "text.h"

static bool in_ram(const image_check_config_t *config, uint32_t sp)
{
    for (uint32_t i = 0; i < IMAGE_CHECK_RAM_REGIONS; i++) {
        const image_ram_region_t *ram = &config->ram[i];
        /* A full-descending stack starts at the end of its region, so the end address itself is valid. */
        if (sp > ram->base && sp - ram->base <= ram->size) {
            return true;
        }
    }
    return false;
}

image_status_t image_header_check(const image_check_config_t *config, const image_header_t *header,
                                  uint32_t header_crc32)
{
    static const uint8_t magic[IMAGE_HEADER_MAGIC_SIZE] = IMAGE_HEADER_MAGIC;

    if (memcmp(header->magic, magic, sizeof magic) != 0) {
        return IMAGE_BAD_MAGIC;
    }
    if (header->header_version != IMAGE_HEADER_VERSION) {
        return IMAGE_BAD_HEADER_VERSION;
    }
    if (header->header_size != IMAGE_HEADER_SIZE) {
        return IMAGE_BAD_HEADER_SIZE;
    }
    if (header_crc32 != header->header_crc32) {
        return IMAGE_HEADER_CRC_MISMATCH;
    }
    if (header->image_addr != config->image_addr) {
        return IMAGE_ADDRESS_MISMATCH;
    }
    if (header->image_size < IMAGE_MIN_SIZE || header->image_size > config->image_region_size) {
        return IMAGE_SIZE_OUT_OF_RANGE;
    }
    if (header->board_id != config->board_id) {
        return IMAGE_WRONG_BOARD_ID;
    }
    return IMAGE_OK;
}

image_status_t image_check(const image_check_config_t *config, const image_port_t *port, image_header_t *header)
{
    port->read(port, config->header_addr, header, sizeof *header);
    image_status_t status = image_header_check(config, header,
                                               port->crc32(port, config->header_addr, IMAGE_HEADER_CRC_SPAN));
    if (status != IMAGE_OK) {
        return status;
    }

    uint32_t vectors[2]; /* initial MSP, reset vector */
    port->read(port, config->image_addr, vectors, sizeof vectors);
    if (!in_ram(config, vectors[0])) {
        return IMAGE_STACK_POINTER_OUTSIDE_RAM;
    }
    if (vectors[0] % 8u != 0u) {
        return IMAGE_STACK_POINTER_MISALIGNED;
    }
    uint32_t entry = vectors[1] & ~1u;
    if (entry < config->image_addr || entry - config->image_addr >= header->image_size) {
        return IMAGE_RESET_VECTOR_OUTSIDE_IMAGE;
    }
    if ((vectors[1] & 1u) == 0u) {
        return IMAGE_RESET_VECTOR_NOT_THUMB;
    }

    if (port->crc32(port, config->image_addr, header->image_size) != header->image_crc32) {
        return IMAGE_CRC_MISMATCH;
    }
    return IMAGE_OK;
}

const char *image_status_text(image_status_t status)
{
    return text_pick("ok\0bad magic\0bad header version\0bad header size\0header CRC mismatch\0"
                     "image address mismatch\0image size out of range\0wrong board id\0stack pointer outside RAM\0"
                     "stack pointer not 8-byte aligned\0"
                     "reset vector outside image\0reset vector not Thumb\0image CRC mismatch\0",
                     status);
}

bool image_header_page_erased(const image_port_t *port, uint32_t page_addr, uint32_t page_size)
{
    uint8_t chunk[64];
    for (uint32_t offset = 0; offset < page_size; offset += sizeof chunk) {
        size_t len = page_size - offset < sizeof chunk ? page_size - offset : sizeof chunk;
        port->read(port, page_addr + offset, chunk, len);
        for (size_t i = 0; i < len; i++) {
            if (chunk[i] != 0xFFu) {
                return false;
            }
        }
    }
    return true;
}
