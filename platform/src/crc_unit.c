#include "crc_unit.h"

#include "rcc.h"
#include "regs/crc.h"

uint32_t crc_unit_crc32(const void *data, size_t len)
{
    rcc_periph_enable(RCC_PERIPH_CRC);
    CRC->POL = CRC_POL_CRC32;
    CRC->INIT = CRC_INIT_ALL_ONES;
    /* RESET loads INIT into the data register; it clears itself. */
    CRC->CR = CRC_CR_POLYSIZE_32 | CRC_CR_REV_IN_BYTE | CRC_CR_REV_OUT | CRC_CR_RESET;

    const uint8_t *bytes = data;
    size_t i = 0;
    /* A 32-bit write is processed from its most significant byte down (each byte bit-reversed by REV_IN),
     * while zlib takes the bytes in memory order: the first byte goes into the top of the word. */
    for (; i + 4u <= len; i += 4u) {
        CRC->DR = (uint32_t)bytes[i] << 24 | (uint32_t)bytes[i + 1u] << 16 | (uint32_t)bytes[i + 2u] << 8
                | (uint32_t)bytes[i + 3u];
    }
    for (; i < len; i++) {
        *(volatile uint8_t *)&CRC->DR = bytes[i];
    }
    return CRC->DR ^ 0xFFFFFFFFu;
}
