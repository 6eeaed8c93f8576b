/* The option-byte policy of the setting Protection: what each mode programs, what it leaves alone, and the line it
 * prints for each, from the values the chip loaded. */
#include <string.h>

#include "check.h"
#include "protection_policy.h"

#define FACTORY_OPTR 0xFFEFF8AAu   /* RDP 0xAA, BFB2 0 */
#define NO_AREA      0xFF00FFFFu   /* start 0xFF above end 0x00 */
#define BFB2         (1u << 20)
#define BOOT_PAGES   0xFF3FFF00u   /* pages 0-63, reserved bits as read */

static char lines[8][96];
static unsigned line_count;

static void print(const char *line)
{
    if (line_count < 8u) {
        strncpy(lines[line_count], line, sizeof lines[0] - 1u);
    }
    line_count++;
}

static protection_config_t config(protection_mode_t mode)
{
    return (protection_config_t){
        .mode = mode, .bootloader_pages = 64u, .pages_per_bank = 256u, .first_region_page = 64u, .last_region_page = 511u,
    };
}

static const option_bytes_t factory = { FACTORY_OPTR, { NO_AREA, NO_AREA, NO_AREA, NO_AREA } };

static bool decide_with(protection_config_t c, option_bytes_t current, protection_state_t state, option_bytes_t *wanted)
{
    memset(lines, 0, sizeof lines);
    line_count = 0u;
    return protection_policy_decide(&c, &current, state, wanted, print);
}

static bool decide(protection_mode_t mode, option_bytes_t current, protection_state_t state, option_bytes_t *wanted)
{
    return decide_with(config(mode), current, state, wanted);
}

static bool decide_quietly(protection_mode_t mode, option_bytes_t current, protection_state_t state,
                           option_bytes_t *wanted)
{
    protection_config_t c = config(mode);
    c.quiet = true;
    return decide_with(c, current, state, wanted);
}

static void none_leaves_factory_option_bytes_alone_and_says_nothing(void)
{
    option_bytes_t wanted;
    CHECK_TRUE(!decide(PROTECTION_NONE, factory, (protection_state_t){ 0 }, &wanted));
    CHECK_EQ_U32(0u, line_count);
    CHECK_TRUE(memcmp(&wanted, &factory, sizeof wanted) == 0);
}

static void bfb2_is_cleared_whatever_the_mode(void)
{
    option_bytes_t current = factory;
    current.optr |= BFB2;
    option_bytes_t wanted;
    CHECK_TRUE(decide(PROTECTION_NONE, current, (protection_state_t){ 0 }, &wanted));
    CHECK_EQ_U32(FACTORY_OPTR, wanted.optr);
    CHECK_EQ_U32(1u, line_count);
    CHECK_EQ_STR("protection: BFB2 set (ST's bootloader could start bank 2): clearing it", lines[0]);
}

static void wrp_rdp1_sets_both_in_one_programming(void)
{
    option_bytes_t wanted;
    CHECK_TRUE(decide(PROTECTION_WRP_RDP1, factory, (protection_state_t){ 0 }, &wanted));
    CHECK_EQ_U32(0xFFEFF8BBu, wanted.optr);
    CHECK_EQ_U32(BOOT_PAGES, wanted.wrp[0]);
    CHECK_EQ_U32(NO_AREA, wanted.wrp[1]);
    CHECK_EQ_STR("protection: setting WRP pages 0-63, RDP level 1", lines[0]);
}

static void a_later_boot_verifies_and_programs_nothing(void)
{
    option_bytes_t current = { 0xFFEFF8BBu, { BOOT_PAGES, NO_AREA, NO_AREA, NO_AREA } };
    option_bytes_t wanted;
    CHECK_TRUE(!decide(PROTECTION_WRP_RDP1, current, (protection_state_t){ 0 }, &wanted));
    CHECK_EQ_U32(1u, line_count);
    CHECK_EQ_STR("protection: WRP pages 0-63, RDP level 1 in force", lines[0]);
}

