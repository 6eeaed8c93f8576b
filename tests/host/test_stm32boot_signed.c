/* Images signed by stm32boot (the C# side, with .NET's ECDsa) verified by image_verify.c against the key table
 * `stm32boot generate` wrote (signing_keys.h): the two sides agree on the block, the key id, the digest and the
 * signature encoding. stm32boot_signed.py made the files: signed.bin (security counter 42), other.bin (another key),
 * unsigned.bin, each the header page followed by the image, as stm32flash writes a .bin. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "signed_image.h"
#include "fake_flash.h"
#include "fixture_files.h"
#include "image_check.h"
#include "image_verify.h"
#include "signing_keys.h"

#define HEADER_ADDR 0x08020000u
#define PAGE_SIZE   0x800u
#define REGION_SIZE 0x000DF800u

static uint8_t *bin;
static size_t bin_len;

#define CHECK_VERIFY(expected, actual)                                                                        \
    check_eq_named(__FILE__, __LINE__, #actual, (expected), verify_status_text(expected), (actual), \
                   verify_status_text(actual))

static void load(const char *name)
{
    free(bin);
    bin = fixture_read(name, &bin_len);
}

/* The header as image_check() reads and accepts it, then the signature against the generated key table. */
static image_verify_status_t verify(image_signature_t *signature)
{
    static image_verify_workspace_t work;
    fake_flash_t flash = { HEADER_ADDR, bin, bin_len };
    image_port_t port = fake_flash_port(&flash);
    const image_check_config_t check_config = {
        .header_addr = HEADER_ADDR,
        .image_addr = HEADER_ADDR + PAGE_SIZE,
        .image_region_size = REGION_SIZE,
        .board_id = 0x04150001u,
        .ram = { { 0x20000000u, 0x00018000u }, { 0x10000000u, 0x00008000u } },
    };
    image_header_t header;
    CHECK_EQ_U32(IMAGE_OK, image_check(&check_config, &port, &header));
    const image_verify_config_t config = { HEADER_ADDR, signing_keys, SIGNING_KEY_COUNT };
    return image_verify(&config, &port, &header, &work, signature);
}

/* For changes image_check() would refuse (header bytes under its CRC): the signature alone. */
static image_verify_status_t verify_signature_only(void)
{
    static image_verify_workspace_t work;
    fake_flash_t flash = { HEADER_ADDR, bin, bin_len };
    image_port_t port = fake_flash_port(&flash);
    image_header_t header;
    memcpy(&header, bin, sizeof header);
    const image_verify_config_t config = { HEADER_ADDR, signing_keys, SIGNING_KEY_COUNT };
    image_signature_t signature;
    return image_verify(&config, &port, &header, &work, &signature);
}

static void signed_image_verifies_with_its_key_id_and_counter(void)
{
    load("signed.bin");
    image_signature_t signature;
    CHECK_VERIFY(IMAGE_VERIFY_OK, verify(&signature));
    CHECK_TRUE(memcmp(signature.key_id, signing_keys[0].id, IMAGE_KEY_ID_SIZE) == 0);
    CHECK_EQ_U32(42u, signature.security_counter);
    CHECK_EQ_U32(IMAGE_SIGNATURE_BLOCK_SIZE, signature.block_size);
}

static void another_keys_image_is_refused(void)
{
    load("other.bin");
    image_signature_t signature;
    CHECK_VERIFY(IMAGE_VERIFY_UNKNOWN_KEY, verify(&signature));

    /* The other key's signature under the trusted key's id. */
    memcpy(bin + IMAGE_SIGNATURE_OFFSET + 12u, signing_keys[0].id, IMAGE_KEY_ID_SIZE);
    CHECK_VERIFY(IMAGE_VERIFY_BAD_SIGNATURE, verify(&signature));
}

static void unsigned_image_is_unsigned(void)
{
    load("unsigned.bin");
    image_signature_t signature;
    CHECK_VERIFY(IMAGE_VERIFY_UNSIGNED, verify(&signature));
}

static void one_flipped_bit_anywhere_is_refused(void)
{
    static const struct {
        size_t offset;
        image_verify_status_t expected;
    } flips[] = {
        { 0x08, IMAGE_VERIFY_BAD_SIGNATURE },                          /* fw_version */
        { 0x1C, IMAGE_VERIFY_BAD_SIGNATURE },                          /* board_id */
        { 0x3C, IMAGE_VERIFY_BAD_SIGNATURE },                          /* header_crc32 */
        { IMAGE_SIGNATURE_OFFSET + 0u, IMAGE_VERIFY_BAD_MAGIC },       /* block magic */
        { IMAGE_SIGNATURE_OFFSET + 12u, IMAGE_VERIFY_UNKNOWN_KEY },    /* key id */
        { IMAGE_SIGNATURE_OFFSET + 24u, IMAGE_VERIFY_BAD_SIGNATURE },  /* security counter */
        { IMAGE_SIGNATURE_OFFSET + 32u, IMAGE_VERIFY_BAD_SIGNATURE },  /* r */
        { IMAGE_SIGNATURE_OFFSET + 95u, IMAGE_VERIFY_BAD_SIGNATURE },  /* s */
        { PAGE_SIZE + 100u, IMAGE_VERIFY_BAD_SIGNATURE },              /* image */
        { PAGE_SIZE + 2999u, IMAGE_VERIFY_BAD_SIGNATURE },             /* the image's last byte */
    };
    for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        load("signed.bin");
        bin[flips[i].offset] ^= 0x10u;
        CHECK_VERIFY(flips[i].expected, verify_signature_only());
    }
}

int main(int argc, char **argv)
{
    fixture_files_init(argc, argv);
    RUN_TEST(signed_image_verifies_with_its_key_id_and_counter);
    RUN_TEST(another_keys_image_is_refused);
    RUN_TEST(unsigned_image_is_unsigned);
    RUN_TEST(one_flipped_bit_anywhere_is_refused);
    free(bin);
    return check_summary();
}
