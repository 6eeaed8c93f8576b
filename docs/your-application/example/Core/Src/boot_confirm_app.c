/* boot_confirm() (platform/include/boot_confirm.h) in a few registers: the protocol of bootloader/core/boot_state.h,
 * whose values this file takes from that header.
 *   RTC_BKP3R == BOOT_STATE_CONFIRMED                -> already confirmed;
 *   RTC_BKP3R == BOOT_STATE_TRIAL | k, k < 7         -> program BOOT_STATE_CONFIRM_MAGIC into double word 8 + k of
 *                                                       the boot-state area (header page + 0x780), read it back,
 *                                                       then set RTC_BKP3R = BOOT_STATE_CONFIRMED;
 *   anything else                                    -> not started in trial by the bootloader (e.g. by a debugger).
 * A HAL project programs the double word with
 *   HAL_FLASH_Unlock(); HAL_FLASH_Program(FLASH_TYPEPROGRAM_DOUBLEWORD, address, BOOT_STATE_CONFIRM_MAGIC);
 *   HAL_FLASH_Lock();
 * and writes the backup register with HAL_PWR_EnableBkUpAccess() and HAL_RTCEx_BKUPWrite() (or the two registers
 * below): flash_program_double_word() is what HAL_FLASH_Program does for one double word. */
#include <stdint.h>

#include "boot_confirm_app.h"
#include "boot_state.h"
#include "stm32l475_regs.h"

#define BOOT_STATE_BKP_INDEX 3u /* RTC_BKP3R: platform/include/boot_request.h */

extern const uint8_t _app_header_start[]; /* ORIGIN(APP_HEADER), from the linker script */

static int flash_program_double_word(uint32_t address, uint64_t value)
{
    while ((FLASH_SR & FLASH_SR_BSY) != 0u) {
    }
    FLASH_SR = FLASH_SR_ERRORS | FLASH_SR_EOP; /* write 1 to clear what an earlier operation left */
    FLASH_KEYR = FLASH_KEY1;                   /* RM0351, "Unlocking the Flash memory" */
    FLASH_KEYR = FLASH_KEY2;
    /* ES0250: the data cache may be corrupted by a program while it reads; as HAL does, caches off, reset, on. */
    uint32_t acr = FLASH_ACR;
    FLASH_ACR = acr & ~(FLASH_ACR_ICEN | FLASH_ACR_DCEN);

    /* RM0351 §3.3.7: with PG set, the two words of one double word, low word first. */
    FLASH_CR |= FLASH_CR_PG;
    *(volatile uint32_t *)address = (uint32_t)value;
    *(volatile uint32_t *)(address + 4u) = (uint32_t)(value >> 32);
    while ((FLASH_SR & FLASH_SR_BSY) != 0u) {
    }
    uint32_t errors = FLASH_SR & FLASH_SR_ERRORS;
    FLASH_CR &= ~FLASH_CR_PG;
    FLASH_CR |= FLASH_CR_LOCK;

    /* The caches can be reset only while off (RM0351, FLASH_ACR), so before they go back on. */
    FLASH_ACR |= FLASH_ACR_ICRST | FLASH_ACR_DCRST;
    FLASH_ACR &= ~(FLASH_ACR_ICRST | FLASH_ACR_DCRST);
    FLASH_ACR = acr;
    return errors == 0u;
}

const char *boot_confirm_app(void)
{
    uint32_t state = RTC_BKPR(BOOT_STATE_BKP_INDEX);
    if (state == BOOT_STATE_CONFIRMED) {
        return "already confirmed";
    }
    uint32_t start = state & ~BOOT_STATE_TRIAL_MASK;
    if ((state & BOOT_STATE_TRIAL_MASK) != BOOT_STATE_TRIAL || start >= BOOT_STATE_MAX_ATTEMPTS) {
        return "not started in trial by the bootloader";
    }

    uint32_t address = (uint32_t)(uintptr_t)_app_header_start + BOOT_STATE_OFFSET
                     + BOOT_STATE_DOUBLE_WORD * (BOOT_STATE_FIRST_CONFIRM + start);
    if (!flash_program_double_word(address, BOOT_STATE_CONFIRM_MAGIC)
        || *(const volatile uint64_t *)address != BOOT_STATE_CONFIRM_MAGIC) {
        return "flash error";
    }

    /* A second call in this start must not program the same double word again. The backup domain is write-protected
     * until PWR_CR1.DBP is set (RM0351, "Backup domain access"), which needs the PWR clock. */
    RCC_APB1ENR1 |= RCC_APB1ENR1_PWREN;
    PWR_CR1 |= PWR_CR1_DBP;
    while ((PWR_CR1 & PWR_CR1_DBP) == 0u) {
    }
    RTC_BKPR(BOOT_STATE_BKP_INDEX) = BOOT_STATE_CONFIRMED;
    return "confirmed now";
}
