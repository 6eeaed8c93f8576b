/* Demo application: runs at 80 MHz from its own vector table at the start of the image region, blinks LED2
 * at 1 Hz from SysTick, and serves the console commands on USART1. It keeps the production contract with the
 * bootloader: it refreshes the watchdog from its main loop and confirms itself once that loop runs. */
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "boot_confirm.h"
#include "commands.h"
#include "console.h"
#include "cortex.h"
#include "gpio.h"
#include "iwdg.h"
#include "rcc.h"
#include "systick.h"
#include "text.h"
#include "usart1.h"

/* 1 Hz blink: LED2 changes state every 500 ms. */
#define LED2_TOGGLE_MS 500u

static void blink_led2(uint32_t now_ms)
{
    if (now_ms % LED2_TOGGLE_MS == 0u) {
        gpio_toggle(BOARD_LED2);
    }
}

int main(void)
{
    rcc_sysclk_to_pll();
    gpio_config_output(BOARD_LED2, false);
    systick_start_1khz(blink_led2);

    usart1_init(BOARD_CONSOLE_BAUD);
    usart1_rx_start();
    commands_print_version("L475 application ");

    /* Everything the main loop needs runs: this image works well enough to be kept (a product would run its
     * self-tests first). An image that never gets here is not started again after BootAttempts tries. */
    char buf[64];
    text_t text;
    text_init(&text, buf, sizeof buf);
    text_str(&text, "confirm: ");
    text_str(&text, boot_confirm_status_text(boot_confirm()));
    console_print_text_line(&text);
    console_print(CONSOLE_PROMPT);

    for (;;) {
        /* A watchdog that runs (option byte IWDG_SW = 0 starts it at reset) is refreshed here and only here: the
         * loop comes round at least every millisecond (SysTick wakes it), and a hang anywhere stops it. */
        iwdg_refresh();
        const char *line = console_read_line();
        if (line == NULL) {
            /* The next byte, or at the latest the next SysTick, wakes the core. */
            cortex_wfi();
            continue;
        }
        commands_run(line);
        console_print(CONSOLE_PROMPT);
    }
}
