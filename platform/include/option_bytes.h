/* The user option bytes (RM0351 §3.4): read the values in force, program new ones with the documented sequence
 * (RM0351 §3.4.2 "Modifying user options": unlock FLASH_CR, the OPTKEYR keys, write the option registers, OPTSTRT,
 * wait for BSY, check the errors) and load them (OBL_LAUNCH, which resets the chip). Only FLASH_OPTR and the four
 * WRP registers are touched; OPTSTRT writes the PCROP registers back as they read. */
#ifndef OPTION_BYTES_H
#define OPTION_BYTES_H

#include <stdbool.h>
#include <stdint.h>

#include "flash_status.h"

typedef struct {
    uint32_t optr;
    uint32_t wrp[4];   /* FLASH_WRP1AR, FLASH_WRP1BR, FLASH_WRP2AR, FLASH_WRP2BR */
} option_bytes_t;

/* The option registers as they read after a reset: the values loaded at the last power-on or OBL_LAUNCH. */
void option_bytes_read(option_bytes_t *options);
/* FLASH_OPTR.RDP is not 0xAA: read protection level 1 or 2 in force (RM0351 §3.5.1). */
bool option_bytes_read_protected(void);
/* FLASH_SR.OPTVERR: the last loading found a value that did not match its complement and forced RM0351's default. */
bool option_bytes_load_failed(void);
/* Writes the registers and programs them into the option bytes (about 45 ms). They take effect only when loaded. */
flash_status_t option_bytes_program(const option_bytes_t *options);
/* OBL_LAUNCH: loads the option bytes through a system reset (RCC_CSR.OBLRSTF). Returns only when the option lock
 * could not be opened, with the reason. */
flash_status_t option_bytes_launch(void);

#endif /* OPTION_BYTES_H */
