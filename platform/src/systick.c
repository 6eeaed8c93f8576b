#include "systick.h"

#include <stddef.h>

#include "rcc.h"
#include "regs/systick.h"

#define TICK_HZ 1000u

static volatile uint32_t elapsed_ms;
static systick_hook_t tick_hook;

void systick_start_1khz(systick_hook_t hook)
{
    tick_hook = hook;
    SYSTICK->LOAD = rcc_hclk_hz() / TICK_HZ - 1u;
    SYSTICK->VAL = 0u;
    SYSTICK->CTRL = SYSTICK_CTRL_CLKSOURCE | SYSTICK_CTRL_TICKINT | SYSTICK_CTRL_ENABLE;
}

uint32_t systick_ms(void)
{
    return elapsed_ms;
}

void systick_stop(void)
{
    SYSTICK->CTRL = 0u;
    SYSTICK->LOAD = 0u;
    SYSTICK->VAL = 0u;
    tick_hook = NULL;
}

void SysTick_Handler(void)
{
    uint32_t now = elapsed_ms + 1u;
    elapsed_ms = now;
    if (tick_hook != NULL) {
        tick_hook(now);
    }
}
