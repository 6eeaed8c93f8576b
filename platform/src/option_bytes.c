#include "option_bytes.h"

#include "flash.h"
#include "regs/flash.h"

void option_bytes_read(option_bytes_t *options)
{
    options->optr = FLASH->OPTR;
    options->wrp[0] = FLASH->WRP1AR;
    options->wrp[1] = FLASH->WRP1BR;
    options->wrp[2] = FLASH->WRP2AR;
    options->wrp[3] = FLASH->WRP2BR;
}

bool option_bytes_read_protected(void)
{
    return (FLASH->OPTR & FLASH_OPTR_RDP_Msk) != FLASH_OPTR_RDP_LEVEL0;
}

bool option_bytes_load_failed(void)
{
    return (FLASH->SR & FLASH_SR_OPTVERR) != 0u;
}

/* RM0351 §3.4.2: OPTLOCK is cleared by the OPTKEYR keys once FLASH_CR is unlocked. */
static flash_status_t unlock_options(void)
{
    flash_status_t status = flash_unlock();
    if (status == FLASH_OK && (FLASH->CR & FLASH_CR_OPTLOCK) != 0u) {
        FLASH->OPTKEYR = FLASH_OPTKEYR_OPTKEY1;
        FLASH->OPTKEYR = FLASH_OPTKEYR_OPTKEY2;
        status = (FLASH->CR & FLASH_CR_OPTLOCK) != 0u ? FLASH_ERR_LOCKED : FLASH_OK;
    }
    return status;
}

flash_status_t option_bytes_program(const option_bytes_t *options)
{
    flash_wait_idle();
    flash_status_t status = unlock_options();
    if (status == FLASH_OK) {
        flash_clear_errors();
        FLASH->OPTR = options->optr;
        FLASH->WRP1AR = options->wrp[0];
        FLASH->WRP1BR = options->wrp[1];
        FLASH->WRP2AR = options->wrp[2];
        FLASH->WRP2BR = options->wrp[3];
        FLASH->CR |= FLASH_CR_OPTSTRT;
        flash_wait_idle();
        status = flash_take_errors();
    }
    /* LOCK sets OPTLOCK too: nothing can start another option change by accident. */
    flash_lock();
    return status;
}

flash_status_t option_bytes_launch(void)
{
    /* OBL_LAUNCH can only be set with OPTLOCK cleared (RM0351 §3.7.6); the chip resets at once. */
    flash_status_t status = unlock_options();
    if (status == FLASH_OK) {
        FLASH->CR |= FLASH_CR_OBL_LAUNCH;
        for (;;) {
        }
    }
    flash_lock();
    return status;
}
