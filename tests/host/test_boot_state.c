/* The boot-attempt rule (boot_state.h): the trial marker the flash writer commits with an update, the start marks
 * the bootloader programs, the confirmation the application programs, and power cuts during each of those flash
 * operations (the operation not applied, half applied from its start, half applied to its end). The boot below is
 * the bootloader's (bootloader/src/main.c) reduced to the rule: read the state, let the entry policy decide, mark
 * the start, set RTC_BKP3R. */
#include <stdio.h>
#include <string.h>

#include "boot_state.h"
#include "check.h"
#include "device.h"
#include "entry_policy.h"
#include "host.h"
#include "test_image.h"

#define STATE_ADDR (DEV_HEADER_ADDR + BOOT_STATE_OFFSET)

static test_image_t image;

typedef struct {
    entry_decision_t decision;
    uint32_t boot_state_register;   /* RTC_BKP3R as the application finds it */
    bool power_lost;                /* power failed during the start mark: the application never ran */
} boot_t;

static boot_state_t state_now(void)
{
    return boot_state_read(&dev.flash_port, DEV_HEADER_ADDR);
}

static uint64_t slot(uint32_t index)
{
    uint64_t value;
    memcpy(&value, device_flash_at(STATE_ADDR + index * BOOT_STATE_DOUBLE_WORD), sizeof value);
    return value;
}

/* A reset: what the bootloader decides, and the start mark it programs before it jumps. */
static boot_t boot(uint32_t boot_attempts)
{
    device_reboot();
    image_header_t header;
    entry_inputs_t inputs = {
        .image = device_boot_check(&header),
        .boot_attempts = boot_attempts,
        .boot_state = state_now(),
    };
    boot_t result = { .decision = entry_policy_decide(&inputs) };
    bool trial = boot_attempts != 0u && inputs.boot_state.trial;
    if (result.decision == ENTRY_BOOT && trial
        && !boot_state_mark(&dev.write_port, DEV_HEADER_ADDR, BOOT_STATE_FIRST_START + inputs.boot_state.starts,
                            BOOT_STATE_START_MAGIC)) {
        result.power_lost = dev.ops.power_lost;
        result.decision = ENTRY_STAY_START_NOT_RECORDED;
    }
    result.boot_state_register = boot_state_register(trial, inputs.boot_state.starts);
    return result;
}

static boot_confirm_status_t confirm(uint32_t boot_state_register)
{
    return boot_state_confirm(&dev.flash_port, &dev.write_port, DEV_HEADER_ADDR, boot_state_register);
}

/* The image installed over the UART as stm32flash does it, by a bootloader built with or without BootAttempts; the
 * host's bytes in the state area are junk the writer must not program. */
static void install_over_uart(bool mark_trial)
{
    device_factory_fresh();
    dev.writer_config.mark_trial = mark_trial;
    device_reboot();
    test_image_build(&image, 3000u, 5u);
    memset(image.bin + BOOT_STATE_OFFSET, 0x00, BOOT_STATE_SIZE);
    CHECK_TRUE(host_sync());
    fake_flash_ops_clear_log(&dev.ops);
    CHECK_TRUE(host_flash_like_stm32flash(image.bin, image.bin_len));
    CHECK_TRUE(host_go(DEV_IMAGE_ADDR));
}

static void an_update_starts_in_trial_and_the_hosts_bytes_in_the_state_area_are_never_programmed(void)
{
    install_over_uart(true);

    image_header_t header;
    CHECK_EQ_U32(IMAGE_OK, device_boot_check(&header));
    boot_state_t state = state_now();
    CHECK_TRUE(state.trial);
    CHECK_EQ_U32(0, state.starts);
    CHECK_TRUE(slot(BOOT_STATE_TRIAL_SLOT) == BOOT_STATE_TRIAL_MAGIC);
    /* The host's bytes there were staged and read back (stm32flash's verify passed), never programmed. */
    CHECK_TRUE(device_erased(STATE_ADDR + BOOT_STATE_DOUBLE_WORD, BOOT_STATE_SIZE - BOOT_STATE_DOUBLE_WORD));
    CHECK_EQ_U32(0, dev.ops.program_over_data);
}

/* The install request of SlotMode swap is the trial marker programmed whole: erased, cut short or any other bytes
 * are no request. */
