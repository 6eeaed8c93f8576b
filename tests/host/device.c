#include "device.h"

#include <string.h>

device_t dev;
static uint8_t flash_bytes[DEV_FLASH_SIZE];

static uint8_t bootloader_pattern(uint32_t offset)
{
    return (uint8_t)(offset * 13u + 0x5Au);
}

void device_factory_fresh(void)
{
    /* Power-cut tests start thousands of devices: the factory image is built once and copied. */
    static uint8_t factory[DEV_FLASH_SIZE];
    static bool factory_built;
    if (!factory_built) {
        memset(factory, 0xFF, sizeof factory);
        for (uint32_t offset = 0; offset < DEV_BOOTLOADER_PAGES * DEV_PAGE_SIZE; offset++) {
            factory[offset] = bootloader_pattern(offset);
        }
        factory_built = true;
    }
    memcpy(flash_bytes, factory, sizeof flash_bytes);
    dev.flash = (fake_flash_t){ DEV_FLASH_BASE, flash_bytes, sizeof flash_bytes };
    dev.flash_port = fake_flash_port(&dev.flash);
    fake_flash_ops_init(&dev.ops, &dev.flash, DEV_PAGE_SIZE);
    dev.write_port = fake_flash_write_port(&dev.ops);
    dev.check = (image_check_config_t){
        .header_addr = DEV_HEADER_ADDR,
        .image_addr = DEV_IMAGE_ADDR,
        .image_region_size = DEV_IMAGE_REGION,
        .board_id = DEV_BOARD_ID,
        .ram = { { 0x20000000u, 0x00018000u }, { 0x10000000u, 0x00008000u }, { 0x20018000u, 0x00008000u } },
    };
    dev.minimum_counter = 0u;
    dev.policy = (image_policy_t){ .check = &dev.check, .minimum_counter = &dev.minimum_counter };
    dev.writer_config = (flash_writer_config_t){ .flash_base = DEV_FLASH_BASE, .policy = &dev.policy };
    dev.protocol_config = (an3155_config_t){
        .product_id = DEV_PRODUCT_ID,
        .bank2_first_page = DEV_BANK2_FIRST_PAGE,
    };
    device_reboot();
}

void device_reboot(void)
{
    fake_flash_ops_power_on(&dev.ops);
    fake_link_init(&dev.link);
    flash_writer_init(&dev.writer, &dev.writer_config, &dev.flash_port, &dev.write_port);
    an3155_init(&dev.protocol, &dev.protocol_config, &dev.link.port, &dev.writer);
}

uint8_t *device_flash_at(uint32_t addr)
{
    return flash_bytes + (addr - DEV_FLASH_BASE);
}

bool device_bootloader_intact(void)
{
    for (uint32_t offset = 0; offset < DEV_BOOTLOADER_PAGES * DEV_PAGE_SIZE; offset++) {
        if (flash_bytes[offset] != bootloader_pattern(offset)) {
            return false;
        }
    }
    return true;
}

bool device_erased(uint32_t addr, uint32_t len)
{
    const uint8_t *bytes = device_flash_at(addr);
    for (uint32_t i = 0; i < len; i++) {
        if (bytes[i] != 0xFFu) {
            return false;
        }
    }
    return true;
}

image_status_t device_boot_check(image_header_t *header)
{
    return image_check(&dev.check, &dev.flash_port, header);
}
