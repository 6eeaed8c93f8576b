/* Software CRC-32/ISO-HDLC (zlib's crc32()): reflected polynomial 0xEDB88320, initial and final XOR
 * 0xFFFFFFFF. The host tests and the fuzzer use it where the target uses the CRC unit. */
#ifndef CRC32_H
#define CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC: crc32_update(0, ...) starts one, and feeding data in pieces gives the same result as
 * feeding it at once, exactly like zlib's crc32(crc, buf, len). */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);

#endif /* CRC32_H */
