/* Embedded flash: unlock/lock, page erase in either bank, double-word programming. Every operation waits for
 * FLASH_SR.BSY to clear, then checks and clears the error flags, and reports the first error found. */
#ifndef FLASH_H
#define FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "flash_status.h"
#include "memory_map.h"

#define FLASH_PAGE_COUNT      (MM_FLASH_SIZE / MM_FLASH_PAGE_SIZE)
/* The 1 MB part is always dual bank: FLASH_CR.PNB counts pages within the bank that FLASH_CR.BKER selects. */
#define FLASH_PAGES_PER_BANK  (FLASH_PAGE_COUNT / 2u)

/* Sets FLASH_ACR.LATENCY and waits until the new value reads back, as RM0351 (read access latency)
 * requires before a clock change relies on it. */
void flash_set_latency(uint32_t wait_states);

/* FLASH_CR: the key sequence (RM0351 §3.3.5); a wrong key locks it until the next reset. flash_lock() sets LOCK,
 * which sets OPTLOCK too. */
flash_status_t flash_unlock(void);
void flash_lock(void);

/* The steps every operation shares, for the option bytes (option_bytes.c): wait for FLASH_SR.BSY to clear; clear the
 * error flags an earlier operation left, which would make the next one fail with PGSERR (RM0351, erase and
 * programming sequences); read and clear them after an operation, reporting the first one set. */
void flash_wait_idle(void);
void flash_clear_errors(void);
flash_status_t flash_take_errors(void);

/* Global page number 0..511 (bank 2 starts at page 256). Needs flash_unlock(). */
flash_status_t flash_erase_page(uint32_t page);
/* Page that holds a flash address; the caller checks the address is inside the flash array. */
uint32_t flash_page_of(uint32_t address);
/* The OTP area (RM0351 §3.3.1, Table 7): 1 KB of write-once double words in bank 1's information block, programmed
 * with the same FLASH_CR.PG sequence as the main memory (ST's HAL admits it in IS_FLASH_PROGRAM_ADDRESS) and never
 * erased. */
#define FLASH_OTP_BASE        0x1FFF7000u
#define FLASH_OTP_SIZE        0x400u

/* Programs len bytes (a multiple of 8) at a double-word aligned address, into erased flash: the main memory or the
 * OTP area, the range wholly inside one of them. Needs flash_unlock(). Reads afterwards see the new bytes (the flash
 * caches are reset). */
flash_status_t flash_program(uint32_t address, const void *data, size_t len);

#endif /* FLASH_H */
