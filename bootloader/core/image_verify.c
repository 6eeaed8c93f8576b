#include "image_verify.h"

#include <string.h>

#include <bearssl_ec.h>

#include "byte_order.h"
#include "text.h"

/* Each known TLV: its type, its exact length, whether it belongs to the protected area, and a bit for "seen". */
typedef struct {
    uint16_t type;
    uint16_t length;
    bool protected_area;
} known_tlv_t;

static const known_tlv_t known_tlvs[] = {
    { IMAGE_TLV_KEY_ID, IMAGE_KEY_ID_SIZE, true },
    { IMAGE_TLV_SECURITY_COUNTER, IMAGE_SECURITY_COUNTER_SIZE, true },
    { IMAGE_TLV_ECDSA_P256_SIGNATURE, IMAGE_ECDSA_P256_SIGNATURE_SIZE, false },
};
#define KNOWN_TLV_COUNT (sizeof known_tlvs / sizeof known_tlvs[0])
#define ALL_KNOWN_SEEN  ((1u << KNOWN_TLV_COUNT) - 1u)

static void store_value(image_signature_t *signature, uint16_t type, const uint8_t *value)
{
    switch (type) {
    case IMAGE_TLV_KEY_ID:
        memcpy(signature->key_id, value, IMAGE_KEY_ID_SIZE);
        break;
    case IMAGE_TLV_SECURITY_COUNTER:
        signature->security_counter = le32(value);
        break;
    default: /* IMAGE_TLV_ECDSA_P256_SIGNATURE, the only other known type */
        memcpy(signature->signature, value, IMAGE_ECDSA_P256_SIGNATURE_SIZE);
        break;
    }
}

/* Walks the TLVs in block[start, end): they must tile the area exactly. */
static image_verify_status_t parse_area(const uint8_t *block, uint32_t start, uint32_t end, bool protected_area,
                                        uint32_t *seen, image_signature_t *signature)
{
    uint32_t at = start;
    while (at < end) {
        if (end - at < IMAGE_TLV_HEADER_SIZE) {
            return IMAGE_VERIFY_BAD_TLV;
        }
        uint16_t type = (uint16_t)le16(block + at);
        uint32_t length = le16(block + at + 2u);
        at += IMAGE_TLV_HEADER_SIZE;
        if (length > end - at) {
            return IMAGE_VERIFY_BAD_TLV;
        }
        for (uint32_t i = 0; i < KNOWN_TLV_COUNT; i++) {
            if (known_tlvs[i].type != type) {
                continue;
            }
            if (known_tlvs[i].protected_area != protected_area || known_tlvs[i].length != length) {
                return IMAGE_VERIFY_BAD_TLV;
            }
            if ((*seen & (1u << i)) != 0u) {
                return IMAGE_VERIFY_DUPLICATE_TLV;
            }
            *seen |= 1u << i;
            store_value(signature, type, block + at);
        }
        at += length;
    }
    return IMAGE_VERIFY_OK;
}

image_verify_status_t image_signature_parse(const uint8_t *block, size_t len, image_signature_t *signature)
{
    static const uint8_t magic[IMAGE_SIGNATURE_MAGIC_SIZE] = IMAGE_SIGNATURE_MAGIC;
    const size_t header_size = sizeof(image_signature_header_t);

    if (len < header_size || memcmp(block, magic, sizeof magic) != 0) {
        return IMAGE_VERIFY_BAD_MAGIC;
    }
    if (le16(block + offsetof(image_signature_header_t, version)) != IMAGE_SIGNATURE_VERSION) {
        return IMAGE_VERIFY_BAD_VERSION;
    }
    signature->protected_size = (uint16_t)le16(block + offsetof(image_signature_header_t, protected_size));
    signature->block_size = (uint16_t)le16(block + offsetof(image_signature_header_t, block_size));
    if (signature->protected_size < header_size || signature->block_size < signature->protected_size
        || signature->block_size > IMAGE_SIGNATURE_AREA_SIZE || signature->block_size > len) {
        return IMAGE_VERIFY_BAD_SIZE;
    }

    uint32_t seen = 0;
    image_verify_status_t status =
        parse_area(block, header_size, signature->protected_size, true, &seen, signature);
    if (status == IMAGE_VERIFY_OK) {
        status = parse_area(block, signature->protected_size, signature->block_size, false, &seen, signature);
    }
    if (status == IMAGE_VERIFY_OK && seen != ALL_KNOWN_SEEN) {
        status = IMAGE_VERIFY_MISSING_TLV;
    }
    return status;
}

