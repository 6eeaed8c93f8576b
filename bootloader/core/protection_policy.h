/* What the bootloader makes of the option bytes at every boot (setting Protection, RM0351 §3.4-§3.5). Portable: it
 * decides from the values in force and says why, one console line at a time; the chip side programs and loads.
 *
 * - BFB2 must read 0 whatever the setting: with BFB2 = 1 ST's system bootloader runs first and may start bank 2,
 *   which here is the middle of the application (AN2606, dual bank boot).
 * - "wrp" and "wrp+rdp1": WRP1A covers exactly the bootloader's pages 0..bootloader_pages-1; "wrp+rdp1": RDP is
 *   level 1. RDP is never lowered (level 1 to 0 mass-erases the flash) and never set to level 2 (irreversible).
 * - Nothing is programmed after an option byte loading reset (the values did not stick: programming again would
 *   loop), nor at RDP level 2 (the option bytes are frozen).
 * - A WRP area over the application region is reported: every update there would fail with WRPERR.
 * - OPTVERR (a value and its complement did not match, e.g. after a power cut during OPTSTRT) is reported; the
 *   defaults RM0351 forced then are taken as they read.
 * - Protection already in force is said at every boot ("protection: WRP pages 0-63, RDP level 1 in force"), unless
 *   quiet (BootBanner quiet): then only what needs doing, or is wrong, makes a line. */
#ifndef PROTECTION_POLICY_H
#define PROTECTION_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "option_bytes.h"

typedef enum {
    PROTECTION_NONE,
    PROTECTION_WRP,
    PROTECTION_WRP_RDP1,
} protection_mode_t;

typedef struct {
    protection_mode_t mode;
    uint32_t bootloader_pages;    /* WRP1A covers pages 0..bootloader_pages-1 of bank 1 */
    uint32_t pages_per_bank;
    uint32_t first_region_page;   /* the application header + image, global page numbers */
    uint32_t last_region_page;
    bool quiet;                   /* no line for protection already in force */
} protection_config_t;

typedef struct {
    bool load_failed;    /* FLASH_SR.OPTVERR */
    bool after_reload;   /* this boot follows the option byte loading reset (RCC_CSR.OBLRSTF) */
} protection_state_t;

/* Sets *wanted to the option bytes the setting asks for and returns whether they must be programmed and loaded now;
 * print receives each line to show ("protection: ..."). */
bool protection_policy_decide(const protection_config_t *config, const option_bytes_t *current,
                              protection_state_t state, option_bytes_t *wanted, void (*print)(const char *line));

#endif /* PROTECTION_POLICY_H */
