#include "flash_port.h"

#include <string.h>

#include "crc_unit.h"

static void read_flash(const image_port_t *port, uint32_t addr, void *dst, size_t len)
{
    (void)port;
    memcpy(dst, (const void *)(uintptr_t)addr, len);
}

static uint32_t crc_flash(const image_port_t *port, uint32_t addr, size_t len)
{
    (void)port;
    return crc_unit_crc32((const void *)(uintptr_t)addr, len);
}

const image_port_t flash_port = {
    .read = read_flash,
    .crc32 = crc_flash,
    .context = NULL,
};
