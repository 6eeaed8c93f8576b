/* libFuzzer target for the signature block parser and the signature check: arbitrary header page and image bytes
 * must never make them read outside what they were given (the parser gets a heap copy of exactly the input's block
 * bytes, so ASan sees any overread; fake_flash aborts outside the flash), crash, or trip the sanitizers; a block
 * the parser accepts must be consistent; nothing but an image signed by the trusted key verifies.
 *   CC=clang cmake -S tests/host -B out/host-fuzz -G Ninja && cmake --build out/host-fuzz
 *   out/host-fuzz/fuzz_image_verify -max_total_time=60 tests/host/fuzz_corpus/fuzz_image_verify
 * The seeds: an image signed by signed_image.c's key A (the key trusted here), the same image unsigned, and a
 * block with unknown TLVs in both areas. */
#include <stdlib.h>
#include <string.h>

#include "fake_flash.h"
#include "image_check.h"
#include "image_verify.h"
#include "signed_image.h"

#define HEADER_ADDR 0x08020000u
#define PAGE_SIZE   0x800u
#define IMAGE_ADDR  (HEADER_ADDR + PAGE_SIZE)
#define REGION_SIZE 0x400u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_alone(const uint8_t *data, size_t size)
{
    size_t len = size > IMAGE_SIGNATURE_OFFSET ? size - IMAGE_SIGNATURE_OFFSET : 0u;
    if (len > IMAGE_SIGNATURE_AREA_SIZE) {
        len = IMAGE_SIGNATURE_AREA_SIZE;
    }
    uint8_t *block = malloc(len + 1u); /* +1: malloc(0) may return NULL */
    if (len > 0u) {
        memcpy(block, data + IMAGE_SIGNATURE_OFFSET, len);
    }
    image_signature_t signature;
    if (image_signature_parse(block, len, &signature) == IMAGE_VERIFY_OK
        && (signature.protected_size < sizeof(image_signature_header_t)
            || signature.block_size < signature.protected_size || signature.block_size > len)) {
        abort();
    }
    free(block);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static test_signer_t key;
    static bool key_ready;
    if (!key_ready) {
        test_signer_init(&key, 1u, "key-A-id");
        key_ready = true;
    }
    parse_alone(data, size);

    static uint8_t bytes[PAGE_SIZE + REGION_SIZE];
    memset(bytes, 0xFF, sizeof bytes);
    memcpy(bytes, data, size < sizeof bytes ? size : sizeof bytes);
    fake_flash_t flash = { HEADER_ADDR, bytes, sizeof bytes };
    image_port_t port = fake_flash_port(&flash);
    const image_check_config_t check_config = {
        .header_addr = HEADER_ADDR,
        .image_addr = IMAGE_ADDR,
        .image_region_size = REGION_SIZE,
        .board_id = 0x04150001u,
        .ram = { { 0x20000000u, 0x00018000u }, { 0x10000000u, 0x00008000u } },
    };
    image_header_t header;
    if (image_check(&check_config, &port, &header) != IMAGE_OK) {
        return 0;
    }
    static image_verify_workspace_t work;
    const image_verify_config_t config = { .header_addr = HEADER_ADDR, .keys = &key.trusted, .key_count = 1 };
    image_signature_t signature;
    if (image_verify(&config, &port, &header, &work, &signature) == IMAGE_VERIFY_OK
        && memcmp(signature.key_id, key.trusted.id, IMAGE_KEY_ID_SIZE) != 0) {
        abort();
    }
    return 0;
}
