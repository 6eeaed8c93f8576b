/* memcpy, memmove, memset and memcmp as byte loops, linked into the bootloader in place of newlib's (566 bytes of
 * word-at-a-time code against about 60 here). The bootloader moves command blocks, headers and at most a flash
 * page at a time: a byte loop at 80 MHz copies a 2 KB page in well under a millisecond, while the bootloader has
 * a flash budget to keep (BOOTLOADER_FLASH_BUDGET). Only the bootloader links this file (platform/CMakeLists.txt: platform_mem),
 * so the application keeps newlib's fast versions.
 *
 * Two build options keep these loops what they look like (platform/CMakeLists.txt):
 * -fno-tree-loop-distribute-patterns: GCC recognises a copy or fill loop and replaces it with a call to memcpy
 *   or memset, which here would be the function calling itself for ever.
 * -fno-lto: GCC emits calls to these functions for struct copies and clears after link-time optimisation has
 *   already decided which symbols are used; inside an LTO unit they could be dropped or made local before that
 *   and the link would fall back to newlib's. */
#include <string.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t len)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (len-- > 0u) {
        *d++ = *s++;
    }
    return dst;
}

/* BearSSL's big-integer code shifts words within one buffer. */
void *memmove(void *dst, const void *src, size_t len)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (len-- > 0u) {
            *d++ = *s++;
        }
    } else {
        while (len-- > 0u) {
            d[len] = s[len];
        }
    }
    return dst;
}

void *memset(void *dst, int value, size_t len)
{
    unsigned char *d = dst;
    while (len-- > 0u) {
        *d++ = (unsigned char)value;
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t len)
{
    const unsigned char *x = a;
    const unsigned char *y = b;
    for (; len > 0u; len--, x++, y++) {
        if (*x != *y) {
            return *x - *y;
        }
    }
    return 0;
}
