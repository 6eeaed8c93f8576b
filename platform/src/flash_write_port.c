#include "flash_write_port.h"

#include "flash.h"
#include "iwdg.h"
#include "memory_map.h"

/* No writer of either image ever aims at the bootloader's pages (the flash writer keeps to a slot, boot_confirm() to
 * the header page); this second check keeps even a bug there from erasing the bootloader, which no update path could
 * bring back. */
#define FIRST_WRITABLE_PAGE ((MM_BOOTLOADER_BASE + MM_BOOTLOADER_SIZE - MM_FLASH_BASE) / MM_FLASH_PAGE_SIZE)

/* FLASH_CR stays locked between operations, so a stray store cannot start one. Every completed operation is a
 * progress point that refreshes the watchdog: a commit may erase the pending pages of a whole image in one call
 * (hundreds of 22 ms erases), longer than the watchdog's period, while a loop that stops making progress is still
 * caught. */
static bool erase_page(const flash_write_port_t *port, uint32_t page)
{
    (void)port;
    if (page < FIRST_WRITABLE_PAGE) {
        return false;
    }
    flash_status_t status = flash_unlock();
    if (status == FLASH_OK) {
        status = flash_erase_page(page);
    }
    flash_lock();
    iwdg_refresh();
    return status == FLASH_OK;
}

/* Besides the main memory above the bootloader, the OTP area, where rollback.c records the anti-rollback counter:
 * flash_program() takes both (PG, the same sequence and the same ES0250 cache handling, RM0351 §3.3.1). */
static bool program(const flash_write_port_t *port, uint32_t addr, const void *data, size_t len)
{
    (void)port;
    bool otp = addr - FLASH_OTP_BASE < FLASH_OTP_SIZE;
    if (!otp && flash_page_of(addr) < FIRST_WRITABLE_PAGE) {
        return false;
    }
    flash_status_t status = flash_unlock();
    if (status == FLASH_OK) {
        status = flash_program(addr, data, len);
    }
    flash_lock();
    iwdg_refresh();
    return status == FLASH_OK;
}

const flash_write_port_t flash_write_port = {
    .erase_page = erase_page,
    .program = program,
    .context = NULL,
};
