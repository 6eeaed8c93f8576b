/* Whole updates through the protocol: stm32flash's way, header last, shuffled pieces at odd offsets; the
 * header-last commit rule; read-modify-write of double words written twice. */
#include <string.h>

#include "check.h"
#include "device.h"
#include "host.h"
#include "test_image.h"

static test_image_t old_image;
static test_image_t new_image;

/* Old application A accepted in flash, a synchronised host, and a new application B to send. */
static void device_with_old_application(uint32_t new_size)
{
    device_factory_fresh();
    test_image_build(&old_image, 5000u, 1u);
    test_image_install(&old_image);
    test_image_build(&new_image, new_size, 2u);
    CHECK_TRUE(host_sync());
}

static void check_boots(const test_image_t *img)
{
    image_header_t header;
    CHECK_EQ_U32(IMAGE_OK, device_boot_check(&header));
    CHECK_TRUE(memcmp(&header, &img->header, sizeof header) == 0);
    CHECK_TRUE(test_image_in_flash(img));
    CHECK_TRUE(device_bootloader_intact());
    CHECK_EQ_U32(0, dev.ops.program_over_data);
}

static void stm32flash_flow_replaces_the_application(void)
{
    device_with_old_application(3001u);
    CHECK_TRUE(host_flash_like_stm32flash(new_image.bin, new_image.bin_len));
    check_boots(&new_image);
    /* stm32flash erased the pages: the writer erased nothing a second time. */
    CHECK_EQ_U32(3, dev.ops.erases);
    CHECK_TRUE(host_go(DEV_IMAGE_ADDR));
    CHECK_EQ_U32(1, dev.link.resets);
}

static void header_last_flow_commits_on_the_header_write(void)
{
    device_with_old_application(6000u);
    CHECK_TRUE(host_flash_header_last(new_image.bin, new_image.bin_len));
    check_boots(&new_image);
}

static void shuffled_pieces_at_odd_offsets(void)
{
    for (uint32_t seed = 1; seed <= 8u; seed++) {
        device_with_old_application(2500u + 777u * seed);
        CHECK_TRUE(host_flash_shuffled(new_image.bin, new_image.bin_len, seed));
        /* The last piece may touch neither the header nor the image end: the idle host completes it. */
        host_wait_ms(AN3155_IDLE_COMMIT_MS);
        check_boots(&new_image);
    }
}

static void staged_header_is_read_back_before_its_commit(void)
{
    device_with_old_application(3000u);
    const uint16_t pages[] = { 64, 65, 66 };
    CHECK_TRUE(host_erase(pages, 3u));
    CHECK_TRUE(host_write(DEV_HEADER_ADDR, new_image.bin, 256u));
    uint8_t back[256];
    CHECK_TRUE(host_read(DEV_HEADER_ADDR, back, sizeof back));
    CHECK_TRUE(memcmp(back, new_image.bin, sizeof back) == 0);
    /* The host erased the header page; flash keeps the installed one until the first image page changes. */
    CHECK_TRUE(!device_erased(DEV_HEADER_ADDR, DEV_PAGE_SIZE));
    /* A read across the end of the header page: staged bytes, then flash. */
    CHECK_TRUE(host_write(DEV_IMAGE_ADDR, (const uint8_t[]){ 0x5A }, 1u));
    host_settle();
    CHECK_TRUE(device_erased(DEV_HEADER_ADDR, DEV_PAGE_SIZE));
    CHECK_EQ_U32(0x5A, *device_flash_at(DEV_IMAGE_ADDR));
    CHECK_TRUE(host_read(DEV_IMAGE_ADDR - 4u, back, 8u));
    static const uint8_t across[] = { 0xFF, 0xFF, 0xFF, 0xFF, 0x5A, 0xFF, 0xFF, 0xFF };
    CHECK_TRUE(memcmp(back, across, sizeof across) == 0);
}

static void header_page_reads_from_flash_until_written(void)
{
    device_with_old_application(3000u);
    uint8_t back[64];
    CHECK_TRUE(host_read(DEV_HEADER_ADDR, back, sizeof back));
    CHECK_TRUE(memcmp(back, &old_image.header, sizeof back) == 0);
}

