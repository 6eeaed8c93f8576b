#include "signed_image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl_ec.h>
#include <bearssl_hash.h>

void test_signer_init(test_signer_t *signer, uint8_t seed, const char id[IMAGE_KEY_ID_SIZE])
{
    /* Any scalar in [1, n-1] is a private key; a leading 0x01 keeps this one below the P-256 order n. */
    signer->secret[0] = 0x01u;
    for (uint32_t i = 1; i < sizeof signer->secret; i++) {
        signer->secret[i] = (uint8_t)(seed * 37u + i * 11u);
    }
    const br_ec_private_key private_key = { BR_EC_secp256r1, signer->secret, sizeof signer->secret };
    br_ec_public_key public_key;
    if (br_ec_compute_pub(&br_ec_p256_m31, &public_key, signer->trusted.point, &private_key)
        != sizeof signer->trusted.point) {
        fprintf(stderr, "signed image: BearSSL could not derive the public key of seed %u\n", seed);
        abort();
    }
    memcpy(signer->trusted.id, id, IMAGE_KEY_ID_SIZE);
}

static void put_le16(uint8_t *p, size_t value)
{
    p[0] = (uint8_t)value;
    p[1] = (uint8_t)(value >> 8);
}

void test_block_begin(test_block_t *block)
{
    memset(block, 0xFF, sizeof block->bytes);
    block->bytes[0] = 'S';
    block->bytes[1] = 'G';
    put_le16(block->bytes + 2, IMAGE_SIGNATURE_VERSION);
    block->len = sizeof(image_signature_header_t);
    block->protected_size = 0;
    block->signature_value = 0;
}

void test_block_tlv(test_block_t *block, uint16_t type, uint16_t length, const void *value)
{
    if (block->len + IMAGE_TLV_HEADER_SIZE + length > sizeof block->bytes) {
        fprintf(stderr, "signed image: a TLV of %u bytes does not fit the block\n", length);
        abort();
    }
    put_le16(block->bytes + block->len, type);
    put_le16(block->bytes + block->len + 2, length);
    block->len += IMAGE_TLV_HEADER_SIZE;
    if (type == IMAGE_TLV_ECDSA_P256_SIGNATURE) {
        block->signature_value = block->len;
    }
    memcpy(block->bytes + block->len, value, length);
    block->len += length;
}

void test_block_close_protected(test_block_t *block)
{
    block->protected_size = block->len;
}

void test_block_finish(test_block_t *block)
{
    put_le16(block->bytes + 4, block->protected_size);
    put_le16(block->bytes + 6, block->len);
}

void signed_image_apply(test_image_t *img, const test_block_t *block, const test_signer_t *signer)
{
    img->header.flags |= IMAGE_FLAG_SIGNED;
    test_image_seal(img);
    uint8_t *page_block = img->bin + IMAGE_SIGNATURE_OFFSET;
    memcpy(page_block, block->bytes, block->len);
    if (block->signature_value == 0) {
        return;
    }

    br_sha256_context sha;
    uint8_t hash[br_sha256_SIZE];
    br_sha256_init(&sha);
    br_sha256_update(&sha, img->bin, IMAGE_HEADER_SIZE);
    br_sha256_update(&sha, page_block, block->protected_size);
    br_sha256_update(&sha, img->bin + DEV_PAGE_SIZE, img->header.image_size);
    br_sha256_out(&sha, hash);
    const br_ec_private_key private_key = { BR_EC_secp256r1, (unsigned char *)signer->secret, sizeof signer->secret };
    if (br_ecdsa_i31_sign_raw(&br_ec_p256_m31, &br_sha256_vtable, hash, &private_key,
                              page_block + block->signature_value)
        != IMAGE_ECDSA_P256_SIGNATURE_SIZE) {
        fprintf(stderr, "signed image: BearSSL could not sign\n");
        abort();
    }
}

void signed_image_sign(test_image_t *img, const test_signer_t *signer, uint32_t security_counter)
{
    const uint8_t counter[IMAGE_SECURITY_COUNTER_SIZE] = {
        (uint8_t)security_counter, (uint8_t)(security_counter >> 8), (uint8_t)(security_counter >> 16),
        (uint8_t)(security_counter >> 24),
    };
    const uint8_t unsigned_yet[IMAGE_ECDSA_P256_SIGNATURE_SIZE] = { 0 };
    test_block_t block;
    test_block_begin(&block);
    test_block_tlv(&block, IMAGE_TLV_KEY_ID, IMAGE_KEY_ID_SIZE, signer->trusted.id);
    test_block_tlv(&block, IMAGE_TLV_SECURITY_COUNTER, sizeof counter, counter);
    test_block_close_protected(&block);
    test_block_tlv(&block, IMAGE_TLV_ECDSA_P256_SIGNATURE, sizeof unsigned_yet, unsigned_yet);
    test_block_finish(&block);
    signed_image_apply(img, &block, signer);
}

const char *verify_status_text(image_verify_status_t status)
{
    static char buffers[4][64];
    static unsigned next;
    char *buf = buffers[next++ % 4u];
    text_t text;
    text_init(&text, buf, sizeof buffers[0]);
    image_verify_status_write(&text, status);
    return buf;
}
