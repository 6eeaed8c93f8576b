#include "text.h"

void text_init(text_t *text, char *buf, size_t cap)
{
    text->buf = buf;
    text->cap = cap;
    text->len = 0u;
    text->truncated = cap == 0u;
    if (cap > 0u) {
        buf[0] = '\0';
    }
}

void text_char(text_t *text, char c)
{
    if (text->len + 1u >= text->cap) {
        text->truncated = true;
        return;
    }
    text->buf[text->len++] = c;
    text->buf[text->len] = '\0';
}

void text_str(text_t *text, const char *s)
{
    while (*s != '\0') {
        text_char(text, *s++);
    }
}

void text_u32(text_t *text, uint32_t value)
{
    char digits[10];
    size_t count = 0u;
    do {
        digits[count++] = (char)('0' + value % 10u);
        value /= 10u;
    } while (value != 0u);
    while (count > 0u) {
        text_char(text, digits[--count]);
    }
}

void text_hex32(text_t *text, uint32_t value)
{
    static const char hex[] = "0123456789ABCDEF";
    text_str(text, "0x");
    for (int shift = 28; shift >= 0; shift -= 4) {
        text_char(text, hex[(value >> shift) & 0xFu]);
    }
}

void text_dotted(text_t *text, const uint16_t *parts, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (i > 0u) {
            text_char(text, '.');
        }
        text_u32(text, parts[i]);
    }
}
