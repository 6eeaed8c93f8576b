#include "commands.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "backup.h"
#include "boot_confirm.h"
#include "boot_request.h"
#include "console.h"
#include "cortex.h"
#include "crc_unit.h"
#include "flash.h"
#include "image_header.h"
#include "iwdg.h"
#include "memory_map.h"
#include "rcc.h"
#include "reset_cause.h"
#include "systick.h"
#include "text.h"
#include "update_slot.h"
#include "usart1.h"
#include "xmodem.h"

typedef struct {
    text_t text;
    char buf[176]; /* room for an unknown command of CONSOLE_LINE_MAX characters and the hint (165 bytes) */
} line_t;

static text_t *line_start(line_t *line, const char *label)
{
    text_init(&line->text, line->buf, sizeof line->buf);
    text_str(&line->text, label);
    text_char(&line->text, ' ');
    return &line->text;
}

static void print_hex_field(const char *label, uint32_t value)
{
    line_t line;
    text_hex32(line_start(&line, label), value);
    console_print_text_line(&line.text);
}

static void print_u32_field(const char *label, uint32_t value)
{
    line_t line;
    text_u32(line_start(&line, label), value);
    console_print_text_line(&line.text);
}

/* The version is the one stamped into the header in flash, not this image's compile-time constant: the header
 * is what the bootloader checked and `stm32boot stamp --version` may have set, so both always agree. */
static const image_header_t *installed_header(void)
{
    return (const image_header_t *)(uintptr_t)MM_HEADER_BASE;
}

void commands_print_version(const char *prefix)
{
    line_t line;
    text_init(&line.text, line.buf, sizeof line.buf);
    text_str(&line.text, prefix);
    text_dotted(&line.text, installed_header()->fw_version, IMAGE_HEADER_VERSION_PARTS);
    console_print_text_line(&line.text);
}

static void cmd_version(void)
{
    commands_print_version("");
}

/* What the bootloader did with the slots at the reset that started this image (RTC_BKP6R, boot_request.h). The
 * single-slot bootloader never writes the register, so a single-slot build does not read it. */
static void slot_report_write(text_t *out)
{
    if (!SLOT_MODE_SWAP) {
        text_str(out, "one (SlotMode single)");
        return;
    }
    switch (backup_read(SLOT_REPORT_BKP_INDEX)) {
    case SLOT_REPORT_INSTALLED:
        text_str(out, "installed at this reset: the image from the secondary slot was swapped in");
        break;
    case SLOT_REPORT_REVERTED:
        text_str(out, "reverted at this reset: the image in trial never confirmed, the previous one is back");
        break;
    default:
        text_str(out, "nothing happened at this reset");
        break;
    }
}

/* Everything comes from flash and the registers at run time, not from this image's own constants: the
 * header is the one `stm32boot stamp` wrote, and the CRC is recomputed by the CRC unit. */
static void cmd_info(void)
{
    image_header_t header;
    memcpy(&header, installed_header(), sizeof header);
    line_t line;

    text_t *magic = line_start(&line, "magic");
    for (size_t i = 0; i < sizeof header.magic; i++) {
        bool printable = header.magic[i] >= 0x20u && header.magic[i] < 0x7Fu;
        text_char(magic, printable ? (char)header.magic[i] : '.');
    }
    console_print_text_line(&line.text);

    print_u32_field("header_version", header.header_version);
    text_dotted(line_start(&line, "fw_version"), header.fw_version, IMAGE_HEADER_VERSION_PARTS);
    console_print_text_line(&line.text);
    print_hex_field("image_addr", header.image_addr);
    print_u32_field("image_size", header.image_size);

    text_t *crc = line_start(&line, "image_crc32");
    if (header.image_addr == MM_IMAGE_BASE && header.image_size <= MM_IMAGE_SIZE) {
        uint32_t computed = crc_unit_crc32((const void *)(uintptr_t)header.image_addr, header.image_size);
        text_hex32(crc, computed);
        if (computed != header.image_crc32) {
            text_str(crc, " (header says ");
            text_hex32(crc, header.image_crc32);
            text_char(crc, ')');
        }
    } else {
        text_hex32(crc, header.image_crc32);
        text_str(crc, " (not recomputed: image_addr/image_size lie outside the image region)");
    }
    console_print_text_line(&line.text);

    print_hex_field("board_id", header.board_id);
    print_hex_field("header_crc32", header.header_crc32);
    print_hex_field("vtor", scb_get_vtor());
    print_u32_field("sysclk", rcc_sysclk_hz());

    /* The bootloader cleared RCC_CSR's reset flags; it handed them over in a backup register (boot_request.h). */
    uint32_t reset_flags = backup_read(RESET_CAUSE_BKP_INDEX);
    text_t *reset = line_start(&line, "reset_cause");
    text_hex32(reset, reset_flags);
    text_char(reset, ' ');
    reset_cause_write(reset, reset_flags);
    console_print_text_line(&line.text);
    boot_confirm_state_write(line_start(&line, "boot_state"), backup_read(BOOT_STATE_BKP_INDEX));
    console_print_text_line(&line.text);
    slot_report_write(line_start(&line, "slots"));
    console_print_text_line(&line.text);
    console_print_line("built " __DATE__ " " __TIME__);
}

