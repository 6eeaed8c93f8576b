/* Multi-byte fields of the USB stack's wire and disk formats (descriptors, CBW/CSW, SCSI data, FAT structures, HEX
 * records), read and written in place at any alignment. memcpy of a constant size compiles to one unaligned load or
 * store on the Cortex-M4 (and on the test hosts), where assembling bytes with shifts costs several instructions at
 * every field of a bootloader within its flash budget. */
#ifndef BYTE_ORDER_H
#define BYTE_ORDER_H

#include <stdint.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "byte_order.h reads little-endian fields as native integers: build for a little-endian target"
#endif

static inline uint32_t le16(const uint8_t *p)
{
    uint16_t value;
    memcpy(&value, p, sizeof value);
    return value;
}

static inline uint32_t le32(const uint8_t *p)
{
    uint32_t value;
    memcpy(&value, p, sizeof value);
    return value;
}

static inline void put_le32(uint8_t *p, uint32_t value)
{
    memcpy(p, &value, sizeof value);
}

static inline uint32_t be16(const uint8_t *p)
{
    return __builtin_bswap16((uint16_t)le16(p));
}

static inline uint32_t be32(const uint8_t *p)
{
    return __builtin_bswap32(le32(p));
}

static inline void put_be32(uint8_t *p, uint32_t value)
{
    put_le32(p, __builtin_bswap32(value));
}

#endif /* BYTE_ORDER_H */
