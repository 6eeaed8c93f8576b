#include "console.h"

#include <stdbool.h>
#include <stdint.h>

#include "usart1.h"

#define BACKSPACE 0x08
#define DELETE 0x7F

static char line[CONSOLE_LINE_MAX + 1u];
static size_t line_len;
static bool line_too_long;
static bool previous_was_cr;

static const char *finish_line(void)
{
    console_print("\r\n");
    line[line_len] = '\0';
    line_len = 0u;
    if (line_too_long) {
        line_too_long = false;
        char buf[64];
        text_t message;
        text_init(&message, buf, sizeof buf);
        text_str(&message, "line too long: at most ");
        text_u32(&message, CONSOLE_LINE_MAX);
        text_str(&message, " characters, the line was ignored");
        console_print_text_line(&message);
        line[0] = '\0';
    }
    return line;
}

const char *console_read_line(void)
{
    uint8_t c;
    while (usart1_read_byte(&c)) {
        bool after_cr = previous_was_cr;
        previous_was_cr = c == '\r';
        if (c == '\n' && after_cr) {
            continue;
        }
        if (c == '\r' || c == '\n') {
            return finish_line();
        }
        if (c == BACKSPACE || c == DELETE) {
            if (line_len > 0u) {
                line_len--;
                console_print("\b \b");
            }
        } else if (c >= 0x20u && c < 0x7Fu) {
            if (line_len < CONSOLE_LINE_MAX) {
                line[line_len++] = (char)c;
                usart1_write(&c, 1u);
            } else {
                line_too_long = true;
            }
        }
    }
    return NULL;
}

void console_print(const char *text)
{
    usart1_write_str(text);
}

void console_print_line(const char *text)
{
    usart1_write_line(text);
}

void console_print_text_line(const text_t *text)
{
    usart1_write_line(text->buf);
}
