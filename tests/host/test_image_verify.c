/* The signature check (image_verify.c) against images signed here with BearSSL's signer (signed_image.c): a valid
 * image verifies; every way the block can be malformed has its own reason; one flipped bit anywhere in the header,
 * the block or the image is refused, with the reason that names what changed; a key that is not trusted, or a
 * trusted key id over another key's signature, is refused. Images signed by stm32boot itself: test_stm32boot_signed.c. */
#include <string.h>

#include "check.h"
#include "crc32.h"
#include "fake_flash.h"
#include "image_check.h"
#include "image_verify.h"
#include "signed_image.h"

/* The whole application region is flash here, so a header whose image_size grew still reads flash, as on the chip. */
static uint8_t flash_bytes[DEV_PAGE_SIZE + DEV_IMAGE_REGION];
static fake_flash_t flash = { DEV_HEADER_ADDR, flash_bytes, sizeof flash_bytes };

static test_signer_t key_a, key_b;
static test_image_t img;

#define IMAGE_SIZE 1024u
#define BLOCK      (flash_bytes + IMAGE_SIGNATURE_OFFSET)

#define CHECK_VERIFY(expected, actual)                                                                        \
    check_eq_named(__FILE__, __LINE__, #actual, (expected), verify_status_text(expected), (actual), \
                   verify_status_text(actual))

static void install(void)
{
    memset(flash_bytes, 0xFF, sizeof flash_bytes);
    memcpy(flash_bytes, img.bin, img.bin_len);
}

/* A fresh image of IMAGE_SIZE bytes signed by key A with security counter 7, in flash. */
static void signed_by_a(void)
{
    test_image_build(&img, IMAGE_SIZE, 5u);
    signed_image_sign(&img, &key_a, 7u);
    install();
}

/* Checks the image in flash as the boot will: image_check() first, then the signature against these keys. */
static image_verify_status_t verify_with(const image_trusted_key_t *keys, size_t key_count,
                                         image_signature_t *signature)
{
    static image_verify_workspace_t work;
    const image_check_config_t check_config = {
        .header_addr = DEV_HEADER_ADDR,
        .image_addr = DEV_IMAGE_ADDR,
        .image_region_size = DEV_IMAGE_REGION,
        .board_id = DEV_BOARD_ID,
        .ram = { { 0x20000000u, 0x00018000u }, { 0x10000000u, 0x00008000u } },
    };
    const image_verify_config_t config = { .header_addr = DEV_HEADER_ADDR, .keys = keys, .key_count = key_count };
    image_port_t port = fake_flash_port(&flash);
    image_header_t header;
    CHECK_EQ_U32(IMAGE_OK, image_check(&check_config, &port, &header));
    return image_verify(&config, &port, &header, &work, signature);
}

/* The signature alone, for changes image_check() would refuse first (e.g. the initial MSP's bits). */
static image_verify_status_t verify_signature_only(void)
{
    static image_verify_workspace_t work;
    const image_verify_config_t config = { .header_addr = DEV_HEADER_ADDR, .keys = &key_a.trusted, .key_count = 1 };
    image_port_t port = fake_flash_port(&flash);
    image_header_t header;
    image_signature_t signature;
    memcpy(&header, flash_bytes, sizeof header);
    return image_verify(&config, &port, &header, &work, &signature);
}

static image_verify_status_t verify(void)
{
    image_signature_t signature;
    return verify_with(&key_a.trusted, 1, &signature);
}

/* After a test changed header bytes in flash: both CRCs as an attacker would recompute them, so that only the
 * signature stands between the change and a boot. */
static void reseal_in_flash(void)
{
    image_header_t header;
    memcpy(&header, flash_bytes, sizeof header);
    if (header.image_size <= DEV_IMAGE_REGION) { /* a larger one is refused by image_check() anyway */
        header.image_crc32 = crc32_update(0u, flash_bytes + DEV_PAGE_SIZE, header.image_size);
    }
    header.header_crc32 = crc32_update(0u, &header, IMAGE_HEADER_CRC_SPAN);
    memcpy(flash_bytes, &header, sizeof header);
}

