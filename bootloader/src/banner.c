#include "banner.h"

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