static void cmd_update(void)
{
    console_print_line("entering bootloader (backup-register request)");
    usart1_flush();
    boot_request_set();
    cortex_system_reset();
}

static void cmd_erase_header(void)
{
    uint32_t page = flash_page_of(MM_HEADER_BASE);
    line_t line;
    text_t *text = line_start(&line, "erasing header page");
    text_u32(text, page);
    text_str(text, ", entering bootloader");
    console_print_text_line(text);
    usart1_flush();

    flash_status_t status = flash_unlock();
    if (status == FLASH_OK) {
        status = flash_erase_page(page);
        flash_lock();
    }
    if (status == FLASH_OK) {
        cortex_system_reset();
    }
    text = line_start(&line, "erase-header failed:");
    text_str(text, flash_status_text(status));
    text_str(text, "; the application keeps running, try again or reset the board");
    console_print_text_line(text);
}

/* Sends what the receiver has to say. */
static void xmodem_send(xmodem_t *x)
{
    uint8_t out[XMODEM_CANCEL_COUNT];
    size_t n = xmodem_take_output(x, out, sizeof out);
    usart1_write(out, n);
}

/* After a cancel the sender may still be sending the rest of a block: what arrives until the line has been quiet for
 * a character timeout is protocol, not a console line. */
static void drain_line(void)
{
    uint32_t quiet_since = systick_ms();
    while (systick_ms() - quiet_since < XMODEM_CHAR_TIMEOUT_MS) {
        iwdg_refresh();
        uint8_t byte;
        while (usart1_read_byte(&byte)) {
            quiet_since = systick_ms();
        }
        cortex_wfi();
    }
}

/* Runs one XMODEM-1K transfer into the open update slot: block k lands at its offset in the slot image (header page
 * first). True when the sender ended it and every block was stored; otherwise the reason is in *out. */
static bool receive_transfer(text_t *out)
{
    static xmodem_t x; /* 1 KB block buffer: not on the stack */
    xmodem_init(&x, systick_ms());
    for (;;) {
        /* The transfer is the main loop meanwhile: it refreshes the watchdog, and flash_write_port at every erase
         * and program. */
        iwdg_refresh();
        xmodem_send(&x);
        xmodem_event_t event = XMODEM_RUNNING;
        uint8_t byte;
        while (event == XMODEM_RUNNING && usart1_read_byte(&byte)) {
            event = xmodem_input(&x, byte, systick_ms());
        }
        if (event == XMODEM_RUNNING) {
            event = xmodem_poll(&x, systick_ms());
        }
        if (event == XMODEM_BLOCK) {
            update_slot_status_t status = update_slot_write(x.offset, x.data, x.len);
            if (status == UPDATE_SLOT_OK) {
                xmodem_accept(&x, systick_ms());
                continue;
            }
            xmodem_cancel(&x);
            xmodem_send(&x);
            drain_line();
            image_verdict_t verdict = update_slot_verdict();
            text_str(out, "block at offset ");
            text_u32(out, x.offset);
            text_str(out, " refused: ");
            update_slot_reason_write(out, status, &verdict);
            return false;
        }
        if (event == XMODEM_DONE) {
            xmodem_send(&x);
            return true;
        }
        if (event == XMODEM_FAILED) {
            xmodem_send(&x);
            drain_line();
            text_str(out, "transfer failed: ");
            text_str(out, xmodem_failure_text(x.failure));
            return false;
        }
        /* The next byte, or at the latest the next SysTick, wakes the core. */
        cortex_wfi();
    }
}

/* `receive`: the application updates itself (SlotMode swap). It takes a slot image over XMODEM-1K on this console
 * (`stm32boot send`), writes it into the secondary slot, has the bootloader's policy judge it, and only a verified
 * image is installed: the bootloader swaps it in at the reset that follows. Anything else leaves a reason and the
 * running image as it was. */
