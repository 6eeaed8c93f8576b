#include "boot_confirm.h"

#include "backup.h"
#include "boot_request.h"
#include "flash_port.h"
#include "flash_write_port.h"
#include "memory_map.h"

boot_confirm_status_t boot_confirm(void)
{
    boot_confirm_status_t status = boot_state_confirm(&flash_port, &flash_write_port, MM_HEADER_BASE,
                                                      backup_read(BOOT_STATE_BKP_INDEX));
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
