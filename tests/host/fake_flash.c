#include "fake_flash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"

static const uint8_t *locate(const image_port_t *port, uint32_t addr, size_t len)
{
    const fake_flash_t *flash = port->context;
    if (addr < flash->base || addr - flash->base > flash->size || len > flash->size - (addr - flash->base)) {
        fprintf(stderr, "fake flash: access of %zu bytes at 0x%08X lies outside 0x%08X..0x%08X\n", len,
                (unsigned)addr, (unsigned)flash->base, (unsigned)(flash->base + flash->size));
        abort();
    }
    return flash->bytes + (addr - flash->base);
}

static void fake_read(const image_port_t *port, uint32_t addr, void *dst, size_t len)
{
    memcpy(dst, locate(port, addr, len), len);
}

static uint32_t fake_crc32(const image_port_t *port, uint32_t addr, size_t len)
{
    return crc32_update(0u, locate(port, addr, len), len);
}

image_port_t fake_flash_port(fake_flash_t *flash)
{
    return (image_port_t){ .read = fake_read, .crc32 = fake_crc32, .context = flash };
}
