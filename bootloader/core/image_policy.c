#include "image_policy.h"

#include <string.h>

#include "crc32.h"

static image_verdict_t verdict_of_check(image_status_t status)
{
    return (image_verdict_t){ .kind = status == IMAGE_OK ? IMAGE_VERDICT_OK : IMAGE_VERDICT_CHECK, .check = status };
}

image_verdict_t image_policy_check_counter(const image_policy_t *policy, uint32_t counter)
{
    uint32_t minimum = *policy->minimum_counter;
    return (image_verdict_t){
        .kind = counter < minimum ? IMAGE_VERDICT_ROLLBACK : IMAGE_VERDICT_OK,
        .counter = counter,
        .minimum = minimum,
    };
}

/* The signature's verdict, then the counter's, which only a verified (or, before the image, parsed) block
 * can be trusted for. */
static image_verdict_t verdict_of_signature(const image_policy_t *policy, image_verify_status_t status,
                                            const image_signature_t *signature)
{
    if (status != IMAGE_VERIFY_OK) {
        return (image_verdict_t){ .kind = IMAGE_VERDICT_SIGNATURE, .signature = status };
    }
    return image_policy_check_counter(policy, signature->security_counter);
}

static image_verify_config_t verify_config(const image_policy_t *policy)
{
    return (image_verify_config_t){
        .header_addr = policy->check->header_addr,
        .keys = policy->keys,
        .key_count = policy->key_count,
    };
}

image_verdict_t image_policy_check(const image_policy_t *policy, const image_port_t *port, image_header_t *header,
                                   image_verify_workspace_t *work)
{
    image_verdict_t verdict = verdict_of_check(image_check(policy->check, port, header));
    if (verdict.kind != IMAGE_VERDICT_OK || !image_policy_signatures(policy)) {
        return verdict;
    }
    image_verify_config_t config = verify_config(policy);
    image_signature_t signature;
    return verdict_of_signature(policy, image_verify(&config, port, header, work, &signature), &signature);
}

image_verdict_t image_policy_check_header(const image_policy_t *policy, const uint8_t *header_bytes,
                                          const uint8_t *block)
{
    image_header_t header;
    memcpy(&header, header_bytes, sizeof header);
    image_verdict_t verdict = verdict_of_check(
        image_header_check(policy->check, &header, crc32_update(0u, header_bytes, IMAGE_HEADER_CRC_SPAN)));
    if (verdict.kind != IMAGE_VERDICT_OK || !image_policy_signatures(policy)) {
        return verdict;
    }
    image_verify_config_t config = verify_config(policy);
    image_signature_t signature;
    const image_trusted_key_t *key;
    image_verify_status_t status = image_verify_block(&config, &header, block, IMAGE_SIGNATURE_AREA_SIZE,
                                                      &signature, &key);
    return verdict_of_signature(policy, status, &signature);
}

void image_verdict_write(text_t *out, const image_verdict_t *verdict)
{
    switch (verdict->kind) {
    case IMAGE_VERDICT_OK:
    case IMAGE_VERDICT_CHECK:
        text_str(out, image_status_text(verdict->check));
        return;
    case IMAGE_VERDICT_SIGNATURE:
        image_verify_status_write(out, verdict->signature);
        return;
    case IMAGE_VERDICT_ROLLBACK:
        text_str(out, "security counter ");
        text_u32(out, verdict->counter);
        text_str(out, " below minimum ");
        text_u32(out, verdict->minimum);
        return;
    }
}

/* 0xAE in the top byte marks a verdict; then kind (4 bits), status (4 bits: both status enums stay below 16) and
 * the counter, saturated. */
#define VERDICT_WORD_MARK  0xAE000000u
#define VERDICT_WORD_MASK  0xFF000000u
_Static_assert(IMAGE_CRC_MISMATCH < 16 && IMAGE_VERIFY_BAD_SIGNATURE < 16, "a status fits in 4 bits");

uint32_t image_verdict_pack(const image_verdict_t *verdict)
{
    uint32_t status = verdict->kind == IMAGE_VERDICT_SIGNATURE ? (uint32_t)verdict->signature : (uint32_t)verdict->check;
    uint32_t counter = verdict->counter > 0xFFFFu ? 0xFFFFu : verdict->counter;
    return VERDICT_WORD_MARK | (uint32_t)verdict->kind << 20 | status << 16 | counter;
}

bool image_verdict_unpack(uint32_t word, image_verdict_t *verdict)
{
    uint32_t kind = word >> 20 & 0xFu;
    if ((word & VERDICT_WORD_MASK) != VERDICT_WORD_MARK || kind > IMAGE_VERDICT_ROLLBACK) {
        return false;
    }
    uint32_t status = word >> 16 & 0xFu;
    *verdict = (image_verdict_t){
        .kind = (image_verdict_kind_t)kind,
        .check = kind == IMAGE_VERDICT_CHECK ? (image_status_t)status : IMAGE_OK,
        .signature = kind == IMAGE_VERDICT_SIGNATURE ? (image_verify_status_t)status : IMAGE_VERIFY_OK,
        .counter = word & 0xFFFFu,
    };
    return true;
}
