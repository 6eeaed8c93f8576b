/* A flash image in host memory behind image_port_t, with the software CRC. Reads outside the image abort:
 * the check must never look beyond what it was given. */
#ifndef FAKE_FLASH_H
#define FAKE_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "image_port.h"

typedef struct {
    uint32_t base;  /* device address of bytes[0] */
    uint8_t *bytes;
    size_t size;
} fake_flash_t;

/* A port whose context is the given fake flash. */
image_port_t fake_flash_port(fake_flash_t *flash);

#endif /* FAKE_FLASH_H */
