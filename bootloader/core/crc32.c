#include "crc32.h"

#define CRC32_REFLECTED_POLY 0xEDB88320u

uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *bytes = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= bytes[i];
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (CRC32_REFLECTED_POLY & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}
