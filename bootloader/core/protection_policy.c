#include "protection_policy.h"

#include <string.h>

#include "regs/flash.h"
#include "text.h"

/* RDP 0xBB: any value but 0xAA and 0xCC is level 1 (RM0351 §3.5.1); ST's HAL uses this one (OB_RDP_LEVEL_1). */
#define RDP_LEVEL1 0xBBu

typedef struct {
    text_t text;
    char buf[96];
} line_t;

static __attribute__((noinline)) text_t *line_start(line_t *line)
{
    text_init(&line->text, line->buf, sizeof line->buf);
    text_str(&line->text, "protection: ");
    return &line->text;
}

static uint32_t rdp_level(uint32_t optr)
{
    uint32_t rdp = optr & FLASH_OPTR_RDP_Msk;
    return rdp == FLASH_OPTR_RDP_LEVEL0 ? 0u : rdp == FLASH_OPTR_RDP_LEVEL2 ? 2u : 1u;
}

static __attribute__((noinline)) void wrp_pages(text_t *text, uint32_t first, uint32_t last)
{
    text_str(text, "WRP pages ");
    text_u32(text, first);
    text_char(text, '-');
    text_u32(text, last);
}

/* Every WRP area over the application region, which updates erase and program. */
static void report_overlaps(const protection_config_t *config, const option_bytes_t *current,
                            void (*print)(const char *line))
{
    for (uint32_t i = 0; i < 4u; i++) {
        uint32_t first = (current->wrp[i] >> FLASH_WRP_STRT_Pos) & 0xFFu;
        uint32_t last = (current->wrp[i] >> FLASH_WRP_END_Pos) & 0xFFu;
        uint32_t bank_base = i < 2u ? 0u : config->pages_per_bank;
        if (first > last || bank_base + last < config->first_region_page
            || bank_base + first > config->last_region_page) {
            continue;
        }
        line_t line;
        text_t *text = line_start(&line);
        wrp_pages(text, first, last);
        text_str(text, i < 2u ? " of bank 1" : " of bank 2");
        text_str(text, " over the application: updates fail (WRPERR)");
        print(text->buf);
    }
}

bool protection_policy_decide(const protection_config_t *config, const option_bytes_t *current,
                              protection_state_t state, option_bytes_t *wanted, void (*print)(const char *line))
{
    line_t line;
    *wanted = *current;
    if (state.load_failed) {
        text_str(line_start(&line), "OPTVERR: option bytes loaded as RM0351's defaults");
        print(line.buf);
    }
    report_overlaps(config, current, print);
    if ((current->optr & FLASH_OPTR_BFB2) != 0u) {
        wanted->optr &= ~FLASH_OPTR_BFB2;
        text_str(line_start(&line), "BFB2 set (ST's bootloader could start bank 2): clearing it");
        print(line.buf);
    }

    uint32_t level = rdp_level(current->optr);
    if (config->mode != PROTECTION_NONE) {
        uint32_t last = config->bootloader_pages - 1u;
        wanted->wrp[0] = (current->wrp[0] & ~FLASH_WRP_Msk) | (last << FLASH_WRP_END_Pos);
        bool set_rdp = config->mode == PROTECTION_WRP_RDP1 && level == 0u;
        if (set_rdp) {
            wanted->optr = (wanted->optr & ~FLASH_OPTR_RDP_Msk) | RDP_LEVEL1;
        }
        bool set = set_rdp || wanted->wrp[0] != current->wrp[0];
        /* Quiet: protection in force is every boot's state, not news. */
        if (set || !config->quiet) {
            text_t *text = line_start(&line);
            text_str(text, set ? "setting " : "");
            wrp_pages(text, 0u, last);
            text_str(text, ", RDP level ");
            text_u32(text, set_rdp ? 1u : level);
            text_str(text, set ? "" : " in force");
            if (config->mode == PROTECTION_WRP && level == 1u) {
                text_str(text, " (kept: level 0 erases the flash)");
            }
            print(text->buf);
        }
    }

    if (memcmp(wanted, current, sizeof *wanted) == 0) {
        return false;
    }
    if (level == 2u) {
        text_str(line_start(&line), "RDP level 2: option bytes frozen");
        print(line.buf);
        return false;
    }
    if (state.after_reload) {
        text_str(line_start(&line), "option bytes differ after the reload: not programming again");
        print(line.buf);
        return false;
    }
    return true;
}
