/* The acceptance check on a valid image and on each way an image can be rejected: one case per status,
 * each changing exactly one thing (the header is re-sealed, so only the intended check can fail). */
#include <string.h>

#include "check.h"
#include "crc32.h"
#include "fake_flash.h"
#include "image_check.h"

/* Fixture values in the shape of the real memory map; the core takes every one of them from its config. */
#define HEADER_ADDR   0x08020000u
#define PAGE_SIZE     0x800u
#define IMAGE_ADDR    (HEADER_ADDR + PAGE_SIZE)
#define IMAGE_SIZE    1024u
#define SLACK         64u   /* flash after the image, outside image_size */
#define REGION_SIZE   0x000DF800u
#define BOARD_ID      0x04150001u
#define SRAM1_BASE    0x20000000u
#define SRAM1_SIZE    0x00018000u
#define SRAM2_BASE    0x10000000u
#define SRAM2_SIZE    0x00008000u
#define SRAM2_ALIAS   0x20018000u  /* SRAM2 again, right after SRAM1 */
#define ENTRY         (IMAGE_ADDR + 0x1C0u + 1u)

static _Alignas(8) uint8_t flash_bytes[PAGE_SIZE + IMAGE_SIZE + SLACK];
static fake_flash_t flash = { HEADER_ADDR, flash_bytes, sizeof flash_bytes };
static image_check_config_t config;

#define HEADER ((image_header_t *)flash_bytes)
#define IMAGE (flash_bytes + PAGE_SIZE)

#define CHECK_STATUS(expected, actual)                                                                  \
    check_eq_named(__FILE__, __LINE__, #actual, (expected), image_status_text(expected), (actual), \
                   image_status_text(actual))

static void seal_header(void)
{
    HEADER->header_crc32 = crc32_update(0u, HEADER, IMAGE_HEADER_CRC_SPAN);
}

static void seal_image(void)
{
    HEADER->image_crc32 = crc32_update(0u, IMAGE, HEADER->image_size);
    seal_header();
}

static void set_vectors(uint32_t sp, uint32_t reset)
{
    memcpy(IMAGE, &sp, sizeof sp);
    memcpy(IMAGE + 4, &reset, sizeof reset);
    seal_image();
}

static void build_valid_image(void)
{
    static const image_header_t valid = {
        .magic = IMAGE_HEADER_MAGIC,
        .header_version = IMAGE_HEADER_VERSION,
        .header_size = IMAGE_HEADER_SIZE,
        .fw_version = { 1, 0, 0, 1 },
        .image_addr = IMAGE_ADDR,
        .image_size = IMAGE_SIZE,
        .board_id = BOARD_ID,
    };
    memset(flash_bytes, 0xFF, sizeof flash_bytes);
    for (uint32_t i = 0; i < IMAGE_SIZE + SLACK; i++) {
        IMAGE[i] = (uint8_t)(i * 7u + 3u);
    }
    memcpy(HEADER, &valid, sizeof valid);
    set_vectors(SRAM1_BASE + SRAM1_SIZE, ENTRY);

    config = (image_check_config_t){
        .header_addr = HEADER_ADDR,
        .image_addr = IMAGE_ADDR,
        .image_region_size = REGION_SIZE,
        .board_id = BOARD_ID,
        .ram = { { SRAM1_BASE, SRAM1_SIZE }, { SRAM2_BASE, SRAM2_SIZE }, { SRAM2_ALIAS, SRAM2_SIZE } },
    };
}

static image_status_t check(void)
{
    image_port_t port = fake_flash_port(&flash);
    image_header_t header;
    return image_check(&config, &port, &header);
}

static void valid_image_is_accepted(void)
{
    build_valid_image();
    image_port_t port = fake_flash_port(&flash);
    image_header_t header;
    CHECK_STATUS(IMAGE_OK, image_check(&config, &port, &header));
    CHECK_TRUE(memcmp(&header, HEADER, sizeof header) == 0);
}

static void stack_at_top_of_sram2_is_accepted(void)
{
    build_valid_image();
    set_vectors(SRAM2_BASE + SRAM2_SIZE, ENTRY);
    CHECK_STATUS(IMAGE_OK, check());
}

/* SRAM1 and SRAM2's alias as one 128 KB block, as many linker scripts lay them out: the stack at its top, or
 * anywhere in the alias. */
static void stack_in_the_sram2_alias_is_accepted(void)
{
    static const uint32_t good_sp[] = { SRAM2_ALIAS + SRAM2_SIZE, SRAM2_ALIAS + 8u, SRAM1_BASE + SRAM1_SIZE + 8u };
    for (size_t i = 0; i < sizeof good_sp / sizeof good_sp[0]; i++) {
        build_valid_image();
        set_vectors(good_sp[i], ENTRY);
        CHECK_STATUS(IMAGE_OK, check());
    }
    build_valid_image();
    set_vectors(SRAM2_ALIAS + SRAM2_SIZE - 4u, ENTRY);
    CHECK_STATUS(IMAGE_STACK_POINTER_MISALIGNED, check());
}

