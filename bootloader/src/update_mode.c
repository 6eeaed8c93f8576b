#include "update_mode.h"

#include <stdbool.h>

#include "board.h"
#include "cortex.h"
#include "gpio.h"
#include "iwdg.h"

/* 2 Hz: LED1 changes state every 250 ms. */
#define LED1_TOGGLE_MS 250u

static volatile bool blinking;

void update_mode_tick(uint32_t now_ms)
{
    iwdg_refresh();
    if (blinking && now_ms % LED1_TOGGLE_MS == 0u) {
        gpio_toggle(BOARD_LED1);
    }
}

void update_mode_run(void)
{
    gpio_config_output(BOARD_LED1, false);
    blinking = true;
    for (;;) {
        cortex_wfi();
    }
}