/* BootBanner quiet: protection in force is no news, and a boot with nothing to report prints nothing. */
static void quiet_says_nothing_of_protection_in_force(void)
{
    option_bytes_t current = { 0xFFEFF8BBu, { BOOT_PAGES, NO_AREA, NO_AREA, NO_AREA } };
    option_bytes_t wanted;
    CHECK_TRUE(!decide_quietly(PROTECTION_WRP_RDP1, current, (protection_state_t){ 0 }, &wanted));
    CHECK_EQ_U32(0u, line_count);
    CHECK_TRUE(memcmp(&wanted, &current, sizeof wanted) == 0);
    /* wrp finding level 1 already: the "kept" note is every boot's too. */
    CHECK_TRUE(!decide_quietly(PROTECTION_WRP, current, (protection_state_t){ 0 }, &wanted));
    CHECK_EQ_U32(0u, line_count);
}

/* Quiet still says what the bootloader does to the option bytes, and what is wrong with them. */
static void quiet_still_says_what_it_programs_and_what_is_wrong(void)
{
    option_bytes_t wanted;
    CHECK_TRUE(decide_quietly(PROTECTION_WRP_RDP1, factory, (protection_state_t){ 0 }, &wanted));
    CHECK_EQ_U32(1u, line_count);
    CHECK_EQ_STR("protection: setting WRP pages 0-63, RDP level 1", lines[0]);

    option_bytes_t bfb2 = factory;
    bfb2.optr |= BFB2;
    CHECK_TRUE(decide_quietly(PROTECTION_NONE, bfb2, (protection_state_t){ 0 }, &wanted));
    CHECK_EQ_U32(1u, line_count);
    CHECK_EQ_STR("protection: BFB2 set (ST's bootloader could start bank 2): clearing it", lines[0]);

    /* In force, but with an area over the application and after a failed load: both reported, in force not. */
    option_bytes_t wrong = { 0xFFEFF8BBu, { BOOT_PAGES, NO_AREA, NO_AREA, 0xFF0AFF02u } };
    CHECK_TRUE(!decide_quietly(PROTECTION_WRP_RDP1, wrong, (protection_state_t){ .load_failed = true }, &wanted));
    CHECK_EQ_U32(2u, line_count);
    CHECK_EQ_STR("protection: OPTVERR: option bytes loaded as RM0351's defaults", lines[0]);
    CHECK_EQ_STR("protection: WRP pages 2-10 of bank 2 over the application: updates fail (WRPERR)", lines[1]);

    CHECK_TRUE(!decide_quietly(PROTECTION_WRP_RDP1, factory, (protection_state_t){ .after_reload = true }, &wanted));
    CHECK_EQ_U32(2u, line_count);
    CHECK_EQ_STR("protection: option bytes differ after the reload: not programming again", lines[1]);
}

static void wrp_leaves_level_1_alone_and_says_why(void)
{
    option_bytes_t current = { 0xFFEFF8BBu, { NO_AREA, NO_AREA, NO_AREA, NO_AREA } };
    option_bytes_t wanted;
    CHECK_TRUE(decide(PROTECTION_WRP, current, (protection_state_t){ 0 }, &wanted));
    CHECK_EQ_U32(0xFFEFF8BBu, wanted.optr);
    CHECK_EQ_U32(BOOT_PAGES, wanted.wrp[0]);
    CHECK_EQ_STR("protection: setting WRP pages 0-63, RDP level 1 (kept: level 0 erases the flash)", lines[0]);
}

static void wrp_without_rdp_keeps_level_0(void)
{
    option_bytes_t wanted;
    CHECK_TRUE(decide(PROTECTION_WRP, factory, (protection_state_t){ 0 }, &wanted));
    CHECK_EQ_U32(FACTORY_OPTR, wanted.optr);
    CHECK_EQ_STR("protection: setting WRP pages 0-63, RDP level 0", lines[0]);
}

