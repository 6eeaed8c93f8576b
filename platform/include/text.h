/* A bounded text builder for console lines: no printf, no heap. Portable C (compiled for the host tests too).
 * Output that does not fit is cut off and flagged; the buffer always stays NUL-terminated. */
#ifndef TEXT_H
#define TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *buf;
    size_t cap;   /* bytes in buf, including the terminating NUL */
    size_t len;
    bool truncated;
} text_t;

void text_init(text_t *text, char *buf, size_t cap);
void text_char(text_t *text, char c);
void text_str(text_t *text, const char *s);
/* Decimal, no leading zeros. */
void text_u32(text_t *text, uint32_t value);
/* The low digits hex digits of value, upper case, leading zeros kept: text_hex(t, 0x3F, 2) gives 3F. */
void text_hex(text_t *text, uint32_t value, uint32_t digits);
/* "0x" and exactly eight upper-case hex digits, e.g. 0x08020800. */
void text_hex32(text_t *text, uint32_t value);
/* Numbers joined with dots, e.g. 1.0.0.1. */
void text_dotted(text_t *text, const uint16_t *parts, size_t count);

/* The index-th string of a list packed as "first\0second\0...\0", "?" past its end. A status enum's texts
 * written this way, in the enum's order, need no table of pointers (4 bytes a text, in a bootloader with a flash budget). */
const char *text_pick(const char *list, uint32_t index);

#endif /* TEXT_H */
