/* libFuzzer target: arbitrary flash contents (header page followed by the image region) must never make the
 * check read outside what it was given (fake_flash aborts), crash, or trip the sanitizers; and an accepted
 * image must really satisfy the documented conditions.
 *   CC=clang cmake -S tests/host -B out/host-fuzz -G Ninja && cmake --build out/host-fuzz
 *   out/host-fuzz/fuzz_image_check -max_total_time=60 */
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "fake_flash.h"
#include "image_check.h"

#define HEADER_ADDR 0x08020000u
#define PAGE_SIZE   0x800u
#define IMAGE_ADDR  (HEADER_ADDR + PAGE_SIZE)
#define REGION_SIZE 0x800u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t bytes[PAGE_SIZE + REGION_SIZE];
    memset(bytes, 0xFF, sizeof bytes);
    memcpy(bytes, data, size < sizeof bytes ? size : sizeof bytes);

    fake_flash_t flash = { HEADER_ADDR, bytes, sizeof bytes };
    image_port_t port = fake_flash_port(&flash);
    const image_check_config_t config = {
        .header_addr = HEADER_ADDR,
        .image_addr = IMAGE_ADDR,
        .image_region_size = REGION_SIZE,
        .board_id = 0x04150001u,
        .ram = { { 0x20000000u, 0x00018000u }, { 0x10000000u, 0x00008000u }, { 0x20018000u, 0x00008000u } },
    };
    image_header_t header;
    image_status_t status = image_check(&config, &port, &header);
    (void)image_header_page_erased(&port, HEADER_ADDR, PAGE_SIZE);

    if (status == IMAGE_OK) {
        const uint8_t *image = bytes + PAGE_SIZE;
        uint32_t entry;
        memcpy(&entry, image + 4, sizeof entry);
        if (header.image_size < IMAGE_MIN_SIZE || header.image_size > REGION_SIZE
            || crc32_update(0u, image, header.image_size) != header.image_crc32
            || crc32_update(0u, bytes, IMAGE_HEADER_CRC_SPAN) != header.header_crc32
            || (entry & 1u) == 0u || (entry & ~1u) < IMAGE_ADDR || (entry & ~1u) >= IMAGE_ADDR + header.image_size) {
            abort();
        }
    }
    return 0;
}