static void valid_image_verifies_and_reports_key_and_counter(void)
{
    signed_by_a();
    image_signature_t signature;
    CHECK_VERIFY(IMAGE_VERIFY_OK, verify_with(&key_a.trusted, 1, &signature));
    CHECK_TRUE(memcmp(signature.key_id, key_a.trusted.id, IMAGE_KEY_ID_SIZE) == 0);
    CHECK_EQ_U32(7u, signature.security_counter);
    CHECK_EQ_U32(IMAGE_SIGNATURE_BLOCK_SIZE, signature.block_size);
    CHECK_EQ_U32(28u, signature.protected_size);
}

static void unsigned_image_is_reported_as_unsigned(void)
{
    test_image_build(&img, IMAGE_SIZE, 5u);
    install();
    CHECK_VERIFY(IMAGE_VERIFY_UNSIGNED, verify());

    /* A block left behind by an earlier signed image does not make an image signed: the flag does. */
    signed_by_a();
    flash_bytes[offsetof(image_header_t, flags)] &= (uint8_t)~IMAGE_FLAG_SIGNED;
    reseal_in_flash();
    CHECK_VERIFY(IMAGE_VERIFY_UNSIGNED, verify());
}

static void any_trusted_key_may_sign(void)
{
    const image_trusted_key_t both[2] = { key_a.trusted, key_b.trusted };
    image_signature_t signature;
    test_image_build(&img, IMAGE_SIZE, 6u);
    signed_image_sign(&img, &key_b, 1u);
    install();
    CHECK_VERIFY(IMAGE_VERIFY_OK, verify_with(both, 2, &signature));
    CHECK_VERIFY(IMAGE_VERIFY_UNKNOWN_KEY, verify_with(&key_a.trusted, 1, &signature));
    CHECK_VERIFY(IMAGE_VERIFY_UNKNOWN_KEY, verify_with(NULL, 0, &signature));
}

static void trusted_key_id_over_another_keys_signature_is_a_bad_signature(void)
{
    /* Key B signs a block that names key A: the id only selects the key, it proves nothing. */
    test_signer_t impostor = key_b;
    memcpy(impostor.trusted.id, key_a.trusted.id, IMAGE_KEY_ID_SIZE);
    test_image_build(&img, IMAGE_SIZE, 5u);
    signed_image_sign(&img, &impostor, 7u);
    install();
    CHECK_VERIFY(IMAGE_VERIFY_BAD_SIGNATURE, verify());
}

static void every_header_bit_is_covered(void)
{
    /* flags bit 0 says whether the image is signed at all; every other bit of the 64 bytes is signed. */
    for (uint32_t bit = 0; bit < IMAGE_HEADER_SIZE * 8u; bit++) {
        signed_by_a();
        flash_bytes[bit / 8u] ^= (uint8_t)(1u << (bit % 8u));
        uint32_t byte = bit / 8u;
        bool crc_field = (byte >= offsetof(image_header_t, image_crc32) && byte < offsetof(image_header_t, board_id))
                         || byte >= offsetof(image_header_t, header_crc32);
        if (!crc_field) {
            reseal_in_flash(); /* the two CRC fields themselves stay flipped */
        }
        image_port_t port = fake_flash_port(&flash);
        image_header_t header;
        const image_check_config_t check_config = {
            .header_addr = DEV_HEADER_ADDR,
            .image_addr = DEV_IMAGE_ADDR,
            .image_region_size = DEV_IMAGE_REGION,
            .board_id = DEV_BOARD_ID,
            .ram = { { 0x20000000u, 0x00018000u }, { 0x10000000u, 0x00008000u } },
        };
        if (image_check(&check_config, &port, &header) != IMAGE_OK) {
            continue; /* refused before the signature: magic, version, sizes, address, board, CRCs */
        }
        image_signature_t signature;
        static image_verify_workspace_t work;
        const image_verify_config_t config = { DEV_HEADER_ADDR, &key_a.trusted, 1 };
        image_verify_status_t expected = bit == offsetof(image_header_t, flags) * 8u ? IMAGE_VERIFY_UNSIGNED
                                                                                      : IMAGE_VERIFY_BAD_SIGNATURE;
        CHECK_VERIFY(expected, image_verify(&config, &port, &header, &work, &signature));
    }
}

