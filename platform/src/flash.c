#include "flash.h"

#include <stdbool.h>
#include <string.h>

#include "memory_map.h"
#include "regs/flash.h"
#include "text.h"

#define FLASH_DOUBLE_WORD     8u

_Static_assert(FLASH_PAGES_PER_BANK == 256u, "RM0351: 256 pages of 2 KB per bank on the 1 MB STM32L475VG");
_Static_assert(FLASH_PAGES_PER_BANK - 1u <= FLASH_CR_PNB_Msk >> FLASH_CR_PNB_Pos, "PNB must hold a bank's pages");

/* In flash_status_t's order (text_pick: one packed string, no table of pointers; "?" past the last). The hardware's
 * errors by their FLASH_SR flag names (RM0351 §3.7.5 says what each means): short, for the bootloader's flash budget. */
const char *flash_status_text(flash_status_t status)
{
    return text_pick("ok\0range\0unaligned\0locked\0PROGERR\0WRPERR\0PGAERR\0SIZERR\0PGSERR\0MISERR\0"
                     "FASTERR\0RDERR\0OPERR\0",
                     status);
}

void flash_set_latency(uint32_t wait_states)
{
    FLASH->ACR = (FLASH->ACR & ~FLASH_ACR_LATENCY_Msk) | (wait_states << FLASH_ACR_LATENCY_Pos);
    while (((FLASH->ACR & FLASH_ACR_LATENCY_Msk) >> FLASH_ACR_LATENCY_Pos) != wait_states) {
    }
}

flash_status_t flash_unlock(void)
{
    if ((FLASH->CR & FLASH_CR_LOCK) != 0u) {
        FLASH->KEYR = FLASH_KEYR_KEY1;
        FLASH->KEYR = FLASH_KEYR_KEY2;
    }
    return (FLASH->CR & FLASH_CR_LOCK) != 0u ? FLASH_ERR_LOCKED : FLASH_OK;
}

void flash_lock(void)
{
    FLASH->CR |= FLASH_CR_LOCK;
}

void flash_wait_idle(void)
{
    while ((FLASH->SR & FLASH_SR_BSY) != 0u) {
    }
}

void flash_clear_errors(void)
{
    FLASH->SR = FLASH_SR_ALL_ERRORS | FLASH_SR_EOP;
}

flash_status_t flash_take_errors(void)
{
    static const struct { uint32_t flag; flash_status_t status; } map[] = {
        { FLASH_SR_PROGERR, FLASH_ERR_PROGRAMMING },
        { FLASH_SR_WRPERR, FLASH_ERR_WRITE_PROTECTED },
        { FLASH_SR_PGAERR, FLASH_ERR_PROG_ALIGNMENT },
        { FLASH_SR_SIZERR, FLASH_ERR_SIZE },
        { FLASH_SR_PGSERR, FLASH_ERR_SEQUENCE },
        { FLASH_SR_MISERR, FLASH_ERR_MISS },
        { FLASH_SR_FASTERR, FLASH_ERR_FAST },
        { FLASH_SR_RDERR, FLASH_ERR_READ_PROTECTED },
        { FLASH_SR_OPERR, FLASH_ERR_OPERATION },
        { FLASH_SR_OPTVERR, FLASH_ERR_OPERATION },
    };
    uint32_t sr = FLASH->SR;
    flash_clear_errors();
    /* The usual case, after every double word of an update: no flag to look up. */
    if ((sr & FLASH_SR_ALL_ERRORS) == 0u) {
        return FLASH_OK;
    }
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if ((sr & map[i].flag) != 0u) {
            return map[i].status;
        }
    }
    return FLASH_OK;
}