static void the_trial_marker_requests_only_when_it_reads_exactly_its_magic(void)
{
    install_over_uart(true);
    CHECK_TRUE(boot_state_trial_requested(&dev.flash_port, DEV_HEADER_ADDR));

    device_factory_fresh();
    CHECK_TRUE(!boot_state_trial_requested(&dev.flash_port, DEV_HEADER_ADDR));
    /* A program cut short leaves some of the magic's zero bits still at one. */
    uint64_t torn = BOOT_STATE_TRIAL_MAGIC | 0x0F0Fu;
    memcpy(device_flash_at(STATE_ADDR), &torn, sizeof torn);
    CHECK_TRUE(!boot_state_trial_requested(&dev.flash_port, DEV_HEADER_ADDR));
}

static void the_commit_programs_the_trial_marker_first_and_the_magic_last(void)
{
    device_factory_fresh();
    dev.writer_config.mark_trial = true;
    device_reboot();
    test_image_build(&image, 3000u, 7u);
    CHECK_TRUE(host_sync());
    for (size_t offset = DEV_PAGE_SIZE; offset < image.bin_len; offset += 256u) {
        size_t n = image.bin_len - offset < 256u ? image.bin_len - offset : 256u;
        CHECK_TRUE(host_write(DEV_HEADER_ADDR + (uint32_t)offset, image.bin + offset, n));
    }
    host_settle();
    fake_flash_ops_clear_log(&dev.ops);
    CHECK_TRUE(host_write(DEV_HEADER_ADDR, image.bin, IMAGE_HEADER_SIZE));

    /* The trial marker, the header's double words 1..7, then double word 0 (the magic). */
    CHECK_EQ_U32(1u + IMAGE_HEADER_SIZE / 8u, dev.ops.log_len);
    CHECK_EQ_U32(OP_PROGRAM, dev.ops.log[0].kind);
    CHECK_EQ_U32(STATE_ADDR, dev.ops.log[0].addr);
    for (uint32_t i = 1; i < IMAGE_HEADER_SIZE / 8u; i++) {
        CHECK_EQ_U32(DEV_HEADER_ADDR + 8u * i, dev.ops.log[i].addr);
    }
    CHECK_EQ_U32(DEV_HEADER_ADDR, dev.ops.log[IMAGE_HEADER_SIZE / 8u].addr);
    CHECK_TRUE(state_now().trial);
}

static void without_boot_attempts_an_update_writes_no_marker_and_nothing_is_counted(void)
{
    install_over_uart(false);

    CHECK_TRUE(device_erased(STATE_ADDR, BOOT_STATE_SIZE));
    CHECK_TRUE(!state_now().trial);
    for (int i = 0; i < 10; i++) {
        boot_t b = boot(0u);
        CHECK_EQ_U32(ENTRY_BOOT, b.decision);
        CHECK_EQ_U32(BOOT_STATE_CONFIRMED, b.boot_state_register);
    }
    CHECK_TRUE(device_erased(STATE_ADDR, BOOT_STATE_SIZE));
    /* A marker left by an earlier build with the rule on is ignored too. */
    install_over_uart(true);
    for (int i = 0; i < 10; i++) {
        CHECK_EQ_U32(ENTRY_BOOT, boot(0u).decision);
    }
    CHECK_EQ_U32(0, state_now().starts);
}

static void an_image_programmed_by_a_programmer_counts_as_confirmed(void)
{
    device_factory_fresh();
    test_image_build(&image, 3000u, 6u);
    test_image_install(&image);
    for (int i = 0; i < 10; i++) {
        boot_t b = boot(3u);
        CHECK_EQ_U32(ENTRY_BOOT, b.decision);
        CHECK_EQ_U32(BOOT_STATE_CONFIRMED, b.boot_state_register);
        CHECK_EQ_U32(BOOT_CONFIRM_ALREADY, confirm(b.boot_state_register));
    }
    CHECK_TRUE(device_erased(STATE_ADDR, BOOT_STATE_SIZE));
}

static void an_unconfirmed_image_starts_exactly_boot_attempts_times(void)
{
    for (uint32_t attempts = 1u; attempts <= BOOT_STATE_MAX_ATTEMPTS; attempts++) {
        install_over_uart(true);
        for (uint32_t k = 0; k < attempts; k++) {
            boot_t b = boot(attempts);
            CHECK_EQ_U32(ENTRY_BOOT, b.decision);
            CHECK_EQ_U32(BOOT_STATE_TRIAL | k, b.boot_state_register);
        }
        for (int again = 0; again < 3; again++) {
            CHECK_EQ_U32(ENTRY_STAY_NOT_CONFIRMED, boot(attempts).decision);
        }
        CHECK_EQ_U32(attempts, state_now().starts);
        CHECK_EQ_U32(0, dev.ops.program_over_data);
    }
}

