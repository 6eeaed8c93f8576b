#include "banner.h"

#include "build_config.h"
#include "reset_cause.h"
#include "usart1.h"

/* Room for the longest line, "stay: wrong board id 0x...", "update refused: security counter N below minimum M". */
static char buf[96];
static text_t line;

text_t *banner_line(const char *label)
{
    text_init(&line, buf, sizeof buf);
    text_str(&line, label);
    return &line;
}

void banner_print(void)
{
    usart1_write_line(buf);
}

void banner_header(uint32_t reset_flags)
{
    text_hex32(banner_line("L475 bootloader " BOOTLOADER_VERSION_STRING " board "), BOARD_ID);
    banner_print();
    reset_cause_write(banner_line("reset: "), reset_flags);
    banner_print();
}
