#include "text.h"

/* Every line the bootloader prints starts here: with link-time optimisation GCC would copy this body into each caller
 * (140 bytes of the bootloader's flash budget), so it stays one function. */
__attribute__((noinline)) void text_init(text_t *text, char *buf, size_t cap)
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

void text_hex(text_t *text, uint32_t value, uint32_t digits)
{
    while (digits-- > 0u) {
        text_char(text, "0123456789ABCDEF"[(value >> (4u * digits)) & 0xFu]);
    }
}

void text_hex32(text_t *text, uint32_t value)
{
    text_str(text, "0x");
    text_hex(text, value, 8u);
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

const char *text_pick(const char *list, uint32_t index)
{
    for (; index > 0u; index--) {
        while (*list++ != '\0') {
        }
        /* The literal's own NUL after the last "\0": an empty string ends the list. */
        if (*list == '\0') {
            return "?";
        }
    }
    return list;
}
