/* Bootloader entry: decide between the application and update mode (docs/design.md §5), say which on USART1. */
#include <stdbool.h>
#include <stdint.h>

#include "acceptance.h"
#include "backup.h"
#include "banner.h"
#include "board.h"
#include "boot_jump.h"
#include "boot_request.h"
#include "boot_state.h"
#include "build_config.h"
#include "cortex.h"
#include "entry_policy.h"
#include "fault_record.h"
#include "flash_port.h"
#include "flash_write_port.h"
#include "gpio.h"
#include "image_check.h"
#include "image_policy.h"
#include "iwdg.h"
#include "memory_map.h"
#include "protection.h"
#include "rcc.h"
#include "reset_cause.h"
#include "rollback.h"
#include "slot_boot.h"
#include "systick.h"
#include "text.h"
#include "update_mode.h"
#include "usart1.h"

_Static_assert((BOARD_ID >> 16) == BOARD_DEVICE_ID,
               "BoardId in build/settings.json must carry the device id 0x415 in its high half");
_Static_assert(MM_HEADER_SIZE >= sizeof(image_header_t), "the header page must hold the image header");
_Static_assert(BOOT_ATTEMPTS <= BOOT_STATE_MAX_ATTEMPTS, "BootAttempts: the header page has room for 7 start marks");

/* A wait of the boot path, in the main thread: the watchdog (which may run from reset, option byte IWDG_SW = 0) is
 * refreshed on every wake-up, at least every millisecond, so a hang anywhere else is still caught. */
static void sleep_until_elapsed(uint32_t start_ms, uint32_t duration_ms)
{
    while (systick_ms() - start_ms < duration_ms) {
        iwdg_refresh();
        cortex_wfi();
    }
}

/* The policy's verdict on the image the boot check accepted. Its signature was verified before the update path
 * committed its header, and only the bootloader writes the application region (WRP keeps the application's own
 * writes out of the bootloader, not out of its own pages): what a boot can check in microseconds, the block's key and
 * counter, it checks at every boot; the whole signature (144 ms for a small image, ~300 ms for 256 KB: Bench) only
 * with VerifySignatureAtBoot, for products where something else may write the image region (a debugger at RDP 0,
 * the application itself). */
static image_verdict_t boot_policy(const image_header_t *header)
{
    if (!REQUIRE_SIGNATURE) {
        return (image_verdict_t){ .kind = IMAGE_VERDICT_OK };
    }
    if (VERIFY_SIGNATURE_AT_BOOT) {
        static image_verify_workspace_t work;
        image_header_t again;
        return image_policy_check(&acceptance_policy, &flash_port, &again, &work);
    }
    return image_policy_check_header(&acceptance_policy, (const uint8_t *)header,
                                     (const uint8_t *)(MM_HEADER_BASE + IMAGE_SIGNATURE_OFFSET));
}

/* Raises the anti-rollback minimum to the counter of an image that is about to start confirmed: after its commit
 * and, with boot attempts on, its confirmation, so an update that never proves itself cannot lock out the image
 * it replaced. */
static void raise_minimum(const image_verdict_t *verdict)
{
    if (!REQUIRE_SIGNATURE || verdict->counter <= acceptance_minimum_counter) {
        return;
    }
    rollback_status_t status = rollback_raise(&acceptance_rollback, &flash_port, &flash_write_port, verdict->counter);
    text_t *text = banner_line("rollback: ");
    if (status == ROLLBACK_RAISED) {
        text_str(text, "minimum ");
        text_u32(text, verdict->counter);
    } else {
        text_str(text, rollback_status_text(status));
        text_str(text, ", minimum stays ");
        text_u32(text, acceptance_minimum_counter);
    }
    banner_print();
}

/* Tells the application how it was started (boot_confirm() needs the start's index), names the start, and jumps. */
static __attribute__((noreturn)) void start_application(const image_header_t *header, bool trial, uint32_t start)
{
    backup_write(BOOT_STATE_BKP_INDEX, boot_state_register(trial, start));
    if (trial) {
        text_t *text = banner_line("trial: start ");
        text_u32(text, start + 1u);
        text_str(text, " of ");
        text_u32(text, BOOT_ATTEMPTS);
        text_str(text, ", not confirmed yet");
        banner_print();
    }
    /* BootBanner quiet: a start is no news (the application's own banner follows); the lines above are. */
    if (!BOOT_BANNER_QUIET) {
        text_t *text = banner_line("boot: application ");
        text_dotted(text, header->fw_version, IMAGE_HEADER_VERSION_PARTS);
        text_str(text, " -> ");
        text_hex32(text, MM_IMAGE_BASE);
        banner_print();
    }
    /* boot_jump() resets USART1: what is still on the line goes out first. */
    usart1_flush();
    boot_jump(MM_IMAGE_BASE);
}