/* ES0250 (STM32L47x/L48x errata), "Data cache might be corrupted during Flash memory read-while-write operation"
 * (an OTP program is a bank-1 operation, RM0351 Table 7, so it gets the same treatment):
 * a data read from one bank while the other is erased or programmed (the literal pools of this code in bank 1
 * during a bank-2 operation) may leave wrong data in the data cache. ST's HAL (HAL_FLASH_Program,
 * HAL_FLASHEx_Erase) and Zephyr's STM32L4 flash driver switch the cache off for the operation; so does this code,
 * the instruction cache with it, as the HAL does for an erase. Returns the caches that were on. */
static uint32_t caches_off(void)
{
    uint32_t enabled = FLASH->ACR & (FLASH_ACR_ICEN | FLASH_ACR_DCEN);
    FLASH->ACR &= ~(FLASH_ACR_ICEN | FLASH_ACR_DCEN);
    return enabled;
}

/* Both caches may hold what the page read before the operation (and the data cache what the erratum left); they
 * can only be reset while disabled (RM0351, FLASH_ACR), so before they are switched back on. */
static void caches_on(uint32_t enabled)
{
    FLASH->ACR |= FLASH_ACR_ICRST | FLASH_ACR_DCRST;
    FLASH->ACR &= ~(FLASH_ACR_ICRST | FLASH_ACR_DCRST);
    FLASH->ACR |= enabled;
}

uint32_t flash_page_of(uint32_t address)
{
    return (address - MM_FLASH_BASE) / MM_FLASH_PAGE_SIZE;
}

flash_status_t flash_erase_page(uint32_t page)
{
    if (page >= FLASH_PAGE_COUNT) {
        return FLASH_ERR_RANGE;
    }
    bool bank2 = page >= FLASH_PAGES_PER_BANK;
    uint32_t pnb = page % FLASH_PAGES_PER_BANK;

    flash_wait_idle();
    flash_clear_errors();
    uint32_t caches = caches_off();
    FLASH->CR = (FLASH->CR & ~(FLASH_CR_PNB_Msk | FLASH_CR_BKER | FLASH_CR_PG))
              | FLASH_CR_PER | (pnb << FLASH_CR_PNB_Pos) | (bank2 ? FLASH_CR_BKER : 0u);
    FLASH->CR |= FLASH_CR_STRT;
    flash_wait_idle();
    FLASH->CR &= ~(FLASH_CR_PER | FLASH_CR_PNB_Msk | FLASH_CR_BKER);

    flash_status_t status = flash_take_errors();
    caches_on(caches);
    return status;
}

static bool inside(uint32_t address, size_t len, uint32_t base, uint32_t size)
{
    return address >= base && len <= size && address - base <= size - len;
}

flash_status_t flash_program(uint32_t address, const void *data, size_t len)
{
    /* PG takes the target from the address alone, main memory or OTP area alike (RM0351 §3.3.7); an OTP double word
     * that is not erased fails with PROGERR like a main-memory one, zeros included (RM0351 §3.3.1). */
    if (!inside(address, len, MM_FLASH_BASE, MM_FLASH_SIZE) && !inside(address, len, FLASH_OTP_BASE, FLASH_OTP_SIZE)) {
        return FLASH_ERR_RANGE;
    }
    if (address % FLASH_DOUBLE_WORD != 0u || len % FLASH_DOUBLE_WORD != 0u) {
        return FLASH_ERR_ALIGNMENT;
    }

    const uint8_t *src = data;
    flash_status_t status = FLASH_OK;
    flash_wait_idle();
    flash_clear_errors();
    uint32_t caches = caches_off();
    FLASH->CR |= FLASH_CR_PG;
    for (size_t offset = 0; offset < len && status == FLASH_OK; offset += FLASH_DOUBLE_WORD) {
        /* A double word is two word writes, low address first; the source may be unaligned. */
        uint32_t words[2];
        memcpy(words, src + offset, sizeof words);
        volatile uint32_t *dst = (volatile uint32_t *)(address + offset);
        dst[0] = words[0];
        dst[1] = words[1];
        flash_wait_idle();
        status = flash_take_errors();
    }
    FLASH->CR &= ~FLASH_CR_PG;
    caches_on(caches);
    return status;
}