static void double_word_written_twice_is_rewritten_in_place(void)
{
    device_factory_fresh();
    CHECK_TRUE(host_sync());
    static const uint8_t earlier[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
    static const uint8_t low[] = { 0xA0, 0xA1, 0xA2, 0xA3 };
    static const uint8_t high[] = { 0xB4, 0xB5, 0xB6, 0xB7 };
    CHECK_TRUE(host_write(0x08030100u, earlier, sizeof earlier));
    CHECK_TRUE(host_write(0x08030000u, low, sizeof low));
    host_settle();
    CHECK_EQ_U32(1, dev.ops.erases);
    CHECK_TRUE(host_write(0x08030004u, high, sizeof high));
    host_settle();
    CHECK_EQ_U32(2, dev.ops.erases);
    CHECK_TRUE(memcmp(device_flash_at(0x08030000u), low, sizeof low) == 0);
    CHECK_TRUE(memcmp(device_flash_at(0x08030004u), high, sizeof high) == 0);
    CHECK_TRUE(memcmp(device_flash_at(0x08030100u), earlier, sizeof earlier) == 0);
    CHECK_TRUE(device_erased(0x08030008u, 0x100u - 8u));
    CHECK_EQ_U32(0, dev.ops.program_over_data);

    /* Writing what is already there changes nothing. */
    long ops = dev.ops.completed;
    CHECK_TRUE(host_write(0x08030002u, low + 2, 2u));
    CHECK_EQ_U32(ops, dev.ops.completed);
}

static void single_bytes_at_every_alignment(void)
{
    device_factory_fresh();
    CHECK_TRUE(host_sync());
    uint8_t expected[24];
    for (uint32_t i = 0; i < sizeof expected; i++) {
        /* Backwards, so every byte lands in a double word that already holds data. */
        uint32_t offset = (uint32_t)sizeof expected - 1u - i;
        expected[offset] = (uint8_t)(0x30u + offset);
        CHECK_TRUE(host_write(0x08050003u + offset, &expected[offset], 1u));
    }
    host_settle();
    CHECK_TRUE(memcmp(device_flash_at(0x08050003u), expected, sizeof expected) == 0);
    CHECK_TRUE(device_erased(0x08050000u, 3u));
    CHECK_EQ_U32(0, dev.ops.program_over_data);
}

static void commit_waits_for_the_whole_image(void)
{
    device_with_old_application(3000u);
    size_t last = new_image.bin_len - 8u;
    CHECK_TRUE(host_write(DEV_HEADER_ADDR, new_image.bin, 256u));
    for (size_t offset = DEV_PAGE_SIZE; offset < last; offset += 256u) {
        size_t n = last - offset < 256u ? last - offset : 256u;
        CHECK_TRUE(host_write(DEV_HEADER_ADDR + (uint32_t)offset, new_image.bin + offset, n));
    }
    host_wait_ms(5u * AN3155_IDLE_COMMIT_MS);
    CHECK_TRUE(device_erased(DEV_HEADER_ADDR, DEV_PAGE_SIZE));
    CHECK_TRUE(!host_go(DEV_IMAGE_ADDR));
    CHECK_EQ_U32(0, dev.link.resets);

    /* The last bytes of the image complete it: committed on that write. */
    CHECK_TRUE(host_write(DEV_HEADER_ADDR + (uint32_t)last, new_image.bin + last, 8u));
    check_boots(&new_image);
    CHECK_TRUE(host_go(DEV_HEADER_ADDR));
    CHECK_EQ_U32(1, dev.link.resets);
}

static void header_that_rejects_the_image_is_never_committed(void)
{
    /* One image byte differs from what the header's CRC covers. */
    device_with_old_application(3000u);
    new_image.bin[DEV_PAGE_SIZE + 100u] ^= 0x01u;
    CHECK_TRUE(host_flash_like_stm32flash(new_image.bin, new_image.bin_len));
    host_wait_ms(AN3155_IDLE_COMMIT_MS);
    CHECK_TRUE(device_erased(DEV_HEADER_ADDR, DEV_PAGE_SIZE));
    CHECK_TRUE(!host_go(DEV_IMAGE_ADDR));

    /* Another board's image: refused by its header alone at the first image write (NACK), before anything changed
     * in flash; the old application stays, also while the host idles. */
    device_with_old_application(3000u);
    new_image.header.board_id = 0x04150002u;
    test_image_seal(&new_image);
    CHECK_TRUE(!host_flash_like_stm32flash(new_image.bin, new_image.bin_len));
    host_wait_ms(2u * AN3155_IDLE_COMMIT_MS);
    CHECK_EQ_U32(0, dev.ops.erases);
    image_header_t header;
    CHECK_EQ_U32(IMAGE_OK, device_boot_check(&header));
    CHECK_TRUE(!host_go(DEV_IMAGE_ADDR));
    /* The staged header still reads back as written. */
    uint8_t back[64];
    CHECK_TRUE(host_read(DEV_HEADER_ADDR, back, sizeof back));
    CHECK_TRUE(memcmp(back, &new_image.header, sizeof back) == 0);
}

static void idle_host_completes_an_update_in_any_order(void)
{
    device_with_old_application(3000u);
    /* Header first, then the image from its end backwards: the last write touches neither the header nor the
     * image end. */
    CHECK_TRUE(host_write(DEV_HEADER_ADDR, new_image.bin, 64u));
    size_t blocks = (new_image.bin_len - DEV_PAGE_SIZE + 255u) / 256u;
    for (size_t b = blocks; b-- > 0u;) {
        size_t offset = DEV_PAGE_SIZE + 256u * b;
        size_t n = new_image.bin_len - offset < 256u ? new_image.bin_len - offset : 256u;
        CHECK_TRUE(host_write(DEV_HEADER_ADDR + (uint32_t)offset, new_image.bin + offset, n));
    }
    host_wait_ms(AN3155_IDLE_COMMIT_MS - 1u);
    CHECK_TRUE(device_erased(DEV_HEADER_ADDR, DEV_PAGE_SIZE));
    host_wait_ms(1u);
    check_boots(&new_image);
    EXPECT_SILENCE();
}

static void old_application_is_invalidated_before_its_image_changes(void)
{
    device_with_old_application(3000u);
    /* Staging a header changes nothing in flash: the old application still boots. */
    CHECK_TRUE(host_write(DEV_HEADER_ADDR, new_image.bin, 256u));
    CHECK_EQ_U32(0, dev.ops.completed);
    image_header_t header;
    CHECK_EQ_U32(IMAGE_OK, device_boot_check(&header));

    fake_flash_ops_clear_log(&dev.ops);
    CHECK_TRUE(host_write(DEV_IMAGE_ADDR + 0x800u, new_image.bin + DEV_PAGE_SIZE + 0x800u, 16u));
    host_settle();
    CHECK_EQ_U32(4, dev.ops.log_len);
    CHECK_EQ_U32(OP_ERASE, dev.ops.log[0].kind);
    CHECK_EQ_U32(DEV_HEADER_ADDR, dev.ops.log[0].addr);
    CHECK_EQ_U32(OP_ERASE, dev.ops.log[1].kind);
    CHECK_EQ_U32(DEV_IMAGE_ADDR + 0x800u, dev.ops.log[1].addr);
    CHECK_EQ_U32(OP_PROGRAM, dev.ops.log[2].kind);
}

static void header_magic_is_programmed_last(void)
{
    device_with_old_application(3000u);
    for (size_t offset = DEV_PAGE_SIZE; offset < new_image.bin_len; offset += 256u) {
        size_t n = new_image.bin_len - offset < 256u ? new_image.bin_len - offset : 256u;
        CHECK_TRUE(host_write(DEV_HEADER_ADDR + (uint32_t)offset, new_image.bin + offset, n));
    }
    host_settle();
    fake_flash_ops_clear_log(&dev.ops);
    CHECK_TRUE(host_write(DEV_HEADER_ADDR, new_image.bin, 64u));
    CHECK_EQ_U32(8, dev.ops.log_len);
    CHECK_EQ_U32(OP_PROGRAM, dev.ops.log[7].kind);
    CHECK_EQ_U32(DEV_HEADER_ADDR, dev.ops.log[7].addr);
    check_boots(&new_image);
}

static void second_update_in_the_same_session(void)
{
    device_with_old_application(7000u);
    CHECK_TRUE(host_flash_header_last(new_image.bin, new_image.bin_len));
    check_boots(&new_image);
    test_image_t third;
    test_image_build(&third, 2600u, 3u);
    CHECK_TRUE(host_flash_header_last(third.bin, third.bin_len));
    image_header_t header;
    CHECK_EQ_U32(IMAGE_OK, device_boot_check(&header));
    CHECK_TRUE(memcmp(&header, &third.header, sizeof header) == 0);
    CHECK_EQ_U32(0, dev.ops.program_over_data);
    CHECK_TRUE(host_flash_like_stm32flash(old_image.bin, old_image.bin_len));
    check_boots(&old_image);
}

static void header_already_in_flash_is_not_programmed_again(void)
{
    device_with_old_application(3000u);
    CHECK_TRUE(host_write(DEV_HEADER_ADDR, old_image.bin, 64u));
    CHECK_EQ_U32(0, dev.ops.completed);
    CHECK_TRUE(host_go(DEV_IMAGE_ADDR));
    CHECK_EQ_U32(1, dev.link.resets);
}

int main(void)
{
    RUN_TEST(stm32flash_flow_replaces_the_application);
    RUN_TEST(header_last_flow_commits_on_the_header_write);
    RUN_TEST(shuffled_pieces_at_odd_offsets);
    RUN_TEST(staged_header_is_read_back_before_its_commit);
    RUN_TEST(header_page_reads_from_flash_until_written);
    RUN_TEST(double_word_written_twice_is_rewritten_in_place);
    RUN_TEST(single_bytes_at_every_alignment);
    RUN_TEST(commit_waits_for_the_whole_image);
    RUN_TEST(header_that_rejects_the_image_is_never_committed);
    RUN_TEST(idle_host_completes_an_update_in_any_order);
    RUN_TEST(old_application_is_invalidated_before_its_image_changes);
    RUN_TEST(header_magic_is_programmed_last);
    RUN_TEST(second_update_in_the_same_session);
    RUN_TEST(header_already_in_flash_is_not_programmed_again);
    return check_summary();
}