int main(void)
{
    rcc_sysclk_to_pll();
    systick_start_1khz(update_mode_tick);
    /* Before this boot's requests are taken: programming the option bytes ends in a reset. */
    protection_enforce(RCC->CSR);

    /* Read once, then cleared, so the next reset's flags are its own; the application gets the value as read. */
    uint32_t reset_flags = rcc_reset_flags_take();
    backup_write(RESET_CAUSE_BKP_INDEX, reset_flags);

    entry_inputs_t inputs = { .boot_attempts = BOOT_ATTEMPTS };
    inputs.update_requested = boot_request_take();
    /* Only the NRST pin opens the double-reset window or closes it: a cold boot (power-on), the reset after an
     * update (software) and a watchdog or fault reset neither wait nor count as the second press. */
    bool pin_reset = reset_cause_pin_only(reset_flags);
    inputs.double_reset = double_reset_marker_take() && pin_reset;
    /* Armed before anything is printed: a host that resets again as soon as it sees the banner is inside
     * the window. Validation below overlaps the wait. */
    bool window_armed = pin_reset && !inputs.double_reset && DOUBLE_RESET_WINDOW_MS != 0u;
    uint32_t window_start = systick_ms();
    if (window_armed) {
        double_reset_marker_arm();
    }
    /* Out of reset the pin is analog and reads low; sampled after the banner, the input stage has long
     * settled. */
    gpio_config_input(BOARD_BUTTON, GPIO_PULL_NONE);

    usart1_init(BOARD_CONSOLE_BAUD);
    /* BootBanner full: the banner at every reset. quiet: only before a stay (below); at 115200 Bd its three lines
     * take about 9 ms, most of a boot that has nothing to report. */
    if (!BOOT_BANNER_QUIET) {
        banner_header(reset_flags);
    }
    acceptance_minimum_counter = rollback_read(&acceptance_rollback, &flash_port).minimum;
    image_verdict_t refused;
    if (image_verdict_unpack(backup_read(REFUSAL_BKP_INDEX), &refused)) {
        refused.minimum = acceptance_minimum_counter;
        image_verdict_write(banner_line("update refused: "), &refused);
        banner_print();
        backup_write(REFUSAL_BKP_INDEX, 0u);
    }
    uint32_t fault = backup_read(FAULT_BKP_INDEX);
    if (fault != FAULT_RECORD_NONE) {
        fault_record_write(banner_line("fault: "), fault);
        banner_print();
        backup_write(FAULT_BKP_INDEX, FAULT_RECORD_NONE);
    }

#if SLOT_MODE_SWAP
    /* The slots first: the primary slot the decision below looks at is the one this reset will end with. A flash
     * error leaves the operation recorded; retrying it from the next reset, paced, is all the bootloader can do, and
     * it never runs an image the operation left half-way. */
    if (!slot_boot(&acceptance_policy)) {
        if (BOOT_BANNER_QUIET) {
            banner_header(reset_flags);
        }
        usart1_write_line("stay: slots not in order, resetting to resume");
        sleep_until_elapsed(systick_ms(), 1000u);
        usart1_flush();
        cortex_system_reset();
    }
#endif
    inputs.button_held = gpio_read(BOARD_BUTTON) == BOARD_BUTTON_PRESSED;
    inputs.header_page_erased = image_header_page_erased(&flash_port, MM_HEADER_BASE, MM_HEADER_SIZE);
    iwdg_refresh();
    image_header_t header;
    inputs.image = image_check(&acceptance_check, &flash_port, &header);
    if (inputs.image == IMAGE_OK) {
        inputs.policy = boot_policy(&header);
    }
    inputs.boot_state = boot_state_read(&flash_port, MM_HEADER_BASE);

    if (window_armed) {
        sleep_until_elapsed(window_start, DOUBLE_RESET_WINDOW_MS);
        double_reset_marker_clear();
    }

    entry_decision_t decision = entry_policy_decide(&inputs);
    if (decision == ENTRY_BOOT && USB_BOOT_WINDOW_MS != 0u) {
        update_mode_usb_window(&acceptance_policy, USB_BOOT_WINDOW_MS);
    }
    bool trial = BOOT_ATTEMPTS != 0u && inputs.boot_state.trial;
    uint32_t start = inputs.boot_state.starts;
    /* Marked before the start: a start that runs is always counted, also when a power cut follows at once. */
    if (decision == ENTRY_BOOT && trial
        && !boot_state_mark(&flash_write_port, MM_HEADER_BASE, BOOT_STATE_FIRST_START + start, BOOT_STATE_START_MAGIC)) {
        decision = ENTRY_STAY_START_NOT_RECORDED;
    }
    if (decision == ENTRY_BOOT) {
        if (!trial) {
            raise_minimum(&inputs.policy);
        }
        start_application(&header, trial, start);
    }

    /* Whoever sees the bootloader stay sees the whole banner, also with BootBanner quiet. */
    if (BOOT_BANNER_QUIET) {
        banner_header(reset_flags);
    }
    entry_reason_write(banner_line("stay: "), decision, &inputs, &header);
    banner_print();
    update_mode_run(&acceptance_policy);
}
