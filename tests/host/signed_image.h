/* Signed test images, made without image_verify.c: the block written TLV by TLV as image_signature.h describes it,
 * the SHA-256 of what the signature covers taken here, and the signature made by BearSSL's own ECDSA signer
 * (deterministic, RFC 6979) with a test key. */
#ifndef SIGNED_IMAGE_H
#define SIGNED_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "image_verify.h"
#include "test_image.h"

/* A P-256 key pair: the secret scalar and the public half as the bootloader's key table holds it. */
typedef struct {
    uint8_t secret[32];
    image_trusted_key_t trusted;
} test_signer_t;

/* A key made from seed (any two seeds give different keys), with the given 8-byte key id. */
void test_signer_init(test_signer_t *signer, uint8_t seed, const char id[IMAGE_KEY_ID_SIZE]);

/* A block under construction: TLVs appended in order, the protected area closed once. */
typedef struct {
    uint8_t bytes[IMAGE_SIGNATURE_AREA_SIZE];
    size_t len;
    size_t protected_size;   /* 0 until test_block_close_protected() */
    size_t signature_value;  /* offset of the last ECDSA_P256_SIGNATURE value appended, 0 if none */
} test_block_t;

void test_block_begin(test_block_t *block);
void test_block_tlv(test_block_t *block, uint16_t type, uint16_t length, const void *value);
void test_block_close_protected(test_block_t *block);
/* The block header as test_block_begin() wrote it, its sizes filled in. */
void test_block_finish(test_block_t *block);

/* Puts the block into the header page after the header, sets IMAGE_FLAG_SIGNED (header CRC re-sealed) and, if the
 * block has a signature TLV, fills it with signer's signature over header, protected bytes and image. */
void signed_image_apply(test_image_t *img, const test_block_t *block, const test_signer_t *signer);

/* The block stm32boot writes: KEY_ID of signer, SECURITY_COUNTER, ECDSA_P256_SIGNATURE; applied and signed. */
void signed_image_sign(test_image_t *img, const test_signer_t *signer, uint32_t security_counter);

/* image_verify_status_write() into one of four rotating buffers, for messages that show two statuses at once. */
const char *verify_status_text(image_verify_status_t status);

#endif /* SIGNED_IMAGE_H */