static void image_filling_the_region_is_accepted(void)
{
    build_valid_image();
    config.image_region_size = IMAGE_SIZE;
    CHECK_STATUS(IMAGE_OK, check());
}

static void bytes_after_image_size_are_not_checked(void)
{
    build_valid_image();
    IMAGE[IMAGE_SIZE] ^= 0xFFu;
    CHECK_STATUS(IMAGE_OK, check());
}

static void bad_magic(void)
{
    build_valid_image();
    HEADER->magic[3] = 'X';
    seal_header();
    CHECK_STATUS(IMAGE_BAD_MAGIC, check());
}

static void bad_header_version(void)
{
    build_valid_image();
    HEADER->header_version = 2u;
    seal_header();
    CHECK_STATUS(IMAGE_BAD_HEADER_VERSION, check());
}

static void bad_header_size(void)
{
    build_valid_image();
    HEADER->header_size = 60u;
    seal_header();
    CHECK_STATUS(IMAGE_BAD_HEADER_SIZE, check());
}

static void header_crc_mismatch(void)
{
    build_valid_image();
    HEADER->header_crc32 ^= 1u;
    CHECK_STATUS(IMAGE_HEADER_CRC_MISMATCH, check());

    build_valid_image();
    HEADER->reserved[23] = 1u; /* covered by the header CRC, though not checked itself */
    CHECK_STATUS(IMAGE_HEADER_CRC_MISMATCH, check());
}

static void image_address_mismatch(void)
{
    build_valid_image();
    HEADER->image_addr = IMAGE_ADDR + PAGE_SIZE;
    seal_header();
    CHECK_STATUS(IMAGE_ADDRESS_MISMATCH, check());
}

static void image_size_out_of_range(void)
{
    build_valid_image();
    HEADER->image_size = 0u;
    seal_header();
    CHECK_STATUS(IMAGE_SIZE_OUT_OF_RANGE, check());

    build_valid_image();
    HEADER->image_size = IMAGE_MIN_SIZE - 1u;
    seal_header();
    CHECK_STATUS(IMAGE_SIZE_OUT_OF_RANGE, check());

    build_valid_image();
    config.image_region_size = IMAGE_SIZE - 1u;
    CHECK_STATUS(IMAGE_SIZE_OUT_OF_RANGE, check());

    build_valid_image();
    HEADER->image_size = 0xFFFFFFFFu;
    seal_header();
    CHECK_STATUS(IMAGE_SIZE_OUT_OF_RANGE, check());
}

static void wrong_board_id(void)
{
    build_valid_image();
    HEADER->board_id = 0x04150002u;
    seal_header();
    CHECK_STATUS(IMAGE_WRONG_BOARD_ID, check());
}

static void stack_pointer_outside_ram(void)
{
    static const uint32_t bad_sp[] = {
        0x30000000u,                    /* no RAM there */
        SRAM1_BASE,                     /* an empty stack */
        SRAM2_ALIAS + SRAM2_SIZE + 8u,  /* past the end of SRAM1 and SRAM2's alias after it */
        SRAM2_BASE + SRAM2_SIZE + 8u,   /* past the end of SRAM2 */
        SRAM2_BASE,                     /* an empty stack at SRAM2's own address */
        0xFFFFFFF8u,
    };
    for (size_t i = 0; i < sizeof bad_sp / sizeof bad_sp[0]; i++) {
        build_valid_image();
        set_vectors(bad_sp[i], ENTRY);
        CHECK_STATUS(IMAGE_STACK_POINTER_OUTSIDE_RAM, check());
    }
    build_valid_image();
    set_vectors(SRAM1_BASE + SRAM1_SIZE - 4u, ENTRY); /* inside, but not 8-byte aligned */
    CHECK_STATUS(IMAGE_STACK_POINTER_MISALIGNED, check());
}

static void reset_vector_outside_image(void)
{
    static const uint32_t bad_entry[] = {
        0x08000101u,                    /* in the bootloader */
        IMAGE_ADDR - 1u,                /* just before the image (odd, so only the range is wrong) */
        IMAGE_ADDR + IMAGE_SIZE + 1u,   /* first byte after the image */
        0xFFFFFFFFu,
    };
    for (size_t i = 0; i < sizeof bad_entry / sizeof bad_entry[0]; i++) {
        build_valid_image();
        set_vectors(SRAM1_BASE + SRAM1_SIZE, bad_entry[i]);
        CHECK_STATUS(IMAGE_RESET_VECTOR_OUTSIDE_IMAGE, check());
    }
}

static void reset_vector_not_thumb(void)
{
    build_valid_image();
    set_vectors(SRAM1_BASE + SRAM1_SIZE, ENTRY & ~1u);
    CHECK_STATUS(IMAGE_RESET_VECTOR_NOT_THUMB, check());
}