static void a_confirmed_image_keeps_starting_and_a_second_confirm_changes_nothing(void)
{
    install_over_uart(true);
    CHECK_EQ_U32(ENTRY_BOOT, boot(3u).decision);
    boot_t second = boot(3u);
    CHECK_EQ_U32(BOOT_STATE_TRIAL | 1u, second.boot_state_register);
    CHECK_EQ_U32(BOOT_CONFIRM_NOW, confirm(second.boot_state_register));
    CHECK_TRUE(slot(BOOT_STATE_FIRST_CONFIRM + 1u) == BOOT_STATE_CONFIRM_MAGIC);
    /* boot_confirm() stores BOOT_STATE_CONFIRMED; the double word itself cannot be programmed twice. */
    CHECK_EQ_U32(BOOT_CONFIRM_FLASH_ERROR, confirm(second.boot_state_register));
    CHECK_EQ_U32(BOOT_CONFIRM_ALREADY, confirm(BOOT_STATE_CONFIRMED));

    uint8_t before[BOOT_STATE_SIZE];
    memcpy(before, device_flash_at(STATE_ADDR), sizeof before);
    for (int i = 0; i < 20; i++) {
        boot_t b = boot(3u);
        CHECK_EQ_U32(ENTRY_BOOT, b.decision);
        CHECK_EQ_U32(BOOT_STATE_CONFIRMED, b.boot_state_register);
    }
    CHECK_TRUE(memcmp(before, device_flash_at(STATE_ADDR), sizeof before) == 0);
    CHECK_EQ_U32(2, state_now().starts);
}

static void a_register_the_bootloader_did_not_write_confirms_nothing(void)
{
    install_over_uart(true);
    CHECK_EQ_U32(BOOT_CONFIRM_NOT_IN_TRIAL, confirm(0u));
    CHECK_EQ_U32(BOOT_CONFIRM_NOT_IN_TRIAL, confirm(BOOT_STATE_TRIAL | BOOT_STATE_MAX_ATTEMPTS));
    CHECK_EQ_U32(BOOT_CONFIRM_NOT_IN_TRIAL, confirm(0x7E57A000u));
    CHECK_TRUE(state_now().trial);
    CHECK_TRUE(device_erased(STATE_ADDR + BOOT_STATE_FIRST_CONFIRM * BOOT_STATE_DOUBLE_WORD, 7u * 8u));
}

static void restaging_the_installed_header_keeps_the_state_and_a_new_installation_counts_afresh(void)
{
    install_over_uart(true);
    CHECK_EQ_U32(ENTRY_BOOT, boot(3u).decision);
    CHECK_EQ_U32(ENTRY_BOOT, boot(3u).decision);
    /* A host that writes the installed header again, and nothing else: nothing to program, the count goes on. */
    device_reboot();
    CHECK_TRUE(host_sync());
    CHECK_TRUE(host_write(DEV_HEADER_ADDR, image.bin, IMAGE_HEADER_SIZE));
    CHECK_TRUE(host_go(DEV_IMAGE_ADDR));
    CHECK_EQ_U32(0, dev.ops.completed);
    CHECK_EQ_U32(2, state_now().starts);
    /* Writing the image again erases its pages and the header with them: a new installation, counted afresh. */
    device_reboot();
    CHECK_TRUE(host_sync());
    CHECK_TRUE(host_flash_header_last(image.bin, image.bin_len));
    boot_state_t state = state_now();
    CHECK_TRUE(state.trial);
    CHECK_EQ_U32(0, state.starts);
}

static const cut_mode_t modes[] = { CUT_NOTHING_APPLIED, CUT_FIRST_HALF_APPLIED, CUT_SECOND_HALF_APPLIED };
#define MODE_COUNT (sizeof modes / sizeof modes[0])

/* Power fails during the start mark of every start, in every way: the application does not run then, the count
 * moves by at most that one start, and the image still gets no more than BootAttempts starts in all. */
