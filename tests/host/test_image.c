#include "test_image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"

/* The initial MSP at the top of SRAM1 and a Thumb reset vector inside every test image. */
#define TEST_SP    0x20018000u
#define TEST_ENTRY (DEV_IMAGE_ADDR + 0x101u)

void test_image_seal(test_image_t *img)
{
    img->header.image_crc32 = crc32_update(0u, img->bin + DEV_PAGE_SIZE, img->header.image_size);
    img->header.header_crc32 = crc32_update(0u, &img->header, IMAGE_HEADER_CRC_SPAN);
    memcpy(img->bin, &img->header, sizeof img->header);
}

void test_image_build(test_image_t *img, uint32_t image_size, uint32_t seed)
{
    if (image_size < 0x200u || image_size > TEST_IMAGE_MAX) {
        fprintf(stderr, "test image: size %u outside 0x200..%u\n", (unsigned)image_size, TEST_IMAGE_MAX);
        abort();
    }
    memset(img, 0xFF, sizeof *img);
    uint8_t *image = img->bin + DEV_PAGE_SIZE;
    uint32_t state = seed * 2654435761u + 1u;
    for (uint32_t i = 0; i < image_size; i++) {
        state = state * 1664525u + 1013904223u;
        image[i] = (uint8_t)(state >> 24);
    }
    const uint32_t vectors[2] = { TEST_SP, TEST_ENTRY };
    memcpy(image, vectors, sizeof vectors);
    img->bin_len = DEV_PAGE_SIZE + image_size;
    img->header = (image_header_t){
        .magic = IMAGE_HEADER_MAGIC,
        .header_version = IMAGE_HEADER_VERSION,
        .header_size = IMAGE_HEADER_SIZE,
        .fw_version = { 1, 2, 3, (uint16_t)seed },
        .image_addr = DEV_IMAGE_ADDR,
        .image_size = image_size,
        .board_id = DEV_BOARD_ID,
    };
    test_image_seal(img);
}

void test_image_install(const test_image_t *img)
{
    memcpy(device_flash_at(DEV_HEADER_ADDR), img->bin, img->bin_len);
}

bool test_image_in_flash(const test_image_t *img)
{
    return memcmp(device_flash_at(DEV_HEADER_ADDR), img->bin, img->bin_len) == 0;
}