const image_trusted_key_t *image_trusted_key_find(const image_trusted_key_t *keys, size_t key_count,
                                                  const uint8_t id[IMAGE_KEY_ID_SIZE])
{
    for (size_t i = 0; i < key_count; i++) {
        if (memcmp(keys[i].id, id, IMAGE_KEY_ID_SIZE) == 0) {
            return &keys[i];
        }
    }
    return NULL;
}

void image_digest_start(image_digest_t *digest, const image_header_t *header, const uint8_t *block,
                        const image_signature_t *signature)
{
    br_sha256_init(&digest->sha);
    br_sha256_update(&digest->sha, header, sizeof *header);
    br_sha256_update(&digest->sha, block, signature->protected_size);
}

void image_digest_update(image_digest_t *digest, const void *data, size_t len)
{
    br_sha256_update(&digest->sha, data, len);
}

bool image_digest_check(image_digest_t *digest, const image_trusted_key_t *key,
                        const uint8_t signature[IMAGE_ECDSA_P256_SIGNATURE_SIZE])
{
    uint8_t hash[br_sha256_SIZE];
    br_sha256_out(&digest->sha, hash);
    /* BearSSL takes the point through a non-const pointer but only reads it. */
    const br_ec_public_key public_key = {
        .curve = BR_EC_secp256r1,
        .q = (unsigned char *)key->point,
        .qlen = sizeof key->point,
    };
    return br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, hash, sizeof hash, &public_key, signature,
                                 IMAGE_ECDSA_P256_SIGNATURE_SIZE)
           == 1u;
}

image_verify_status_t image_verify_block(const image_verify_config_t *config, const image_header_t *header,
                                         const uint8_t *block, size_t len, image_signature_t *signature,
                                         const image_trusted_key_t **key)
{
    *key = NULL;
    if ((header->flags & IMAGE_FLAG_SIGNED) == 0u) {
        return IMAGE_VERIFY_UNSIGNED;
    }
    image_verify_status_t status = image_signature_parse(block, len, signature);
    if (status != IMAGE_VERIFY_OK) {
        return status;
    }
    *key = image_trusted_key_find(config->keys, config->key_count, signature->key_id);
    return *key == NULL ? IMAGE_VERIFY_UNKNOWN_KEY : IMAGE_VERIFY_OK;
}

image_verify_status_t image_verify(const image_verify_config_t *config, const image_port_t *port,
                                   const image_header_t *header, image_verify_workspace_t *work,
                                   image_signature_t *signature)
{
    port->read(port, config->header_addr + IMAGE_SIGNATURE_OFFSET, work->buffer, sizeof work->buffer);
    /* Before hashing: an unsigned image, a malformed block or an unknown key is refused without reading the image. */
    const image_trusted_key_t *key;
    image_verify_status_t status = image_verify_block(config, header, work->buffer, sizeof work->buffer, signature,
                                                      &key);
    if (status != IMAGE_VERIFY_OK) {
        return status;
    }

    image_digest_start(&work->digest, header, work->buffer, signature);
    for (uint32_t done = 0; done < header->image_size;) {
        uint32_t len = header->image_size - done;
        if (len > sizeof work->buffer) {
            len = sizeof work->buffer;
        }
        port->read(port, header->image_addr + done, work->buffer, len);
        image_digest_update(&work->digest, work->buffer, len);
        done += len;
    }
    return image_digest_check(&work->digest, key, signature->signature) ? IMAGE_VERIFY_OK : IMAGE_VERIFY_BAD_SIGNATURE;
}

void image_verify_status_write(text_t *out, image_verify_status_t status)
{
    if (status >= IMAGE_VERIFY_BAD_MAGIC && status <= IMAGE_VERIFY_MISSING_TLV) {
        text_str(out, "signature block: ");
    }
    text_str(out, text_pick("ok\0image not signed\0bad magic\0unsupported version\0bad size\0bad TLV\0duplicate TLV\0"
                            "missing TLV\0unknown signing key\0bad signature\0",
                            status));
}