static void a_cut_during_a_start_mark_counts_that_start_at_most(void)
{
    const uint32_t attempts = 3u;
    for (size_t m = 0; m < MODE_COUNT; m++) {
        for (uint32_t cut_start = 0; cut_start < attempts; cut_start++) {
            install_over_uart(true);
            uint32_t runs = 0u;
            for (uint32_t k = 0; k < cut_start; k++) {
                runs += boot(attempts).decision == ENTRY_BOOT;
            }
            device_reboot();
            uint32_t before = state_now().starts;
            /* The next flash operation is the start mark. */
            dev.ops.cut_at = 0;
            dev.ops.cut_mode = modes[m];
            image_header_t header;
            entry_inputs_t inputs = { .image = device_boot_check(&header), .boot_attempts = attempts,
                                      .boot_state = state_now() };
            CHECK_EQ_U32(ENTRY_BOOT, entry_policy_decide(&inputs));
            CHECK_TRUE(!boot_state_mark(&dev.write_port, DEV_HEADER_ADDR, BOOT_STATE_FIRST_START + before,
                                        BOOT_STATE_START_MAGIC));
            CHECK_TRUE(dev.ops.power_lost);

            device_reboot();
            boot_state_t after = state_now();
            CHECK_TRUE(after.trial);
            /* Nothing applied: not counted; any bit programmed: counted (the safe side). */
            CHECK_EQ_U32(before + (modes[m] == CUT_NOTHING_APPLIED ? 0u : 1u), after.starts);
            for (int i = 0; i < 10; i++) {
                runs += boot(attempts).decision == ENTRY_BOOT;
            }
            CHECK_EQ_U32(ENTRY_STAY_NOT_CONFIRMED, boot(attempts).decision);
            CHECK_EQ_U32(attempts - (after.starts - before), runs);
            CHECK_EQ_U32(0, dev.ops.program_over_data);
        }
    }
}

/* Power fails during the confirmation, in every way, in every start: it never counts as one (the image stays in
 * trial and the next start confirms into its own double word), and a completed one is never lost. */
static void a_cut_during_the_confirmation_is_no_confirmation_and_the_next_start_confirms(void)
{
    const uint32_t attempts = 3u;
    for (size_t m = 0; m < MODE_COUNT; m++) {
        for (uint32_t cut_start = 0; cut_start < attempts; cut_start++) {
            install_over_uart(true);
            for (uint32_t k = 0; k < cut_start; k++) {
                CHECK_EQ_U32(ENTRY_BOOT, boot(attempts).decision);
            }
            boot_t b = boot(attempts);
            CHECK_EQ_U32(ENTRY_BOOT, b.decision);
            dev.ops.cut_at = dev.ops.completed;
            dev.ops.cut_mode = modes[m];
            CHECK_EQ_U32(BOOT_CONFIRM_FLASH_ERROR, confirm(b.boot_state_register));
            CHECK_TRUE(dev.ops.power_lost);

            device_reboot();
            CHECK_TRUE(state_now().trial);
            boot_t next = boot(attempts);
            if (cut_start + 1u == attempts) {
                /* That was the last start it had: a cut confirmation does not buy another. */
                CHECK_EQ_U32(ENTRY_STAY_NOT_CONFIRMED, next.decision);
                continue;
            }
            CHECK_EQ_U32(ENTRY_BOOT, next.decision);
            CHECK_EQ_U32(BOOT_CONFIRM_NOW, confirm(next.boot_state_register));
            for (int i = 0; i < 10; i++) {
                CHECK_EQ_U32(BOOT_STATE_CONFIRMED, boot(attempts).boot_state_register);
            }
            CHECK_EQ_U32(0, dev.ops.program_over_data);
        }
    }
}

int main(void)
{
    RUN_TEST(an_update_starts_in_trial_and_the_hosts_bytes_in_the_state_area_are_never_programmed);
    RUN_TEST(the_trial_marker_requests_only_when_it_reads_exactly_its_magic);
    RUN_TEST(the_commit_programs_the_trial_marker_first_and_the_magic_last);
    RUN_TEST(without_boot_attempts_an_update_writes_no_marker_and_nothing_is_counted);
    RUN_TEST(an_image_programmed_by_a_programmer_counts_as_confirmed);
    RUN_TEST(an_unconfirmed_image_starts_exactly_boot_attempts_times);
    RUN_TEST(a_confirmed_image_keeps_starting_and_a_second_confirm_changes_nothing);
    RUN_TEST(a_register_the_bootloader_did_not_write_confirms_nothing);
    RUN_TEST(restaging_the_installed_header_keeps_the_state_and_a_new_installation_counts_afresh);
    RUN_TEST(a_cut_during_a_start_mark_counts_that_start_at_most);
    RUN_TEST(a_cut_during_the_confirmation_is_no_confirmation_and_the_next_start_confirms);
    return check_summary();
}