static void a_wider_wrp1a_is_narrowed_to_exactly_the_bootloader(void)
{
    option_bytes_t current = { FACTORY_OPTR, { 0xFF7FFF00u, NO_AREA, NO_AREA, NO_AREA } };   /* pages 0-127 */
    option_bytes_t wanted;
    CHECK_TRUE(decide(PROTECTION_WRP, current, (protection_state_t){ 0 }, &wanted));
    CHECK_EQ_U32(BOOT_PAGES, wanted.wrp[0]);
    CHECK_EQ_STR("protection: WRP pages 0-127 of bank 1 over the application: updates fail (WRPERR)",
                 lines[0]);
}

static void an_area_over_the_application_is_reported_and_left(void)
{
    option_bytes_t current = { FACTORY_OPTR, { NO_AREA, NO_AREA, NO_AREA, 0xFF0AFF02u } };   /* bank 2 pages 2-10 */
    option_bytes_t wanted;
    CHECK_TRUE(!decide(PROTECTION_NONE, current, (protection_state_t){ 0 }, &wanted));
    CHECK_EQ_U32(0xFF0AFF02u, wanted.wrp[3]);
    CHECK_EQ_STR("protection: WRP pages 2-10 of bank 2 over the application: updates fail (WRPERR)",
                 lines[0]);
}

static void nothing_is_programmed_again_after_the_reload(void)
{
    option_bytes_t wanted;
    CHECK_TRUE(!decide(PROTECTION_WRP_RDP1, factory, (protection_state_t){ .after_reload = true }, &wanted));
    CHECK_EQ_U32(2u, line_count);
    CHECK_EQ_STR("protection: option bytes differ after the reload: not programming again", lines[1]);
}

static void level_2_freezes_the_option_bytes(void)
{
    option_bytes_t current = { 0xFFFFF8CCu, { NO_AREA, NO_AREA, NO_AREA, NO_AREA } };   /* BFB2 set too */
    option_bytes_t wanted;
    CHECK_TRUE(!decide(PROTECTION_WRP_RDP1, current, (protection_state_t){ 0 }, &wanted));
    CHECK_EQ_STR("protection: setting WRP pages 0-63, RDP level 2", lines[1]);
    CHECK_EQ_STR("protection: RDP level 2: option bytes frozen", lines[2]);
}

/* After a power cut during OPTSTRT: RM0351's mismatch values (every user option 1, BOR_LEV 0, RDP level 1, no WRP). */
static void mismatch_values_are_reported_and_repaired_without_lowering_rdp(void)
{
    option_bytes_t current = { 0xFFFFF8FFu, { NO_AREA, NO_AREA, NO_AREA, NO_AREA } };
    option_bytes_t wanted;
    CHECK_TRUE(decide(PROTECTION_NONE, current, (protection_state_t){ .load_failed = true }, &wanted));
    CHECK_EQ_STR("protection: OPTVERR: option bytes loaded as RM0351's defaults", lines[0]);
    CHECK_EQ_U32(0xFFEFF8FFu, wanted.optr);   /* BFB2 cleared, RDP stays at level 1 */
}

int main(void)
{
    RUN_TEST(none_leaves_factory_option_bytes_alone_and_says_nothing);
    RUN_TEST(bfb2_is_cleared_whatever_the_mode);
    RUN_TEST(wrp_rdp1_sets_both_in_one_programming);
    RUN_TEST(a_later_boot_verifies_and_programs_nothing);
    RUN_TEST(quiet_says_nothing_of_protection_in_force);
    RUN_TEST(quiet_still_says_what_it_programs_and_what_is_wrong);
    RUN_TEST(wrp_leaves_level_1_alone_and_says_why);
    RUN_TEST(wrp_without_rdp_keeps_level_0);
    RUN_TEST(a_wider_wrp1a_is_narrowed_to_exactly_the_bootloader);
    RUN_TEST(an_area_over_the_application_is_reported_and_left);
    RUN_TEST(nothing_is_programmed_again_after_the_reload);
    RUN_TEST(level_2_freezes_the_option_bytes);
    RUN_TEST(mismatch_values_are_reported_and_repaired_without_lowering_rdp);
    return check_summary();
}