/* What one flipped bit at a byte offset of the stamped block must be refused as. */
static image_verify_status_t block_flip_reason(uint32_t offset)
{
    if (offset < 2u) {
        return IMAGE_VERIFY_BAD_MAGIC;
    }
    if (offset < 4u) {
        return IMAGE_VERIFY_BAD_VERSION;
    }
    if (offset < 8u) {
        return IMAGE_VERIFY_BAD_SIZE; /* or BAD_TLV: see block_sizes_are_covered */
    }
    /* TLV headers at 8 (KEY_ID), 20 (SECURITY_COUNTER), 28 (signature): a changed type is an unknown one, so its
     * TLV goes missing; a changed length no longer fits its type or its area. */
    static const uint32_t tlv_headers[] = { 8u, 20u, 28u };
    for (uint32_t i = 0; i < 3u; i++) {
        if (offset >= tlv_headers[i] && offset < tlv_headers[i] + 2u) {
            return IMAGE_VERIFY_MISSING_TLV;
        }
        if (offset >= tlv_headers[i] + 2u && offset < tlv_headers[i] + 4u) {
            return IMAGE_VERIFY_BAD_TLV;
        }
    }
    if (offset < 20u) {
        return IMAGE_VERIFY_UNKNOWN_KEY; /* the key id */
    }
    return IMAGE_VERIFY_BAD_SIGNATURE;   /* the security counter (signed) and the signature itself */
}

static void every_block_bit_is_covered(void)
{
    for (uint32_t bit = 0; bit < IMAGE_SIGNATURE_BLOCK_SIZE * 8u; bit++) {
        signed_by_a();
        BLOCK[bit / 8u] ^= (uint8_t)(1u << (bit % 8u));
        image_verify_status_t status = verify();
        image_verify_status_t expected = block_flip_reason(bit / 8u);
        if (expected == IMAGE_VERIFY_BAD_SIZE && status == IMAGE_VERIFY_BAD_TLV) {
            continue;
        }
        CHECK_VERIFY(expected, status);
    }
}

static void block_sizes_are_covered(void)
{
    /* protected_size one smaller: the counter's TLV no longer fits the protected area. */
    signed_by_a();
    BLOCK[4] -= 1u;
    CHECK_VERIFY(IMAGE_VERIFY_BAD_TLV, verify());
    /* protected_size past block_size, block_size past the area: the sizes themselves are wrong. */
    signed_by_a();
    BLOCK[4] = 0x80u;
    CHECK_VERIFY(IMAGE_VERIFY_BAD_SIZE, verify());
    signed_by_a();
    BLOCK[7] = 0x08u;
    CHECK_VERIFY(IMAGE_VERIFY_BAD_SIZE, verify());
}

static void image_bits_are_covered(void)
{
    /* A bit in every 61st byte, a different bit each time, first and last byte included. */
    for (uint32_t offset = 0; offset < IMAGE_SIZE; offset = offset + 61u < IMAGE_SIZE || offset == IMAGE_SIZE - 1u
                                                                      ? offset + 61u
                                                                      : IMAGE_SIZE - 1u) {
        signed_by_a();
        flash_bytes[DEV_PAGE_SIZE + offset] ^= (uint8_t)(1u << (offset % 8u));
        reseal_in_flash();
        CHECK_VERIFY(IMAGE_VERIFY_BAD_SIGNATURE, verify_signature_only());
    }
}

static void bytes_after_the_block_and_the_image_are_not_covered(void)
{
    signed_by_a();
    BLOCK[IMAGE_SIGNATURE_BLOCK_SIZE] = 0x00u;
    flash_bytes[IMAGE_SIGNATURE_AREA_END] = 0x00u; /* the boot-state trailer */
    flash_bytes[DEV_PAGE_SIZE + IMAGE_SIZE] = 0x00u;
    CHECK_VERIFY(IMAGE_VERIFY_OK, verify());
}

