/* This image's header, placed by linker/application.ld at the start of the header page. Sizes and CRCs stay
 * zero here: `stm32boot stamp` fills them in the linked image. After it, the room for the signature block the stamp
 * writes (image_signature.h), erased until then, so that the stamped ELF holds the same bytes as the stamped HEX. */
#include "build_config.h"
#include "image_header.h"
#include "image_signature.h"
#include "memory_map.h"

__attribute__((section(".image_header"), used))
const image_header_t application_image_header = {
    .magic = IMAGE_HEADER_MAGIC,
    .header_version = IMAGE_HEADER_VERSION,
    .header_size = IMAGE_HEADER_SIZE,
    .fw_version = { FW_VERSION_MAJOR, FW_VERSION_MINOR, FW_VERSION_PATCH, FW_VERSION_BUILD },
    .image_addr = MM_IMAGE_BASE,
    .image_size = 0u,
    .image_crc32 = 0u,
    .board_id = BOARD_ID,
    .flags = 0u,
    .reserved = { 0 },
    .header_crc32 = 0u,
};

__attribute__((section(".image_signature"), used))
const uint8_t application_image_signature[IMAGE_SIGNATURE_BLOCK_SIZE] = { [0 ... IMAGE_SIGNATURE_BLOCK_SIZE - 1u] = 0xFFu };
