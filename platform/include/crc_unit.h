/* The CRC calculation unit set up to give zlib's CRC-32 (CRC-32/ISO-HDLC): polynomial 0x04C11DB7, initial
 * value 0xFFFFFFFF, input bit-reversed by word, output bit-reversed, final XOR 0xFFFFFFFF in software. */
#ifndef CRC_UNIT_H
#define CRC_UNIT_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc_unit_crc32(const void *data, size_t len);

#endif /* CRC_UNIT_H */