static void image_crc_mismatch(void)
{
    build_valid_image();
    IMAGE[IMAGE_SIZE - 1u] ^= 0x01u;
    CHECK_STATUS(IMAGE_CRC_MISMATCH, check());

    build_valid_image();
    HEADER->image_crc32 ^= 0x80000000u;
    seal_header();
    CHECK_STATUS(IMAGE_CRC_MISMATCH, check());
}

static void first_failing_check_decides(void)
{
    build_valid_image();
    HEADER->magic[0] = 0u;
    HEADER->header_crc32 ^= 1u;
    CHECK_STATUS(IMAGE_BAD_MAGIC, check());

    build_valid_image();
    HEADER->board_id = 0u;
    set_vectors(0u, 0u); /* re-seals the header, wrong board id included */
    CHECK_STATUS(IMAGE_WRONG_BOARD_ID, check());

    build_valid_image();
    set_vectors(SRAM1_BASE + SRAM1_SIZE, 0x08000000u); /* outside and even */
    CHECK_STATUS(IMAGE_RESET_VECTOR_OUTSIDE_IMAGE, check());
}

static void header_is_reported_even_when_rejected(void)
{
    build_valid_image();
    HEADER->board_id = 0x04159999u;
    seal_header();
    image_port_t port = fake_flash_port(&flash);
    image_header_t header;
    CHECK_STATUS(IMAGE_WRONG_BOARD_ID, image_check(&config, &port, &header));
    CHECK_EQ_U32(0x04159999u, header.board_id);
}

static void status_texts_are_the_banner_reasons(void)
{
    CHECK_EQ_STR("ok", image_status_text(IMAGE_OK));
    CHECK_EQ_STR("bad magic", image_status_text(IMAGE_BAD_MAGIC));
    CHECK_EQ_STR("bad header version", image_status_text(IMAGE_BAD_HEADER_VERSION));
    CHECK_EQ_STR("bad header size", image_status_text(IMAGE_BAD_HEADER_SIZE));
    CHECK_EQ_STR("header CRC mismatch", image_status_text(IMAGE_HEADER_CRC_MISMATCH));
    CHECK_EQ_STR("image address mismatch", image_status_text(IMAGE_ADDRESS_MISMATCH));
    CHECK_EQ_STR("image size out of range", image_status_text(IMAGE_SIZE_OUT_OF_RANGE));
    CHECK_EQ_STR("wrong board id", image_status_text(IMAGE_WRONG_BOARD_ID));
    CHECK_EQ_STR("stack pointer outside RAM", image_status_text(IMAGE_STACK_POINTER_OUTSIDE_RAM));
    CHECK_EQ_STR("stack pointer not 8-byte aligned", image_status_text(IMAGE_STACK_POINTER_MISALIGNED));
    CHECK_EQ_STR("reset vector outside image", image_status_text(IMAGE_RESET_VECTOR_OUTSIDE_IMAGE));
    CHECK_EQ_STR("reset vector not Thumb", image_status_text(IMAGE_RESET_VECTOR_NOT_THUMB));
    CHECK_EQ_STR("image CRC mismatch", image_status_text(IMAGE_CRC_MISMATCH));
}

static void erased_header_page(void)
{
    image_port_t port = fake_flash_port(&flash);
    memset(flash_bytes, 0xFF, PAGE_SIZE);
    CHECK_TRUE(image_header_page_erased(&port, HEADER_ADDR, PAGE_SIZE));
    /* A page size that is no multiple of the read chunk. */
    CHECK_TRUE(image_header_page_erased(&port, HEADER_ADDR, 100u));

    flash_bytes[PAGE_SIZE - 1u] = 0xFEu;
    CHECK_TRUE(!image_header_page_erased(&port, HEADER_ADDR, PAGE_SIZE));

    build_valid_image();
    CHECK_TRUE(!image_header_page_erased(&port, HEADER_ADDR, PAGE_SIZE));
}

int main(void)
{
    RUN_TEST(valid_image_is_accepted);
    RUN_TEST(stack_at_top_of_sram2_is_accepted);
    RUN_TEST(stack_in_the_sram2_alias_is_accepted);
    RUN_TEST(image_filling_the_region_is_accepted);
    RUN_TEST(bytes_after_image_size_are_not_checked);
    RUN_TEST(bad_magic);
    RUN_TEST(bad_header_version);
    RUN_TEST(bad_header_size);
    RUN_TEST(header_crc_mismatch);
    RUN_TEST(image_address_mismatch);
    RUN_TEST(image_size_out_of_range);
    RUN_TEST(wrong_board_id);
    RUN_TEST(stack_pointer_outside_ram);
    RUN_TEST(reset_vector_outside_image);
    RUN_TEST(reset_vector_not_thumb);
    RUN_TEST(image_crc_mismatch);
    RUN_TEST(first_failing_check_decides);
    RUN_TEST(header_is_reported_even_when_rejected);
    RUN_TEST(status_texts_are_the_banner_reasons);
    RUN_TEST(erased_header_page);
    return check_summary();
}
