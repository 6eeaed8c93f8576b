#include "boot_confirm.h"

#include "backup.h"
#include "boot_request.h"
#include "flash.h"
#include "flash_port.h"
#include "memory_map.h"

static bool program(const flash_write_port_t *port, uint32_t addr, const void *data, size_t len)
{
    (void)port;
    flash_status_t status = flash_unlock();
    if (status == FLASH_OK) {
        status = flash_program(addr, data, len);
    }
    flash_lock();
    return status == FLASH_OK;
}

boot_confirm_status_t boot_confirm(void)
{
    static const flash_write_port_t write = { .program = program };
    boot_confirm_status_t status = boot_state_confirm(&flash_port, &write, MM_HEADER_BASE, backup_read(BOOT_STATE_BKP_INDEX));
    if (status == BOOT_CONFIRM_NOW) {
        /* A second call in this start must not program the same double word again. */
        backup_write(BOOT_STATE_BKP_INDEX, BOOT_STATE_CONFIRMED);
    }
    return status;
}

const char *boot_confirm_status_text(boot_confirm_status_t status)
{
    return text_pick("confirmed now\0already confirmed\0not started in trial by the bootloader\0flash error\0", status);
}

void boot_confirm_state_write(text_t *out, uint32_t boot_state_register)
{
    uint32_t start = boot_state_register & ~BOOT_STATE_TRIAL_MASK;
    if (boot_state_register == BOOT_STATE_CONFIRMED) {
        text_str(out, "confirmed");
    } else if ((boot_state_register & BOOT_STATE_TRIAL_MASK) == BOOT_STATE_TRIAL && start < BOOT_STATE_MAX_ATTEMPTS) {
        text_str(out, "trial, start ");
        text_u32(out, start + 1u);
    } else {
        text_str(out, "none from the bootloader");
    }
}
