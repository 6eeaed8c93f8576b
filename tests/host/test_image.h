/* Application images as `stm32boot stamp` makes them: the header page (64-byte header, the rest erased) followed
 * by the image, with valid vectors and CRCs, the image bytes drawn from a seed. */
#ifndef TEST_IMAGE_H
#define TEST_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "image_header.h"

#define TEST_IMAGE_MAX 16384u

typedef struct {
    uint8_t bin[DEV_PAGE_SIZE + TEST_IMAGE_MAX]; /* from DEV_HEADER_ADDR on, as stm32flash writes a .bin */
    size_t bin_len;
    image_header_t header;
} test_image_t;

void test_image_build(test_image_t *img, uint32_t image_size, uint32_t seed);
/* Re-seals the header after a test changed a field of img->header. */
void test_image_seal(test_image_t *img);
/* Programs the image straight into the device's flash, as the factory does. */
void test_image_install(const test_image_t *img);
/* The header page and the image bytes in flash are exactly the image's. */
bool test_image_in_flash(const test_image_t *img);

#endif /* TEST_IMAGE_H */
