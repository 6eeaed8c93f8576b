/* Demo application: runs at 80 MHz from its own vector table at the start of the image region, blinks LED2
 * at 1 Hz from SysTick, and serves the console commands on USART1. */
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "commands.h"
#include "console.h"
#include "cortex.h"
#include "gpio.h"
#include "rcc.h"
#include "systick.h"
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
    console_print(CONSOLE_PROMPT);

    for (;;) {
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
