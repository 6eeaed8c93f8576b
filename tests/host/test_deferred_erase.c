/* Extended Erase with deferred page erases (flash_writer_erase_later): the ACK comes after the header alone is
 * erased; every other page the host erased reads erased from then on and is erased in flash when first needed —
 * at the address of a Write Memory into it, before a read of it, before a commit that checks it, while the host
 * idles, or after Go's ACK. */
#include <string.h>

#include "check.h"
#include "device.h"
#include "host.h"
#include "test_image.h"

#define PAGE_ADDR(page) (DEV_FLASH_BASE + (uint32_t)(page) * DEV_PAGE_SIZE)

static test_image_t old_image;
static test_image_t new_image;

/* Old application accepted in flash, its image pages filled with 0x00 up to page 80 so that an erase shows. */
static void device_with_old_application(void)
{
    device_factory_fresh();
    test_image_build(&old_image, 5000u, 1u);
    test_image_install(&old_image);
    memset(device_flash_at(DEV_IMAGE_ADDR + old_image.header.image_size), 0x00,
           PAGE_ADDR(81) - DEV_IMAGE_ADDR - old_image.header.image_size);
    CHECK_TRUE(host_sync());
}

static bool erase_pages(uint16_t first, uint16_t last)
{
    uint16_t pages[512];
    for (uint16_t page = first; page <= last; page++) {
        pages[page - first] = page;
    }
    return host_erase(pages, (size_t)(last - first + 1u));
}

static bool in_flash_erased(uint32_t page)
{
    return device_erased(PAGE_ADDR(page), DEV_PAGE_SIZE);
}

static void erase_is_acked_before_any_flash_change(void)
{
    device_with_old_application();
    CHECK_TRUE(erase_pages(64u, 80u));
    CHECK_EQ_U32(0, dev.ops.erases);
    /* Flash still holds the old application (a power cut here boots it), but the host erased it: Go refuses. */
    image_header_t header;
    CHECK_TRUE(device_boot_check(&header) == IMAGE_OK);
    CHECK_TRUE(!host_go(DEV_IMAGE_ADDR));
    CHECK_EQ_U32(0, dev.link.resets);
}

static void image_pages_alone_keep_the_installed_header_until_one_is_erased(void)
{
    device_with_old_application();
    CHECK_TRUE(erase_pages(65u, 65u));
    CHECK_EQ_U32(0, dev.ops.erases);
    image_header_t header;
    CHECK_TRUE(device_boot_check(&header) == IMAGE_OK);
    /* The host erased a page of the installed image: Go has nothing whole to start. */
    CHECK_TRUE(!host_go(DEV_IMAGE_ADDR));
    /* The first pending page erased takes the header with it, first; a second one does not erase it again. */
    uint8_t back[8];
    CHECK_TRUE(host_read(PAGE_ADDR(65), back, sizeof back));
    CHECK_EQ_U32(2, dev.ops.erases);
    CHECK_TRUE(in_flash_erased(64u) && in_flash_erased(65u));
    CHECK_TRUE(erase_pages(71u, 72u));
    CHECK_TRUE(host_read(PAGE_ADDR(71), back, sizeof back));
    CHECK_EQ_U32(3, dev.ops.erases);
}

static void pending_page_reads_erased_and_is_erased_by_the_read(void)
{
    device_with_old_application();
    CHECK_TRUE(erase_pages(64u, 80u));
    uint8_t back[256];
    CHECK_TRUE(host_read(PAGE_ADDR(70) + 0x100u, back, sizeof back));
    for (size_t i = 0; i < sizeof back; i++) {
        CHECK_EQ_U32(0xFF, back[i]);
    }
    CHECK_TRUE(in_flash_erased(70u));
    CHECK_TRUE(!in_flash_erased(71u));
    CHECK_EQ_U32(2, dev.ops.erases);
    /* A read across two pending pages erases both. */
    CHECK_TRUE(host_read(PAGE_ADDR(72) - 4u, back, 8u));
    CHECK_TRUE(in_flash_erased(71u) && in_flash_erased(72u));
    CHECK_EQ_U32(4, dev.ops.erases);
}