static void cmd_receive(void)
{
    line_t line;
    text_t *text = line_start(&line, "receive:");
    update_slot_status_t status = update_slot_open();
    if (!SLOT_MODE_SWAP || status != UPDATE_SLOT_OK) {
        update_slot_reason_write(text, status, NULL);
        console_print_text_line(text);
        return;
    }
    /* No capital C in this line: the sender takes a 'C' for the receiver's handshake. */
    console_print_line("receive: ready for XMODEM-1K, send the slot image now");
    if (!receive_transfer(text)) {
        console_print_text_line(text);
        return;
    }
    image_verdict_t verdict;
    status = update_slot_finish(&verdict);
    if (status != UPDATE_SLOT_OK) {
        text_str(text, "not installed: ");
        update_slot_reason_write(text, status, &verdict);
        console_print_text_line(text);
        return;
    }
    image_header_t header;
    (void)update_slot_header(&header);
    text_str(text, "verified ");
    text_dotted(text, header.fw_version, IMAGE_HEADER_VERSION_PARTS);
    text_str(text, " (");
    text_u32(text, header.image_size);
    text_str(text, " bytes): ");
    image_verdict_write(text, &verdict);
    console_print_text_line(text);

    text = line_start(&line, "receive:");
    status = update_slot_request_install();
    if (status != UPDATE_SLOT_OK) {
        text_str(text, "install request failed: ");
        update_slot_reason_write(text, status, NULL);
        console_print_text_line(text);
        return;
    }
    text_str(text, "installing ");
    text_dotted(text, header.fw_version, IMAGE_HEADER_VERSION_PARTS);
    text_str(text, " at reset");
    console_print_text_line(text);
    usart1_flush();
    cortex_system_reset();
}

/* Decimal digits only, no sign, below limit. */
static bool parse_below(const char *text, uint32_t limit, uint32_t *value)
{
    uint32_t n = 0;
    if (*text == '\0') {
        return false;
    }
    for (; *text != '\0'; text++) {
        if (*text < '0' || *text > '9' || n >= limit) {
            return false;
        }
        n = n * 10u + (uint32_t)(*text - '0');
    }
    *value = n;
    return n < limit;
}

/* Erases any page, the bootloader's included: what a stray or malicious application could do. With the setting
 * Protection "wrp" the bootloader has write-protected its pages, and the erase fails with WRPERR. */
static void cmd_erase_page(const char *arg)
{
    uint32_t page;
    line_t line;
    if (!parse_below(arg, FLASH_PAGE_COUNT, &page)) {
        text_t *text = line_start(&line, "erase-page: give a page number from 0 to");
        text_u32(text, FLASH_PAGE_COUNT - 1u);
        text_str(text, ", not '");
        text_str(text, arg);
        text_char(text, '\'');
        console_print_text_line(text);
        return;
    }
    flash_status_t status = flash_unlock();
    if (status == FLASH_OK) {
        status = flash_erase_page(page);
        flash_lock();
    }
    text_t *text = line_start(&line, "erase-page");
    text_u32(text, page);
    text_str(text, status == FLASH_OK ? ": erased" : " failed: ");
    text_str(text, status == FLASH_OK ? "" : flash_status_text(status));
    console_print_text_line(text);
}

static const struct {
    const char *name;
    void (*run)(void);
    void (*run_with_arg)(const char *arg);  /* the commands that take one argument, after a space */
} commands[] = {
    { "version", cmd_version, NULL },
    { "info", cmd_info, NULL },
    { "update", cmd_update, NULL },
    { "erase-header", cmd_erase_header, NULL },
    { "erase-page N", NULL, cmd_erase_page },
    { "receive", cmd_receive, NULL },
};

#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

void commands_run(const char *input)
{
    if (input[0] == '\0') {
        return;
    }
    const char *space = strchr(input, ' ');
    size_t name_len = space != NULL ? (size_t)(space - input) : strlen(input);
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        const char *name = commands[i].name;
        bool takes_arg = commands[i].run_with_arg != NULL;
        if (strncmp(input, name, name_len) != 0 || name[name_len] != (takes_arg ? ' ' : '\0')) {
            continue;
        }
        if (takes_arg) {
            commands[i].run_with_arg(space != NULL ? space + 1 : "");
        } else if (space == NULL) {
            commands[i].run();
        } else {
            break; /* an argument to a command that takes none: unknown, as typed */
        }
        return;
    }

    line_t line;
    text_init(&line.text, line.buf, sizeof line.buf);
    text_str(&line.text, "unknown command '");
    text_str(&line.text, input);
    text_str(&line.text, "' (try: ");
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        text_str(&line.text, commands[i].name);
        text_str(&line.text, i + 1u < COMMAND_COUNT ? ", " : ")");
    }
    console_print_text_line(&line.text);
}
