/* Bootloader entry: decide between the application and update mode (DESIGN §5), say which on USART1. */
#include <stdbool.h>
#include <stdint.h>

#include "board.h"
#include "boot_jump.h"
#include "boot_request.h"
#include "build_config.h"
#include "cortex.h"
#include "entry_policy.h"
#include "flash_port.h"
#include "gpio.h"
#include "image_check.h"
#include "memory_map.h"
#include "protection.h"
#include "rcc.h"
#include "systick.h"
#include "text.h"
#include "update_mode.h"
#include "usart1.h"

_Static_assert((BOARD_ID >> 16) == BOARD_DEVICE_ID,
               "BoardId in build/settings.json must carry the device id 0x415 in its high half");
_Static_assert(MM_HEADER_SIZE >= sizeof(image_header_t), "the header page must hold the image header");

static const image_check_config_t check_config = {
    .header_addr = MM_HEADER_BASE,
    .image_addr = MM_IMAGE_BASE,
    .image_region_size = MM_IMAGE_SIZE,
    .board_id = BOARD_ID,
    .ram = {
        { MM_SRAM1_BASE, MM_SRAM1_SIZE },
        { MM_SRAM2_BASE, MM_SRAM2_SIZE },
    },
};

static void sleep_until_elapsed(uint32_t start_ms, uint32_t duration_ms)
{
    while (systick_ms() - start_ms < duration_ms) {
        cortex_wfi();
    }
}

int main(void)
{
    rcc_sysclk_to_pll();
    systick_start_1khz(update_mode_tick);
    /* Before this boot's requests are taken: programming the option bytes ends in a reset. */
    protection_enforce(RCC->CSR);

    entry_inputs_t inputs = { 0 };
    inputs.update_requested = boot_request_take();
    inputs.double_reset = double_reset_marker_take();
    /* Armed before anything is printed: a host that resets again as soon as it sees the banner is inside
     * the window. Validation below overlaps the wait. */
    bool window_armed = !inputs.double_reset && DOUBLE_RESET_WINDOW_MS != 0u;
    uint32_t window_start = systick_ms();
    if (window_armed) {
        double_reset_marker_arm();
    }
    /* Out of reset the pin is analog and reads low; sampled after the banner, the input stage has long
     * settled. */
    gpio_config_input(BOARD_BUTTON, GPIO_PULL_NONE);

    usart1_init(BOARD_CONSOLE_BAUD);
    char buf[96];
    text_t line;
    text_init(&line, buf, sizeof buf);
    text_str(&line, "L475 bootloader " BOOTLOADER_VERSION_STRING " board ");
    text_hex32(&line, BOARD_ID);
    usart1_write_line(line.buf);

    inputs.button_held = gpio_read(BOARD_BUTTON) == BOARD_BUTTON_PRESSED;
    inputs.header_page_erased = image_header_page_erased(&flash_port, MM_HEADER_BASE, MM_HEADER_SIZE);
    image_header_t header;
    inputs.image = image_check(&check_config, &flash_port, &header);

    if (window_armed) {
        sleep_until_elapsed(window_start, DOUBLE_RESET_WINDOW_MS);
        double_reset_marker_clear();
    }

    entry_decision_t decision = entry_policy_decide(&inputs);
    text_init(&line, buf, sizeof buf);
    if (decision == ENTRY_BOOT) {
        if (USB_BOOT_WINDOW_MS != 0u) {
            update_mode_usb_window(&check_config, USB_BOOT_WINDOW_MS);
        }
        text_str(&line, "boot: application ");
        text_dotted(&line, header.fw_version, IMAGE_HEADER_VERSION_PARTS);
        text_str(&line, " -> ");
        text_hex32(&line, MM_IMAGE_BASE);
        usart1_write_line(line.buf);
        usart1_flush();
        boot_jump(MM_IMAGE_BASE);
    }

    text_str(&line, "stay: ");
    entry_reason_write(&line, decision, inputs.image, &header);
    usart1_write_line(line.buf);
    update_mode_run(&check_config);
}