static void write_erases_its_pending_page_at_the_address(void)
{
    device_with_old_application();
    CHECK_TRUE(erase_pages(64u, 80u));
    fake_flash_ops_clear_log(&dev.ops);
    uint32_t addr = PAGE_ADDR(70) + 0x300u;
    HOST_SEND(0x31, 0xCE);
    host_send((const uint8_t[]){ (uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8), (uint8_t)addr,
                                 (uint8_t)((addr >> 24) ^ (addr >> 16) ^ (addr >> 8) ^ addr) }, 5u);
    EXPECT_REPLY(0x79, 0x79);
    /* Before a single data byte arrived, one erase a block: the installed header, alone. */
    CHECK_EQ_U32(1, dev.ops.log_len);
    CHECK_EQ_U32(OP_ERASE, dev.ops.log[0].kind);
    CHECK_EQ_U32(PAGE_ADDR(64), dev.ops.log[0].addr);
    HOST_SEND(0x07, 1, 2, 3, 4, 5, 6, 7, 8, 0x07 ^ 1 ^ 2 ^ 3 ^ 4 ^ 5 ^ 6 ^ 7 ^ 8);
    EXPECT_REPLY(0x79);
    /* The page when the block is programmed (at the next block's address, or once the host is quiet). */
    host_settle();
    CHECK_EQ_U32(OP_ERASE, dev.ops.log[1].kind);
    CHECK_EQ_U32(PAGE_ADDR(70), dev.ops.log[1].addr);
    CHECK_EQ_U32(OP_PROGRAM, dev.ops.log[2].kind);
    /* The next block into a pending page: erased at its address, header gone already. */
    fake_flash_ops_clear_log(&dev.ops);
    CHECK_TRUE(host_write(PAGE_ADDR(72), (const uint8_t[]){ 9 }, 1u));
    CHECK_EQ_U32(1, dev.ops.log_len);
    CHECK_EQ_U32(PAGE_ADDR(72), dev.ops.log[0].addr);
    host_settle();
    static const uint8_t expected[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    CHECK_TRUE(memcmp(device_flash_at(addr), expected, sizeof expected) == 0);
    CHECK_TRUE(device_erased(PAGE_ADDR(70), 0x300u));
    CHECK_TRUE(device_erased(addr + 8u, PAGE_ADDR(71) - addr - 8u));
    CHECK_EQ_U32(3, dev.ops.erases); /* the header's, page 70's and page 72's */
    CHECK_EQ_U32(0, dev.ops.program_over_data);
}

static void block_across_two_pending_pages(void)
{
    device_with_old_application();
    CHECK_TRUE(erase_pages(64u, 80u));
    uint8_t block[16];
    memset(block, 0x42, sizeof block);
    CHECK_TRUE(host_write(PAGE_ADDR(74) - 8u, block, sizeof block));
    host_settle();
    CHECK_TRUE(memcmp(device_flash_at(PAGE_ADDR(74) - 8u), block, sizeof block) == 0);
    CHECK_TRUE(device_erased(PAGE_ADDR(73), DEV_PAGE_SIZE - 8u));
    CHECK_TRUE(device_erased(PAGE_ADDR(74) + 8u, DEV_PAGE_SIZE - 8u));
    CHECK_EQ_U32(3, dev.ops.erases);
    CHECK_EQ_U32(0, dev.ops.program_over_data);
}

static void bad_checksum_leaves_only_pages_the_host_erased_erased(void)
{
    device_with_old_application();
    CHECK_TRUE(erase_pages(70u, 70u));
    long erases = dev.ops.erases;
    /* Into the pending page 70: the installed header is erased at the address (one erase a block), as the host
     * asked, and at the next address the page too; nothing programmed. */
    HOST_SEND(0x31, 0xCE, 0x08, 0x02, 0x30, 0x00, 0x08 ^ 0x02 ^ 0x30, 0x03, 0x11, 0x22, 0x33, 0x44, 0x00);
    EXPECT_REPLY(0x79, 0x79, 0x1F);
    CHECK_EQ_U32(erases + 1, dev.ops.erases);
    HOST_SEND(0x31, 0xCE, 0x08, 0x02, 0x30, 0x00, 0x08 ^ 0x02 ^ 0x30, 0x03, 0x11, 0x22, 0x33, 0x44, 0x00);
    EXPECT_REPLY(0x79, 0x79, 0x1F);
    CHECK_TRUE(in_flash_erased(70u));
    CHECK_EQ_U32(erases + 2, dev.ops.erases);
    CHECK_EQ_U32(0, dev.ops.programs);
    /* Into page 71, which the host did not erase: untouched. */
    uint8_t before[DEV_PAGE_SIZE];
    memcpy(before, device_flash_at(PAGE_ADDR(71)), sizeof before);
    HOST_SEND(0x31, 0xCE, 0x08, 0x02, 0x38, 0x00, 0x08 ^ 0x02 ^ 0x38, 0x03, 0x11, 0x22, 0x33, 0x44, 0x00);
    EXPECT_REPLY(0x79, 0x79, 0x1F);
    CHECK_TRUE(memcmp(before, device_flash_at(PAGE_ADDR(71)), sizeof before) == 0);
    CHECK_EQ_U32(erases + 2, dev.ops.erases);
    CHECK_EQ_U32(0, dev.ops.programs);
}

static void refused_erase_marks_nothing(void)
{
    device_with_old_application();
    /* Page 63 is the bootloader's: the whole list is refused, page 70 included. */
    HOST_SEND(0x44, 0xBB, 0x00, 0x01, 0x00, 0x46, 0x00, 0x3F, 0x01 ^ 0x46 ^ 0x3F);
    EXPECT_REPLY(0x79, 0x1F);
    host_wait_ms(2u * AN3155_IDLE_COMMIT_MS);
    CHECK_EQ_U32(0, dev.ops.erases);
    uint8_t back[4];
    CHECK_TRUE(host_read(PAGE_ADDR(70), back, sizeof back));
    CHECK_EQ_U32(0x00, back[0]);
    image_header_t header;
    CHECK_EQ_U32(IMAGE_OK, device_boot_check(&header));
}

static void idle_host_gets_one_page_erased_per_poll(void)
{
    device_with_old_application();
    CHECK_TRUE(erase_pages(64u, 80u));
    host_wait_ms(AN3155_IDLE_COMMIT_MS - 1u);
    CHECK_EQ_U32(0, dev.ops.erases);
    host_wait_ms(1u);
    CHECK_EQ_U32(1, dev.ops.erases); /* the header page first */
    CHECK_TRUE(in_flash_erased(64u));
    host_wait_ms(4u);
    CHECK_EQ_U32(5, dev.ops.erases);
    CHECK_TRUE(in_flash_erased(65u));
    /* A command in between is answered at once and restarts the idle time. */
    HOST_SEND(0x02, 0xFD);
    EXPECT_REPLY(0x79, 0x01, 0x04, 0x15, 0x79);
    host_wait_ms(AN3155_IDLE_COMMIT_MS - 1u);
    CHECK_EQ_U32(5, dev.ops.erases);
    host_wait_ms(100u);
    CHECK_EQ_U32(17, dev.ops.erases);
    CHECK_TRUE(device_erased(PAGE_ADDR(64), PAGE_ADDR(81) - PAGE_ADDR(64)));
    EXPECT_SILENCE();
}

static void erased_again_after_a_write_is_pending_again(void)
{
    device_with_old_application();
    static const uint8_t first[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    static const uint8_t second[] = { 9, 10, 11, 12, 13, 14, 15, 16 };
    CHECK_TRUE(host_write(PAGE_ADDR(75), first, sizeof first));
    CHECK_TRUE(erase_pages(75u, 75u));
    CHECK_TRUE(memcmp(device_flash_at(PAGE_ADDR(75)), first, sizeof first) == 0);
    CHECK_TRUE(host_write(PAGE_ADDR(75) + 8u, second, sizeof second));
    host_settle();
    CHECK_TRUE(device_erased(PAGE_ADDR(75), 8u));
    CHECK_TRUE(memcmp(device_flash_at(PAGE_ADDR(75) + 8u), second, sizeof second) == 0);
    CHECK_EQ_U32(0, dev.ops.program_over_data);
}

/* An image with an all-0xFF page the host erases but never writes: sent without that page, header last. */
static void send_image_with_an_erased_page(void)
{
    device_with_old_application();
    test_image_build(&new_image, 3u * DEV_PAGE_SIZE, 2u);
    memset(new_image.bin + 2u * DEV_PAGE_SIZE, 0xFF, DEV_PAGE_SIZE); /* image page 66 */
    test_image_seal(&new_image);
    CHECK_TRUE(erase_pages(64u, 80u));
    for (size_t offset = DEV_PAGE_SIZE; offset < new_image.bin_len; offset += 256u) {
        if (offset / DEV_PAGE_SIZE != 2u) {
            CHECK_TRUE(host_write(DEV_HEADER_ADDR + (uint32_t)offset, new_image.bin + offset, 256u));
        }
    }
    long erases = dev.ops.erases;
    CHECK_TRUE(host_write(DEV_HEADER_ADDR, new_image.bin, IMAGE_HEADER_SIZE));
    /* The header write is answered without erasing page 66, and commits nothing yet. */
    CHECK_EQ_U32(erases, dev.ops.erases);
    CHECK_TRUE(!in_flash_erased(66u));
    image_header_t header;
    CHECK_TRUE(device_boot_check(&header) != IMAGE_OK);
}

static void idle_host_gets_the_erased_page_of_its_image_erased_then_committed(void)
{
    send_image_with_an_erased_page();
    host_wait_ms(AN3155_IDLE_COMMIT_MS + 1u);
    CHECK_TRUE(in_flash_erased(66u));
    image_header_t header;
    CHECK_EQ_U32(IMAGE_OK, device_boot_check(&header));
    CHECK_TRUE(test_image_in_flash(&new_image));
    /* Pages beyond the image still read erased, and erasing them later leaves the committed header alone. */
    uint8_t back[4];
    CHECK_TRUE(host_read(PAGE_ADDR(80), back, sizeof back));
    CHECK_EQ_U32(0xFF, back[0]);
    host_wait_ms(AN3155_IDLE_COMMIT_MS + 20u);
    CHECK_TRUE(device_erased(PAGE_ADDR(68), PAGE_ADDR(81) - PAGE_ADDR(68)));
    CHECK_EQ_U32(IMAGE_OK, device_boot_check(&header));
    EXPECT_SILENCE();
}

static void go_erases_the_pending_pages_of_the_image_before_its_commit(void)
{
    send_image_with_an_erased_page();
    CHECK_TRUE(host_go(DEV_IMAGE_ADDR));
    CHECK_EQ_U32(1, dev.link.resets);
    image_header_t header;
    CHECK_EQ_U32(IMAGE_OK, device_boot_check(&header));
    CHECK_TRUE(test_image_in_flash(&new_image));
}

static void go_acks_then_erases_the_pages_never_needed(void)
{
    device_with_old_application();
    test_image_build(&new_image, 3000u, 2u);
    CHECK_TRUE(erase_pages(64u, 80u));
    CHECK_TRUE(host_flash_header_last(new_image.bin, new_image.bin_len));
    CHECK_TRUE(!in_flash_erased(80u));
    long before_go = dev.ops.completed;
    CHECK_TRUE(host_go(DEV_IMAGE_ADDR));
    CHECK_EQ_U32(1, dev.link.resets);
    CHECK_EQ_U32(1, dev.link.tx_len_at_reset);
    CHECK_EQ_U32(before_go + (80 - 67 + 1), dev.ops.completed);
    CHECK_TRUE(device_erased(PAGE_ADDR(67), PAGE_ADDR(81) - PAGE_ADDR(67)));
    CHECK_TRUE(test_image_in_flash(&new_image));

    /* The ACK goes out before those erases: power failing at the first of them finds the host answered. */
    device_with_old_application();
    CHECK_TRUE(erase_pages(64u, 80u));
    CHECK_TRUE(host_flash_header_last(new_image.bin, new_image.bin_len));
    dev.ops.cut_at = dev.ops.completed;
    dev.ops.cut_mode = CUT_FIRST_HALF_APPLIED;
    CHECK_TRUE(host_go(DEV_IMAGE_ADDR));
    CHECK_TRUE(dev.ops.power_lost);
    device_reboot();
    image_header_t header;
    CHECK_EQ_U32(IMAGE_OK, device_boot_check(&header));
    CHECK_TRUE(memcmp(&header, &new_image.header, sizeof header) == 0);
}

static void reset_forgets_pending_pages(void)
{
    device_with_old_application();
    CHECK_TRUE(erase_pages(64u, 80u));
    device_reboot();
    CHECK_TRUE(host_sync());
    /* Nothing pending after the reset: page 70 reads what flash holds, and the old application, which nothing
     * changed in flash, is still accepted (a reset between the erase command and the first write boots it). */
    uint8_t back[4];
    CHECK_TRUE(host_read(PAGE_ADDR(70), back, sizeof back));
    CHECK_EQ_U32(0x00, back[0]);
    image_header_t header;
    CHECK_EQ_U32(IMAGE_OK, device_boot_check(&header));
    /* A fresh update starts over and succeeds. */
    test_image_build(&new_image, 3000u, 2u);
    CHECK_TRUE(host_flash_like_stm32flash(new_image.bin, new_image.bin_len));
    CHECK_EQ_U32(IMAGE_OK, device_boot_check(&header));
    CHECK_EQ_U32(0, dev.ops.program_over_data);
}

int main(void)
{
    RUN_TEST(erase_is_acked_before_any_flash_change);
    RUN_TEST(image_pages_alone_keep_the_installed_header_until_one_is_erased);
    RUN_TEST(pending_page_reads_erased_and_is_erased_by_the_read);
    RUN_TEST(write_erases_its_pending_page_at_the_address);
    RUN_TEST(block_across_two_pending_pages);
    RUN_TEST(bad_checksum_leaves_only_pages_the_host_erased_erased);
    RUN_TEST(refused_erase_marks_nothing);
    RUN_TEST(idle_host_gets_one_page_erased_per_poll);
    RUN_TEST(erased_again_after_a_write_is_pending_again);
    RUN_TEST(idle_host_gets_the_erased_page_of_its_image_erased_then_committed);
    RUN_TEST(go_erases_the_pending_pages_of_the_image_before_its_commit);
    RUN_TEST(go_acks_then_erases_the_pages_never_needed);
    RUN_TEST(reset_forgets_pending_pages);
    return check_summary();
}
