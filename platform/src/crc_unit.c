#include "crc_unit.h"

#include "rcc.h"
#include "regs/crc.h"

uint32_t crc_unit_crc32(const void *data, size_t len)
{
    rcc_periph_enable(RCC_PERIPH_CRC);
    CRC->POL = CRC_POL_CRC32;
    CRC->INIT = CRC_INIT_ALL_ONES;
    /* RESET loads INIT into the data register; it clears itself. */
    CRC->CR = CRC_CR_POLYSIZE_32 | CRC_CR_REV_IN_WORD | CRC_CR_REV_OUT | CRC_CR_RESET;

    /* The unit takes a 32-bit write from its most significant bit down; reversed by word (REV_IN = 11), that is bit 0
     * of the word's first byte first, as zlib takes the bytes in memory order, each from its least significant bit.
     * So a little-endian word goes in as it is read (RM0351 §14, CRC functional description: "bit-reversal done on
     * the full word"). */
    const uint8_t *bytes = data;
    const uint8_t *end = bytes + len;
    if ((uintptr_t)bytes % 4u == 0u) {
        /* Four words per LDM, each stored to CRC_DR as it is: 7 instructions per 16 bytes (1.75 a word, against 3 with
         * the loads the compiler makes at -Os). The unit needs 4 AHB cycles per 32-bit word (RM0351 §14, CRC main
         * features), so on silicon this loop waits on it: the image check runs at the unit's speed. */
        const uint8_t *blocks_end = bytes + (len & ~(size_t)15u);
        if (bytes != blocks_end) {
            register uint32_t w0 __asm__("r4");
            register uint32_t w1 __asm__("r5");
            register uint32_t w2 __asm__("r6");
            register uint32_t w3 __asm__("r7");
            __asm__ volatile("1: ldmia %[p]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"
                             "str %[w0], [%[dr]]\n\t"
                             "str %[w1], [%[dr]]\n\t"
                             "str %[w2], [%[dr]]\n\t"
                             "str %[w3], [%[dr]]\n\t"
                             "cmp %[p], %[end]\n\t"
                             "bne 1b"
                             : [p] "+r"(bytes), [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3)
                             : [dr] "r"(&CRC->DR), [end] "r"(blocks_end)
                             : "cc", "memory");
        }
    }
    /* The rest (up to 15 bytes, or all of a buffer that is not word-aligned) byte by byte, reversed by byte: each is
     * then taken from its least significant bit. A CR write without RESET leaves the running CRC as it is. */
    CRC->CR = CRC_CR_POLYSIZE_32 | CRC_CR_REV_IN_BYTE | CRC_CR_REV_OUT;
    while (bytes != end) {
        *(volatile uint8_t *)&CRC->DR = *bytes++;
    }
    return CRC->DR ^ 0xFFFFFFFFu;
}
