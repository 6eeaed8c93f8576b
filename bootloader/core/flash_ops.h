/* The chip's erase and program operations as the portable core sees them: the flash writer, the boot-attempt state
 * and the anti-rollback store program through this, the chip side (flash_write_port.c) and the host tests' fake
 * flash implement it. Apart from flash_writer.h so that the application's boot_confirm() can use it without the
 * writer's signature machinery. */
#ifndef FLASH_OPS_H
#define FLASH_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RM0351: 2 KB pages, 512 of them on the 1 MB part; a 64-bit double word is the programming unit. */
#define FLASH_WRITER_PAGE_SIZE    2048u
#define FLASH_WRITER_MAX_PAGES    512u
#define FLASH_WRITER_DOUBLE_WORD  8u

/* Both return false when the flash reports an error. */
typedef struct flash_write_port {
    /* Page numbers count from the start of the flash: 0..511, bank 2 from 256 (stm32flash numbers them so). */
    bool (*erase_page)(const struct flash_write_port *port, uint32_t page);
    /* len is a multiple of 8, addr double-word aligned, the target erased. */
    bool (*program)(const struct flash_write_port *port, uint32_t addr, const void *data, size_t len);
    void *context;
} flash_write_port_t;

#endif /* FLASH_OPS_H */
