#include "usb_drive.h"

#include "build_config.h" /* USB_FIRMWARE_NAME, ALLOW_DOWNGRADE: before usb_update.h, which has fallbacks */

#include "board.h"
#include "cortex.h"
#include "flash_port.h"
#include "gpio.h"
#include "iwdg.h"
#include "otg_fs_host.h"
#include "systick.h"
#include "usart1.h"
#include "usb_update.h"

#define LED2_PROGRAMMING_TOGGLE_MS 50u
#define LED2_FAILURE_TOGGLE_MS     250u
#define SUCCESS_SHOWN_MS           1000u

static const usb_update_config_t config = {
    .file_name = USB_FIRMWARE_NAME,
    .allow_downgrade = ALLOW_DOWNGRADE != 0,
};

static usb_update_t state;
static usb_update_port_t port;
static usb_drive_print_t print_line;
static volatile usb_led_t led2;
static volatile bool led2_ready;

static void print(const usb_update_port_t *p, const char *line)
{
    (void)p;
    print_line(line);
}

static void led(const usb_update_port_t *p, usb_led_t next)
{
    (void)p;
    led2 = next;
}

void usb_drive_init(flash_writer_t *writer, usb_drive_print_t print_fn)
{
    print_line = print_fn;
    port = (usb_update_port_t){ .print = print, .led = led, .writer = writer, .installed = &flash_port };
    gpio_config_output(BOARD_LED2, false);
    led2_ready = true;
}

void usb_drive_poll(void)
{
    if (usb_update_poll(&state, &otg_fs_host_hcd, &config, &port) != USB_UPDATE_UPDATED) {
        return;
    }
    uint32_t start = systick_ms();
    while (systick_ms() - start < SUCCESS_SHOWN_MS) {
        /* Longer than the watchdog's shortest period, and bounded: refreshed on every wake-up. */
        iwdg_refresh();
        cortex_wfi();
    }
    usb_drive_off();
    usart1_flush();
    cortex_system_reset();
}

void usb_drive_off(void)
{
    otg_fs_host_hcd.power(otg_fs_host_hcd.ctx, false);
}

void usb_drive_tick(uint32_t now_ms)
{
    if (!led2_ready) {
        return;
    }
    bool on;
    switch (led2) {
    case USB_LED_BUSY:
    case USB_LED_SUCCESS:
        on = true;
        break;
    case USB_LED_PROGRAMMING:
        on = (now_ms / LED2_PROGRAMMING_TOGGLE_MS) & 1u;
        break;
    case USB_LED_FAILURE:
        on = (now_ms / LED2_FAILURE_TOGGLE_MS) & 1u;
        break;
    default:
        on = false;
        break;
    }
    gpio_write(BOARD_LED2, on);
}
