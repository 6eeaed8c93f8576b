#include "boot_state.h"

#define ERASED UINT64_MAX

static uint32_t slot_address(uint32_t header_addr, uint32_t slot)
{
    return header_addr + BOOT_STATE_OFFSET + slot * BOOT_STATE_DOUBLE_WORD;
}

static uint64_t read_slot(const image_port_t *flash, uint32_t header_addr, uint32_t slot)
{
    uint64_t value;
    flash->read(flash, slot_address(header_addr, slot), &value, sizeof value);
    return value;
}

boot_state_t boot_state_read(const image_port_t *flash, uint32_t header_addr)
{
    boot_state_t state = { .trial = read_slot(flash, header_addr, BOOT_STATE_TRIAL_SLOT) != ERASED, .starts = 0u };
    for (uint32_t k = 0; k < BOOT_STATE_MAX_ATTEMPTS; k++) {
        state.starts += read_slot(flash, header_addr, BOOT_STATE_FIRST_START + k) != ERASED;
        if (read_slot(flash, header_addr, BOOT_STATE_FIRST_CONFIRM + k) == BOOT_STATE_CONFIRM_MAGIC) {
            state.trial = false;
        }
    }
    return state;
}

bool boot_state_trial_requested(const image_port_t *flash, uint32_t header_addr)
{
    return read_slot(flash, header_addr, BOOT_STATE_TRIAL_SLOT) == BOOT_STATE_TRIAL_MAGIC;
}

bool boot_state_mark(const flash_write_port_t *write, uint32_t header_addr, uint32_t slot, uint64_t magic)
{
    return write->program(write, slot_address(header_addr, slot), &magic, sizeof magic);
}

uint32_t boot_state_register(bool trial, uint32_t start)
{
    return trial ? BOOT_STATE_TRIAL | start : BOOT_STATE_CONFIRMED;
}

boot_confirm_status_t boot_state_confirm(const image_port_t *flash, const flash_write_port_t *write,
                                         uint32_t header_addr, uint32_t boot_state_register)
{
    if (boot_state_register == BOOT_STATE_CONFIRMED) {
        return BOOT_CONFIRM_ALREADY;
    }
    uint32_t start = boot_state_register & ~BOOT_STATE_TRIAL_MASK;
    if ((boot_state_register & BOOT_STATE_TRIAL_MASK) != BOOT_STATE_TRIAL || start >= BOOT_STATE_MAX_ATTEMPTS) {
        return BOOT_CONFIRM_NOT_IN_TRIAL;
    }
    uint32_t slot = BOOT_STATE_FIRST_CONFIRM + start;
    if (!boot_state_mark(write, header_addr, slot, BOOT_STATE_CONFIRM_MAGIC)
        || read_slot(flash, header_addr, slot) != BOOT_STATE_CONFIRM_MAGIC) {
        return BOOT_CONFIRM_FLASH_ERROR;
    }
    return BOOT_CONFIRM_NOW;
}
