#include "update_mode.h"

#include <stdbool.h>

#include "an3155.h"
#include "an3155_port.h"
#include "backup.h"
#include "boot_request.h"
#include "board.h"
#include "build_config.h"
#include "cortex.h"
#include "device_id.h"
#include "flash.h"
#include "flash_port.h"
#include "flash_write_port.h"
#include "flash_writer.h"
#include "gpio.h"
#include "iwdg.h"
#include "memory_map.h"
#include "option_bytes.h"
#include "slot_port.h"
#include "systick.h"
#include "usart1.h"
#include "usb_drive.h"

_Static_assert(MM_FLASH_PAGE_SIZE == FLASH_WRITER_PAGE_SIZE, "the writer stages and rewrites whole flash pages");
_Static_assert(FLASH_PAGE_COUNT <= FLASH_WRITER_MAX_PAGES, "the writer tracks every page of the flash");
_Static_assert(MM_HEADER_SIZE == MM_FLASH_PAGE_SIZE && MM_IMAGE_BASE == MM_HEADER_BASE + MM_HEADER_SIZE,
               "the writer stages exactly one header page, directly before the image");

/* LED1 changes state every 250 ms (2 Hz) while waiting, every 50 ms (10 Hz) for half a second after a byte. */
#define LED1_IDLE_TOGGLE_MS      250u
#define LED1_TRANSFER_TOGGLE_MS  50u
#define TRANSFER_SHOWN_MS        500u

static volatile bool blinking;
static volatile uint32_t last_byte_ms;

/* One writer for both paths: whatever arrives, over USART1 or from a drive, goes through the same header-last
 * commit. */
static flash_writer_config_t writer_config;
static flash_writer_t writer;
static an3155_t protocol;

/* The host learns of a refusal by a NACK only; the next banner names it, unless an update was committed since. */
static void record_refusal(const image_verdict_t *verdict)
{
    backup_write(REFUSAL_BKP_INDEX, verdict->kind == IMAGE_VERDICT_OK ? 0u : image_verdict_pack(verdict));
}

static void writer_start(const image_policy_t *policy)
{
    writer_config = (flash_writer_config_t){
        .flash_base = MM_FLASH_BASE,
        .mark_trial = BOOT_ATTEMPTS != 0u,
        .policy = policy,
        .judged = record_refusal,
    };
#if SLOT_MODE_SWAP
    /* Hosts address the primary slot, where the image runs (stm32flash, a HEX file); the writer puts it into the
     * secondary slot, and reads it back from there, so the running image stays whole until the next reset has
     * checked the new one and swapped it in (slot_boot.c). The commit's trial marker is the install request. */
    static slot_port_t secondary;
    slot_port_init(&secondary, &flash_port, &flash_write_port, MM_FLASH_BASE, MM_HEADER_BASE, MM_SECONDARY_BASE,
                   MM_SLOT_SIZE);
    flash_writer_init(&writer, &writer_config, &secondary.read, &secondary.write);
#else
    flash_writer_init(&writer, &writer_config, &flash_port, &flash_write_port);
#endif
}

/* In update mode USART1 waits for an AN3155 host at 8E1. Until one has synchronised, the drive's lines go out in
 * the banner's 8N1 at the console rate, so a terminal sees them; after that the line belongs to the host and stays
 * silent (AN3155: nothing unsolicited), and LED2 alone tells the drive's story. */
static void update_mode_line(const char *line)
{
    if (protocol.state != AN3155_WAIT_SYNC) {
        return;
    }
    usart1_init(BOARD_CONSOLE_BAUD);
    usart1_write_line(line);
    usart1_init_autobaud_8e1();
}

void update_mode_tick(uint32_t now_ms)
{
    usb_drive_tick(now_ms);
    an3155_tick(&protocol, now_ms);
    if (!blinking) {
        return;
    }
    uint32_t period = now_ms - last_byte_ms < TRANSFER_SHOWN_MS ? LED1_TRANSFER_TOGGLE_MS : LED1_IDLE_TOGGLE_MS;
    if (now_ms % period == 0u) {
        gpio_toggle(BOARD_LED1);
    }
}

void update_mode_run(const image_policy_t *policy)
{
    static an3155_config_t protocol_config;

    protocol_config = (an3155_config_t){
        .product_id = (uint16_t)device_id_read(),
        .bank2_first_page = FLASH_PAGES_PER_BANK,
        .read_protected = option_bytes_read_protected(),
        .installed = SLOT_MODE_SWAP ? &flash_port : NULL,
    };

    gpio_config_output(BOARD_LED1, false);
    last_byte_ms = systick_ms() - TRANSFER_SHOWN_MS;
    blinking = true;

    usart1_init_autobaud_8e1();
    writer_start(policy);
    an3155_init(&protocol, &protocol_config, &an3155_usart1_port, &writer);
    usb_drive_init(&writer, update_mode_line);
    for (;;) {
        /* The one refresh of update mode, besides the progress points of long operations (flash_write_port.c, a
         * USB transaction): a loop that stops coming round is caught by the watchdog. */
        iwdg_refresh();
        uint8_t byte;
        while (usart1_read_byte(&byte)) {
            last_byte_ms = systick_ms();
            an3155_receive(&protocol, byte);
        }
        an3155_poll(&protocol);
        usb_drive_poll();
        /* Every received byte and every SysTick wakes the core. The check and the WFI run with interrupts masked: a
         * byte that lands after the check leaves its interrupt pending, and a pending interrupt wakes WFI even while
         * PRIMASK masks it (ARMv7-M ARM B1.5.19), so no byte waits for the next SysTick (without the mask, one that
         * landed between the last read and the WFI did, up to 1 ms per answer). The interrupt is taken once PRIMASK
         * clears. */
        cortex_irq_disable();
        if (!usart1_rx_waiting()) {
            cortex_wfi();
        }
        cortex_irq_enable();
    }
}

void update_mode_usb_window(const image_policy_t *policy, uint32_t window_ms)
{
    writer_start(policy);
    usb_drive_init(&writer, usart1_write_line);
    uint32_t start = systick_ms();
    while (systick_ms() - start < window_ms) {
        iwdg_refresh();
        usb_drive_poll();
        cortex_wfi();
    }
    usb_drive_off();
}
