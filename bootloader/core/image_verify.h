/* The signature check of an application image (format: image_signature.h): parses the signature block in the
 * header page, finds the signing key among the trusted ones, hashes header, protected TLVs and image with SHA-256
 * and verifies the ECDSA P-256 signature, with BearSSL. No heap: the caller provides every buffer.
 *
 * Two ways in. image_verify() does it all through the image port, for an image in flash (the header page may be
 * staged in RAM behind the port). The parts below it serve a caller that sees the image only as a stream, such as
 * an update that checks a file before it erases anything: image_signature_parse(), image_trusted_key_find(),
 * image_digest_start() / _update() and image_digest_check(). */
#ifndef IMAGE_VERIFY_H
#define IMAGE_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bearssl_hash.h>

#include "image_header.h"
#include "image_port.h"
#include "image_signature.h"
#include "text.h"

typedef enum {
    IMAGE_VERIFY_OK = 0,
    IMAGE_VERIFY_UNSIGNED,         /* flags has no IMAGE_FLAG_SIGNED */
    IMAGE_VERIFY_BAD_MAGIC,        /* no 'S','G' where the block must start */
    IMAGE_VERIFY_BAD_VERSION,      /* a block version this bootloader does not read */
    IMAGE_VERIFY_BAD_SIZE,         /* protected_size / block_size out of order, or past the block's area */
    IMAGE_VERIFY_BAD_TLV,          /* a TLV runs past its area, has the wrong length, or sits in the wrong area */
    IMAGE_VERIFY_DUPLICATE_TLV,    /* a known type twice */
    IMAGE_VERIFY_MISSING_TLV,      /* no key id, no security counter, or no signature */
    IMAGE_VERIFY_UNKNOWN_KEY,      /* the key id names none of the trusted keys */
    IMAGE_VERIFY_BAD_SIGNATURE,    /* the signature does not verify: some signed byte changed, or another key signed */
} image_verify_status_t;

/* A public key the bootloader trusts (stm32boot generate writes the table: signing_keys.h). */
typedef struct {
    uint8_t id[IMAGE_KEY_ID_SIZE];
    uint8_t point[IMAGE_P256_POINT_SIZE];
} image_trusted_key_t;

/* What a well-formed block says. */
typedef struct {
    uint16_t protected_size;
    uint16_t block_size;
    uint8_t key_id[IMAGE_KEY_ID_SIZE];
    uint32_t security_counter;
    uint8_t signature[IMAGE_ECDSA_P256_SIGNATURE_SIZE];
} image_signature_t;

/* SHA-256 over what the signature covers, fed in order. */
typedef struct {
    br_sha256_context sha;
} image_digest_t;

typedef struct {
    uint32_t header_addr;
    const image_trusted_key_t *keys;
    size_t key_count;
} image_verify_config_t;

/* image_verify()'s memory: a digest, and a buffer that holds the block, then image bytes on their way to the hash. */
typedef struct {
    image_digest_t digest;
    uint8_t buffer[IMAGE_SIGNATURE_AREA_SIZE];
} image_verify_workspace_t;

/* Checks the signature of the image whose header image_check() has read and accepted (so image_size lies inside
 * the image region). Fills *signature as far as the block could be parsed. */
image_verify_status_t image_verify(const image_verify_config_t *config, const image_port_t *port,
                                   const image_header_t *header, image_verify_workspace_t *work,
                                   image_signature_t *signature);

/* What can be checked without the image: the header says signed, the block parses, and its key is trusted (*key,
 * else NULL). block/len as for image_signature_parse(). */
image_verify_status_t image_verify_block(const image_verify_config_t *config, const image_header_t *header,
                                         const uint8_t *block, size_t len, image_signature_t *signature,
                                         const image_trusted_key_t **key);

/* Parses the block at the start of block (the header page bytes from IMAGE_SIGNATURE_OFFSET on; len of them are
 * readable, and no more than IMAGE_SIGNATURE_AREA_SIZE are looked at). */
image_verify_status_t image_signature_parse(const uint8_t *block, size_t len, image_signature_t *signature);

/* The trusted key with this id, or NULL. */
const image_trusted_key_t *image_trusted_key_find(const image_trusted_key_t *keys, size_t key_count,
                                                  const uint8_t id[IMAGE_KEY_ID_SIZE]);

/* Starts the digest with the header and the block's protected bytes (block as given to image_signature_parse). */
void image_digest_start(image_digest_t *digest, const image_header_t *header, const uint8_t *block,
                        const image_signature_t *signature);
/* Adds image bytes, in order, image_size of them in all. */
void image_digest_update(image_digest_t *digest, const void *data, size_t len);
/* True when the signature verifies against key over the digest so far. */
bool image_digest_check(image_digest_t *digest, const image_trusted_key_t *key,
                        const uint8_t signature[IMAGE_ECDSA_P256_SIGNATURE_SIZE]);

/* The fixed reason text for a status, e.g. "unknown signing key", "signature block: bad TLV" ("ok" for
 * IMAGE_VERIFY_OK, "?" past the last status). */
void image_verify_status_write(text_t *out, image_verify_status_t status);

#endif /* IMAGE_VERIFY_H */