/* A block built TLV by TLV and signed by key A over a fresh image. */
static image_verify_status_t verify_block(const test_block_t *block)
{
    test_image_build(&img, IMAGE_SIZE, 5u);
    signed_image_apply(&img, block, &key_a);
    install();
    return verify();
}

static const uint8_t counter_7[IMAGE_SECURITY_COUNTER_SIZE] = { 7, 0, 0, 0 };
static const uint8_t zero_signature[IMAGE_ECDSA_P256_SIGNATURE_SIZE] = { 0 };

static void begin_standard_protected(test_block_t *block)
{
    test_block_begin(block);
    test_block_tlv(block, IMAGE_TLV_KEY_ID, IMAGE_KEY_ID_SIZE, key_a.trusted.id);
    test_block_tlv(block, IMAGE_TLV_SECURITY_COUNTER, IMAGE_SECURITY_COUNTER_SIZE, counter_7);
}

static void end_with_signature(test_block_t *block)
{
    test_block_tlv(block, IMAGE_TLV_ECDSA_P256_SIGNATURE, IMAGE_ECDSA_P256_SIGNATURE_SIZE, zero_signature);
    test_block_finish(block);
}

static void unknown_tlvs_are_skipped_in_either_area(void)
{
    test_block_t block;
    begin_standard_protected(&block);
    test_block_tlv(&block, 0x0100u, 3u, "abc");
    test_block_close_protected(&block);
    test_block_tlv(&block, 0x0200u, 0u, "");
    end_with_signature(&block);
    test_block_tlv(&block, 0xFFFFu, 5u, "trail");
    test_block_finish(&block);
    CHECK_VERIFY(IMAGE_VERIFY_OK, verify_block(&block));
}

static void known_tlvs_must_be_in_their_area_once_with_their_length(void)
{
    test_block_t block;

    /* the counter among the unprotected TLVs, where anyone could change it */
    test_block_begin(&block);
    test_block_tlv(&block, IMAGE_TLV_KEY_ID, IMAGE_KEY_ID_SIZE, key_a.trusted.id);
    test_block_close_protected(&block);
    test_block_tlv(&block, IMAGE_TLV_SECURITY_COUNTER, IMAGE_SECURITY_COUNTER_SIZE, counter_7);
    end_with_signature(&block);
    CHECK_VERIFY(IMAGE_VERIFY_BAD_TLV, verify_block(&block));

    /* the signature inside what it signs */
    begin_standard_protected(&block);
    test_block_tlv(&block, IMAGE_TLV_ECDSA_P256_SIGNATURE, IMAGE_ECDSA_P256_SIGNATURE_SIZE, zero_signature);
    test_block_close_protected(&block);
    test_block_finish(&block);
    CHECK_VERIFY(IMAGE_VERIFY_BAD_TLV, verify_block(&block));

    /* a key id of 4 bytes */
    test_block_begin(&block);
    test_block_tlv(&block, IMAGE_TLV_KEY_ID, 4u, key_a.trusted.id);
    test_block_tlv(&block, IMAGE_TLV_SECURITY_COUNTER, IMAGE_SECURITY_COUNTER_SIZE, counter_7);
    test_block_close_protected(&block);
    end_with_signature(&block);
    CHECK_VERIFY(IMAGE_VERIFY_BAD_TLV, verify_block(&block));

    /* two counters: which one would count? */
    begin_standard_protected(&block);
    test_block_tlv(&block, IMAGE_TLV_SECURITY_COUNTER, IMAGE_SECURITY_COUNTER_SIZE, counter_7);
    test_block_close_protected(&block);
    end_with_signature(&block);
    CHECK_VERIFY(IMAGE_VERIFY_DUPLICATE_TLV, verify_block(&block));

    /* two signatures */
    begin_standard_protected(&block);
    test_block_close_protected(&block);
    test_block_tlv(&block, IMAGE_TLV_ECDSA_P256_SIGNATURE, IMAGE_ECDSA_P256_SIGNATURE_SIZE, zero_signature);
    end_with_signature(&block);
    CHECK_VERIFY(IMAGE_VERIFY_DUPLICATE_TLV, verify_block(&block));
}

