/* The device the update tests talk to: the real memory map (docs/design.md §3) in a 1 MB fake flash whose bootloader
 * pages hold a recognisable pattern, the flash writer and the AN3155 protocol on a fake link. There is one
 * device, `dev`; a reboot keeps the flash and starts the bootloader's state afresh, as a reset does. */
#ifndef DEVICE_H
#define DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "an3155.h"
#include "fake_flash.h"
#include "fake_flash_ops.h"
#include "fake_link.h"
#include "flash_writer.h"
#include "image_check.h"

#define DEV_FLASH_BASE        0x08000000u
#define DEV_FLASH_SIZE        0x00100000u
#define DEV_PAGE_SIZE         0x800u
#define DEV_BOOTLOADER_PAGES  64u
#define DEV_HEADER_ADDR       0x08020000u
#define DEV_HEADER_PAGE       64u
#define DEV_IMAGE_ADDR        0x08020800u
#define DEV_IMAGE_REGION      0x000DF800u
#define DEV_REGION_END        0x08100000u
#define DEV_LAST_PAGE         511u
#define DEV_BANK2_FIRST_PAGE  256u
#define DEV_BOARD_ID          0x04150001u
#define DEV_PRODUCT_ID        0x0415u

typedef struct {
    fake_flash_t flash;
    image_port_t flash_port;
    fake_flash_ops_t ops;
    flash_write_port_t write_port;
    fake_link_t link;
    image_check_config_t check;
    uint32_t minimum_counter;
    image_policy_t policy;           /* the boot check alone; test_signed_update requires signatures */
    flash_writer_config_t writer_config;
    an3155_config_t protocol_config;
    flash_writer_t writer;
    an3155_t protocol;
} device_t;

extern device_t dev;

/* A device straight from the factory: the bootloader pattern in pages 0..63, every other byte erased. */
void device_factory_fresh(void);
/* Power cycle or reset: flash kept, the writer and protocol start from nothing, the link is empty. */
void device_reboot(void);

uint8_t *device_flash_at(uint32_t addr);
/* The bootloader pages still hold exactly the factory pattern. */
bool device_bootloader_intact(void);
/* Bytes [addr, addr + len) of flash all read 0xFF. */
bool device_erased(uint32_t addr, uint32_t len);
/* What the bootloader decides at reset. */
image_status_t device_boot_check(image_header_t *header);

#endif /* DEVICE_H */
