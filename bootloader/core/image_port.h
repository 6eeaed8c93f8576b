/* How the portable core reaches the flash: the chip port (bootloader/src) reads memory-mapped flash and
 * computes CRCs with the CRC unit; the host tests supply a flash image in RAM and the software CRC. The core
 * never dereferences a device address itself. */
#ifndef IMAGE_PORT_H
#define IMAGE_PORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct image_port {
    /* Copies len bytes of device memory at addr into dst. */
    void (*read)(const struct image_port *port, uint32_t addr, void *dst, size_t len);
    /* zlib CRC-32 of len bytes of device memory at addr. */
    uint32_t (*crc32)(const struct image_port *port, uint32_t addr, size_t len);
    void *context;
} image_port_t;

#endif /* IMAGE_PORT_H */