static void each_required_tlv_must_be_there(void)
{
    test_block_t block;

    test_block_begin(&block); /* no key id */
    test_block_tlv(&block, IMAGE_TLV_SECURITY_COUNTER, IMAGE_SECURITY_COUNTER_SIZE, counter_7);
    test_block_close_protected(&block);
    end_with_signature(&block);
    CHECK_VERIFY(IMAGE_VERIFY_MISSING_TLV, verify_block(&block));

    test_block_begin(&block); /* no security counter */
    test_block_tlv(&block, IMAGE_TLV_KEY_ID, IMAGE_KEY_ID_SIZE, key_a.trusted.id);
    test_block_close_protected(&block);
    end_with_signature(&block);
    CHECK_VERIFY(IMAGE_VERIFY_MISSING_TLV, verify_block(&block));

    begin_standard_protected(&block); /* no signature */
    test_block_close_protected(&block);
    test_block_finish(&block);
    CHECK_VERIFY(IMAGE_VERIFY_MISSING_TLV, verify_block(&block));
}

static void tlvs_must_tile_their_area(void)
{
    test_block_t block;

    /* an unknown TLV whose length runs past the protected area */
    begin_standard_protected(&block);
    test_block_tlv(&block, 0x0100u, 0u, "");
    test_block_close_protected(&block);
    end_with_signature(&block);
    block.bytes[block.protected_size - 2u] = 1u; /* its length: 1 byte more than the area holds */
    CHECK_VERIFY(IMAGE_VERIFY_BAD_TLV, verify_block(&block));

    /* two stray bytes at the end of the block, too few for a TLV header */
    begin_standard_protected(&block);
    test_block_close_protected(&block);
    end_with_signature(&block);
    block.len += 2u;
    test_block_finish(&block);
    CHECK_VERIFY(IMAGE_VERIFY_BAD_TLV, verify_block(&block));
}

static void block_header_is_checked(void)
{
    test_block_t block;

    begin_standard_protected(&block);
    test_block_close_protected(&block);
    end_with_signature(&block);
    block.bytes[1] = 'X';
    CHECK_VERIFY(IMAGE_VERIFY_BAD_MAGIC, verify_block(&block));

    block.bytes[1] = 'G';
    block.bytes[2] = 2u; /* version 2 */
    CHECK_VERIFY(IMAGE_VERIFY_BAD_VERSION, verify_block(&block));

    block.bytes[2] = 1u;
    block.bytes[4] = 7u; /* protected_size smaller than the block header */
    block.bytes[5] = 0u;
    CHECK_VERIFY(IMAGE_VERIFY_BAD_SIZE, verify_block(&block));

    /* a block running into the boot-state trailer at 0x780 */
    begin_standard_protected(&block);
    test_block_close_protected(&block);
    end_with_signature(&block);
    block.bytes[6] = (uint8_t)(IMAGE_SIGNATURE_AREA_SIZE + 1u);
    block.bytes[7] = (uint8_t)((IMAGE_SIGNATURE_AREA_SIZE + 1u) >> 8);
    CHECK_VERIFY(IMAGE_VERIFY_BAD_SIZE, verify_block(&block));
}

static void a_block_ending_exactly_at_the_trailer_verifies(void)
{
    test_block_t block;
    static const uint8_t filler[IMAGE_SIGNATURE_AREA_SIZE] = { 0 };
    begin_standard_protected(&block);
    test_block_close_protected(&block);
    test_block_tlv(&block, 0x0300u,
                   (uint16_t)(IMAGE_SIGNATURE_AREA_SIZE - IMAGE_SIGNATURE_BLOCK_SIZE - IMAGE_TLV_HEADER_SIZE), filler);
    end_with_signature(&block);
    CHECK_EQ_U32(IMAGE_SIGNATURE_AREA_SIZE, block.len);
    CHECK_VERIFY(IMAGE_VERIFY_OK, verify_block(&block));
}

