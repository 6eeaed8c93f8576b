/* The 64-byte image header at the start of the application header page (docs/design.md §4): the contract between
 * the bootloader, the application that embeds it, and `stm32boot stamp`, which fills the sizes and CRCs.
 * Little-endian, naturally aligned, no packing: the static assertions pin every offset. */
#ifndef IMAGE_HEADER_H
#define IMAGE_HEADER_H

#include <stddef.h>
#include <stdint.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "image_header_t is read straight from flash: build for a little-endian target"
#endif

/* 'L','4','A','P' in memory order. */
#define IMAGE_HEADER_MAGIC          { 'L', '4', 'A', 'P' }
#define IMAGE_HEADER_MAGIC_SIZE     4u
#define IMAGE_HEADER_VERSION        1u
#define IMAGE_HEADER_SIZE           64u
#define IMAGE_HEADER_VERSION_PARTS  4u

typedef struct {
    uint8_t magic[IMAGE_HEADER_MAGIC_SIZE];
    uint16_t header_version;
    uint16_t header_size;
    uint16_t fw_version[IMAGE_HEADER_VERSION_PARTS]; /* major, minor, patch, build */
    uint32_t image_addr;
    uint32_t image_size;
    uint32_t image_crc32;   /* zlib CRC-32 over image_size bytes from image_addr */
    uint32_t board_id;
    uint32_t flags;         /* IMAGE_FLAG_*; every other bit 0 */
    uint8_t reserved[24];   /* zero */
    uint32_t header_crc32;  /* zlib CRC-32 over every byte before this field */
} image_header_t;

_Static_assert(offsetof(image_header_t, magic) == 0x00, "magic at 0x00");
_Static_assert(offsetof(image_header_t, header_version) == 0x04, "header_version at 0x04");
_Static_assert(offsetof(image_header_t, header_size) == 0x06, "header_size at 0x06");
_Static_assert(offsetof(image_header_t, fw_version) == 0x08, "fw_version at 0x08");
_Static_assert(offsetof(image_header_t, image_addr) == 0x10, "image_addr at 0x10");
_Static_assert(offsetof(image_header_t, image_size) == 0x14, "image_size at 0x14");
_Static_assert(offsetof(image_header_t, image_crc32) == 0x18, "image_crc32 at 0x18");
_Static_assert(offsetof(image_header_t, board_id) == 0x1C, "board_id at 0x1C");
_Static_assert(offsetof(image_header_t, flags) == 0x20, "flags at 0x20");
_Static_assert(offsetof(image_header_t, reserved) == 0x24, "reserved at 0x24");
_Static_assert(offsetof(image_header_t, header_crc32) == 0x3C, "header_crc32 at 0x3C");
_Static_assert(sizeof(image_header_t) == IMAGE_HEADER_SIZE, "image_header_t must be 64 bytes");

/* flags: a signature block (image_signature.h) follows the header in the header page. */
#define IMAGE_FLAG_SIGNED 0x00000001u

/* Bytes covered by header_crc32. */
#define IMAGE_HEADER_CRC_SPAN offsetof(image_header_t, header_crc32)

#endif /* IMAGE_HEADER_H */
