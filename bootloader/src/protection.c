#include "protection.h"

#include <stdbool.h>

#include "board.h"
#include "build_config.h"
#include "flash.h"
#include "memory_map.h"
#include "option_bytes.h"
#include "protection_policy.h"
#include "regs/rcc.h"
#include "text.h"
#include "usart1.h"

_Static_assert(MM_BOOTLOADER_BASE == MM_FLASH_BASE, "WRP1A counts pages from the start of bank 1");
_Static_assert(MM_BOOTLOADER_SIZE % MM_FLASH_PAGE_SIZE == 0u, "WRP protects whole pages");
_Static_assert(MM_BOOTLOADER_SIZE / MM_FLASH_PAGE_SIZE <= FLASH_PAGES_PER_BANK, "WRP1A covers bank 1 only");
/* Every page after the bootloader's must stay writable (no WRP or PCROP over it): the application region, and in
 * SlotMode swap the secondary slot and the swap status behind it. */
#if SLOT_MODE_SWAP
_Static_assert(MM_SWAP_STATUS_BASE + 2u * MM_SWAP_STATUS_AREA_SIZE <= MM_FLASH_BASE + MM_FLASH_SIZE,
               "the slots and the swap status lie inside the flash");
#else
_Static_assert(MM_IMAGE_BASE + MM_IMAGE_SIZE == MM_FLASH_BASE + MM_FLASH_SIZE, "the region ends with the flash");
#endif

static const protection_config_t config = {
    .mode = PROTECT_RDP1 ? PROTECTION_WRP_RDP1 : PROTECT_WRP ? PROTECTION_WRP : PROTECTION_NONE,
    .bootloader_pages = MM_BOOTLOADER_SIZE / MM_FLASH_PAGE_SIZE,
    .pages_per_bank = FLASH_PAGES_PER_BANK,
    .first_region_page = (MM_HEADER_BASE - MM_FLASH_BASE) / MM_FLASH_PAGE_SIZE,
    .last_region_page = FLASH_PAGE_COUNT - 1u,
    .quiet = BOOT_BANNER_QUIET,
};

static bool console_ready;

/* main() sets USART1 up after this runs; it is started here only when there is a line to print. */
static void print(const char *line)
{
    if (!console_ready) {
        usart1_init(BOARD_CONSOLE_BAUD);
        console_ready = true;
    }
    usart1_write_line(line);
}

static void print_failure(const char *step, flash_status_t status)
{
    char buf[96];
    text_t line;
    text_init(&line, buf, sizeof buf);
    text_str(&line, "protection: ");
    text_str(&line, step);
    text_str(&line, " the option bytes failed: ");
    text_str(&line, flash_status_text(status));
    text_str(&line, "; booting on");
    print(buf);
}

void protection_enforce(uint32_t rcc_csr)
{
    option_bytes_t current;
    option_bytes_t wanted;
    option_bytes_read(&current);
    protection_state_t state = {
        .load_failed = option_bytes_load_failed(),
        .after_reload = (rcc_csr & RCC_CSR_OBLRSTF) != 0u,
    };
    if (protection_policy_decide(&config, &current, state, &wanted, print)) {
        /* A power cut from here to the reset leaves either the old option bytes (the next boot programs them again)
         * or the new ones (loaded at power-on); only one inside OPTSTRT's 45 ms tears them (README, Production). */
        const char *step = "programming";
        flash_status_t status = option_bytes_program(&wanted);
        if (status == FLASH_OK) {
            usart1_flush();
            step = "loading";
            status = option_bytes_launch();
        }
        print_failure(step, status);
    }
    if (console_ready) {
        /* main() initialises USART1 again, which would cut a byte still on the line. */
        usart1_flush();
    }
}