static void parser_reads_only_the_bytes_it_is_given(void)
{
    /* The stamped block alone, in a buffer of exactly its size (ASan guards its end). */
    signed_by_a();
    image_signature_t signature;
    uint8_t exact[IMAGE_SIGNATURE_BLOCK_SIZE];
    memcpy(exact, BLOCK, sizeof exact);
    CHECK_VERIFY(IMAGE_VERIFY_OK, image_signature_parse(exact, sizeof exact, &signature));
    CHECK_VERIFY(IMAGE_VERIFY_BAD_SIZE, image_signature_parse(exact, sizeof exact - 1u, &signature));
    CHECK_VERIFY(IMAGE_VERIFY_BAD_MAGIC, image_signature_parse(exact, 7u, &signature));
}

static void streaming_digest_in_any_pieces_verifies(void)
{
    signed_by_a();
    image_signature_t signature;
    image_header_t header;
    memcpy(&header, flash_bytes, sizeof header);
    CHECK_VERIFY(IMAGE_VERIFY_OK, image_signature_parse(BLOCK, IMAGE_SIGNATURE_AREA_SIZE, &signature));
    const image_trusted_key_t *key = image_trusted_key_find(&key_a.trusted, 1, signature.key_id);
    CHECK_TRUE(key == &key_a.trusted);

    image_digest_t digest;
    image_digest_start(&digest, &header, BLOCK, &signature);
    static const size_t pieces[] = { 1, 63, 64, 300, 7 };
    size_t done = 0;
    for (size_t i = 0; done < IMAGE_SIZE; i = (i + 1u) % (sizeof pieces / sizeof pieces[0])) {
        size_t len = pieces[i] < IMAGE_SIZE - done ? pieces[i] : IMAGE_SIZE - done;
        image_digest_update(&digest, flash_bytes + DEV_PAGE_SIZE + done, len);
        done += len;
    }
    CHECK_TRUE(image_digest_check(&digest, key, signature.signature));

    image_digest_start(&digest, &header, BLOCK, &signature);
    image_digest_update(&digest, flash_bytes + DEV_PAGE_SIZE, IMAGE_SIZE - 1u);
    CHECK_TRUE(!image_digest_check(&digest, key, signature.signature));
}

static void every_status_has_its_own_text(void)
{
    for (uint32_t a = IMAGE_VERIFY_OK; a <= IMAGE_VERIFY_BAD_SIGNATURE; a++) {
        CHECK_TRUE(strcmp(verify_status_text(a), "?") != 0);
        for (uint32_t b = a + 1u; b <= IMAGE_VERIFY_BAD_SIGNATURE; b++) {
            CHECK_TRUE(strcmp(verify_status_text(a), verify_status_text(b)) != 0);
        }
    }
    CHECK_EQ_STR("unknown signing key", verify_status_text(IMAGE_VERIFY_UNKNOWN_KEY));
    CHECK_EQ_STR("?", verify_status_text(IMAGE_VERIFY_BAD_SIGNATURE + 1));
}

int main(void)
{
    test_signer_init(&key_a, 1u, "key-A-id");
    test_signer_init(&key_b, 2u, "key-B-id");
    RUN_TEST(valid_image_verifies_and_reports_key_and_counter);
    RUN_TEST(unsigned_image_is_reported_as_unsigned);
    RUN_TEST(any_trusted_key_may_sign);
    RUN_TEST(trusted_key_id_over_another_keys_signature_is_a_bad_signature);
    RUN_TEST(every_header_bit_is_covered);
    RUN_TEST(every_block_bit_is_covered);
    RUN_TEST(block_sizes_are_covered);
    RUN_TEST(image_bits_are_covered);
    RUN_TEST(bytes_after_the_block_and_the_image_are_not_covered);
    RUN_TEST(unknown_tlvs_are_skipped_in_either_area);
    RUN_TEST(known_tlvs_must_be_in_their_area_once_with_their_length);
    RUN_TEST(each_required_tlv_must_be_there);
    RUN_TEST(tlvs_must_tile_their_area);
    RUN_TEST(block_header_is_checked);
    RUN_TEST(a_block_ending_exactly_at_the_trailer_verifies);
    RUN_TEST(parser_reads_only_the_bytes_it_is_given);
    RUN_TEST(streaming_digest_in_any_pieces_verifies);
    RUN_TEST(every_status_has_its_own_text);
    return check_summary();
}
