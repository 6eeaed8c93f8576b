/* Which images this bootloader accepts: the boot check (image_check.h) and, with signatures required (setting
 * RequireSignature), a signature by one of the compiled-in keys (image_verify.h) over a security counter no lower
 * than the anti-rollback minimum (rollback.h). Every path asks the same question here: the flash writer before it
 * commits a header (UART and USB), the UART path before the first flash change a staged header page would cause,
 * the USB update after its first read of the file, and the boot path.
 *
 * The order is the reader's: the boot check first (a header that is not one, or an image that did not arrive
 * whole, is named as such), then the signature, then the counter (which only a verified block can be trusted
 * for). */
#ifndef IMAGE_POLICY_H
#define IMAGE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image_check.h"
#include "image_port.h"
#include "image_verify.h"
#include "text.h"

/* Whether this build checks signatures at all. The firmware decides at compile time, from RequireSignature in
 * build_config.h (generated; on the firmware's include path): without it, no call into the signature code is left
 * and the link leaves BearSSL out. A build without build_config.h (the host tests) has both, chosen per policy at
 * run time. */
#if defined(__has_include)
#if __has_include("build_config.h")
#include "build_config.h"
#endif
#endif
#if defined(REQUIRE_SIGNATURE) && REQUIRE_SIGNATURE == 0
#define IMAGE_POLICY_SIGNATURES 0
#else
#define IMAGE_POLICY_SIGNATURES 1
#endif

typedef struct {
    const image_check_config_t *check;
    bool require_signature;             /* REQUIRE_SIGNATURE: off, the policy is the boot check alone */
    const image_trusted_key_t *keys;    /* signing_keys.h */
    size_t key_count;
    const uint32_t *minimum_counter;    /* the anti-rollback minimum, as read from OTP at reset */
} image_policy_t;

typedef enum {
    IMAGE_VERDICT_OK = 0,
    IMAGE_VERDICT_CHECK,      /* the boot check refused: .check */
    IMAGE_VERDICT_SIGNATURE,  /* not signed, malformed block, unknown key, or the signature does not verify: .signature */
    IMAGE_VERDICT_ROLLBACK,   /* signed, but .counter is below .minimum */
} image_verdict_kind_t;

typedef struct {
    image_verdict_kind_t kind;
    image_status_t check;
    image_verify_status_t signature;
    uint32_t counter;         /* the image's security counter, once its block parsed */
    uint32_t minimum;
} image_verdict_t;

static inline bool image_policy_signatures(const image_policy_t *policy)
{
    return IMAGE_POLICY_SIGNATURES && policy->require_signature;
}

/* Everything, over the port: image_check() (fills *header), then the full signature check and the counter. */
image_verdict_t image_policy_check(const image_policy_t *policy, const image_port_t *port, image_header_t *header,
                                   image_verify_workspace_t *work);

/* What the header page alone tells, before the image is there: the header's own checks (image_header_check()),
 * then signed, block well-formed, key trusted, counter not below the minimum. header: the page's first
 * IMAGE_HEADER_SIZE bytes; block: the IMAGE_SIGNATURE_AREA_SIZE bytes from IMAGE_SIGNATURE_OFFSET. */
image_verdict_t image_policy_check_header(const image_policy_t *policy, const uint8_t *header, const uint8_t *block);

/* The counter rule alone (signature already verified): a verdict of kind OK or ROLLBACK. */
image_verdict_t image_policy_check_counter(const image_policy_t *policy, uint32_t counter);

/* The reason, e.g. "header CRC mismatch", "wrong board id", "image not signed", "bad signature",
 * "security counter 1 below minimum 2"; "ok" for IMAGE_VERDICT_OK. */
void image_verdict_write(text_t *out, const image_verdict_t *verdict);

/* A verdict in one 32-bit word and back, for an RTC backup register: kind, status and the image's counter (up to
 * 0xFFFF; the minimum is read again where the word is shown). 0 is "no verdict". */
uint32_t image_verdict_pack(const image_verdict_t *verdict);
bool image_verdict_unpack(uint32_t word, image_verdict_t *verdict);

#endif /* IMAGE_POLICY_H */
