/* Updates under the shipped policy (RequireSignature): the flash writer and AN3155 with a trusted key, an
 * anti-rollback minimum and the refusal hook, driven the way stm32flash drives them.
 * - What the header page alone tells (not signed, unknown key, counter below the minimum, bad header) is refused at
 *   the first write that would change flash: NACK, nothing in flash changed, not even at idle, and the installed
 *   application still the one a reset boots.
 * - What only the whole image tells (a flipped bit in the image or the signature) is refused at the write that
 *   completes it: NACK, the header never programmed, Go refused; a good image then installs.
 * - A power cut at any flash operation of a refused update never leaves the refused image accepted. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "device.h"
#include "host.h"
#include "signed_image.h"
#include "test_image.h"

static test_signer_t trusted;
static test_signer_t stranger;
static uint32_t minimum;
static image_policy_t policy;
static image_verdict_t refusal;
static int refusals;
static test_image_t old_image;
static test_image_t new_image;
static uint8_t region_before[DEV_REGION_END - DEV_HEADER_ADDR];

static void on_judged(const image_verdict_t *verdict)
{
    if (verdict->kind != IMAGE_VERDICT_OK) {
        refusal = *verdict;
        refusals++;
    }
}

static void reboot_with_policy(void)
{
    policy = (image_policy_t){ .check = &dev.check, .require_signature = true, .keys = &trusted.trusted,
                               .key_count = 1u, .minimum_counter = &minimum };
    dev.writer_config.policy = &policy;
    dev.writer_config.judged = on_judged;
    device_reboot();
    refusals = 0;
    refusal = (image_verdict_t){ 0 };
}

/* The old application (signed, counter 3) installed; the minimum at 3. */
static void device_with_signed_application(void)
{
    device_factory_fresh();
    minimum = 3u;
    test_image_build(&old_image, 5000u, 1u);
    signed_image_sign(&old_image, &trusted, 3u);
    test_image_install(&old_image);
    reboot_with_policy();
    memcpy(region_before, device_flash_at(DEV_HEADER_ADDR), sizeof region_before);
    CHECK_TRUE(host_sync());
}

static bool region_unchanged(void)
{
    return memcmp(region_before, device_flash_at(DEV_HEADER_ADDR), sizeof region_before) == 0;
}

static bool boots(const test_image_t *img)
{
    image_header_t header;
    return device_boot_check(&header) == IMAGE_OK && memcmp(&header, &img->header, sizeof header) == 0;
}

static void reason_is(const char *expected)
{
    char buf[96];
    text_t text;
    text_init(&text, buf, sizeof buf);
    image_verdict_write(&text, &refusal);
    if (strcmp(buf, expected) != 0) {
        fprintf(stderr, "reason \"%s\", expected \"%s\"\n", buf, expected);
    }
    CHECK_TRUE(strcmp(buf, expected) == 0);
}

static void signed_image_installs_and_boots(void)
{
    device_with_signed_application();
    test_image_build(&new_image, 7000u, 2u);
    signed_image_sign(&new_image, &trusted, 3u);
    CHECK_TRUE(host_flash_like_stm32flash(new_image.bin, new_image.bin_len));
    CHECK_TRUE(host_go(DEV_IMAGE_ADDR));
    CHECK_TRUE(boots(&new_image));
    CHECK_EQ_U32(0, refusals);
}

/* The NACKed write is the first into the image (after the header page's, which are staged): flash as it was, also
 * after the host idles, and the old application boots. */
static void refused_before_any_change(const char *reason)
{
    CHECK_TRUE(!host_flash_like_stm32flash(new_image.bin, new_image.bin_len));
    CHECK_TRUE(refusals >= 1);
    reason_is(reason);
    host_wait_ms(3u * AN3155_IDLE_COMMIT_MS);
    CHECK_TRUE(!host_go(DEV_IMAGE_ADDR));
    CHECK_TRUE(region_unchanged());
    CHECK_EQ_U32(0, dev.ops.erases);
    CHECK_EQ_U32(0, dev.ops.programs);
    device_reboot();
    CHECK_TRUE(boots(&old_image));
}

static void unsigned_image_is_refused_before_any_change(void)
{
    device_with_signed_application();
    test_image_build(&new_image, 7000u, 2u);
    refused_before_any_change("image not signed");
}

static void unknown_key_is_refused_before_any_change(void)
{
    device_with_signed_application();
    test_image_build(&new_image, 7000u, 2u);
    signed_image_sign(&new_image, &stranger, 3u);
    refused_before_any_change("unknown signing key");
}

static void lower_counter_is_refused_before_any_change(void)
{
    device_with_signed_application();
    test_image_build(&new_image, 7000u, 2u);
    signed_image_sign(&new_image, &trusted, 2u);
    refused_before_any_change("security counter 2 below minimum 3");
}

static void wrong_board_is_refused_before_any_change(void)
{
    device_with_signed_application();
    test_image_build(&new_image, 7000u, 2u);
    new_image.header.board_id = DEV_BOARD_ID + 1u;
    test_image_seal(&new_image);
    signed_image_sign(&new_image, &trusted, 3u);
    refused_before_any_change("wrong board id");
}

static void malformed_block_is_refused_before_any_change(void)
{
    device_with_signed_application();
    test_image_build(&new_image, 7000u, 2u);
    signed_image_sign(&new_image, &trusted, 3u);
    new_image.bin[IMAGE_SIGNATURE_OFFSET] ^= 0x01u; /* the block's magic */
    refused_before_any_change("signature block: bad magic");
}

/* Refused at the write that completes the image: nothing committed, Go refused; a good image then installs. */
static void refused_once_whole(void)
{
    CHECK_TRUE(!host_flash_like_stm32flash(new_image.bin, new_image.bin_len));
    reason_is("bad signature");
    CHECK_TRUE(!host_go(DEV_IMAGE_ADDR));
    image_header_t header;
    CHECK_TRUE(device_boot_check(&header) != IMAGE_OK);
    CHECK_TRUE(device_erased(DEV_HEADER_ADDR, IMAGE_HEADER_SIZE));
    device_reboot();
    CHECK_TRUE(host_sync());
    test_image_build(&new_image, 7000u, 3u);
    signed_image_sign(&new_image, &trusted, 4u);
    CHECK_TRUE(host_flash_like_stm32flash(new_image.bin, new_image.bin_len));
    CHECK_TRUE(host_go(DEV_IMAGE_ADDR));
    CHECK_TRUE(boots(&new_image));
}

static void tampered_image_is_refused_once_whole(void)
{
    device_with_signed_application();
    test_image_build(&new_image, 7000u, 2u);
    signed_image_sign(&new_image, &trusted, 3u);
    new_image.bin[DEV_PAGE_SIZE + 4000u] ^= 0x10u;
    test_image_seal(&new_image); /* image and header CRC made to match: only the signature can tell */
    refused_once_whole();
}

static void tampered_signature_is_refused_once_whole(void)
{
    device_with_signed_application();
    test_image_build(&new_image, 7000u, 2u);
    signed_image_sign(&new_image, &trusted, 3u);
    new_image.bin[IMAGE_SIGNATURE_OFFSET + IMAGE_SIGNATURE_BLOCK_SIZE - 1u] ^= 0x80u; /* the last byte of s */
    refused_once_whole();
}

static void tampered_header_is_refused_once_whole(void)
{
    device_with_signed_application();
    test_image_build(&new_image, 7000u, 2u);
    signed_image_sign(&new_image, &trusted, 3u);
    new_image.header.fw_version[3] ^= 0x1u;
    test_image_seal(&new_image); /* the header CRC matches: only the signature can tell */
    refused_once_whole();
}

/* A power cut at every flash operation of the refused update, three ways: what a reboot accepts is the old
 * application or nothing, never the tampered image. */
static void power_cuts_never_accept_a_tampered_image(void)
{
    test_image_build(&new_image, 1500u, 2u);
    signed_image_sign(&new_image, &trusted, 3u);
    new_image.bin[DEV_PAGE_SIZE + 100u] ^= 0x01u;
    test_image_seal(&new_image);

    device_with_signed_application();
    (void)host_flash_like_stm32flash(new_image.bin, new_image.bin_len);
    CHECK_TRUE(!host_go(DEV_IMAGE_ADDR));
    long total = dev.ops.completed;
    CHECK_TRUE(total > 5);
    static const cut_mode_t modes[] = { CUT_NOTHING_APPLIED, CUT_FIRST_HALF_APPLIED, CUT_SECOND_HALF_APPLIED };
    int accepted_tampered = 0;
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        for (long cut = 0; cut < total; cut++) {
            device_with_signed_application();
            dev.ops.cut_at = cut;
            dev.ops.cut_mode = modes[m];
            (void)host_flash_like_stm32flash(new_image.bin, new_image.bin_len);
            (void)host_go(DEV_IMAGE_ADDR);
            /* After the cut, and after the host has tried again from where the cut left flash. */
            for (int attempt = 0; attempt < 2; attempt++) {
                device_reboot();
                image_header_t header;
                if (device_boot_check(&header) == IMAGE_OK
                    && memcmp(&header, &old_image.header, sizeof header) != 0) {
                    accepted_tampered++;
                }
                CHECK_TRUE(host_sync());
                (void)host_flash_like_stm32flash(new_image.bin, new_image.bin_len);
                (void)host_go(DEV_IMAGE_ADDR);
            }
        }
    }
    CHECK_EQ_U32(0, accepted_tampered);
}

/* The flash as the chip reads it during a long verification, slowed so that the test's small image takes as long
 * as the largest one would (every 16 bytes a millisecond), with the SysTick interrupt (an3155_tick) every
 * millisecond, as on the chip. */
static image_port_t fast_flash;

static void slow_read(const image_port_t *port, uint32_t addr, void *dst, size_t len)
{
    (void)port;
    fast_flash.read(&fast_flash, addr, dst, len);
    for (size_t done = 0; done < len; done += 16u) {
        dev.link.now_ms++;
        an3155_tick(&dev.protocol, dev.link.now_ms);
    }
}

/* The write that completes a large signed image waits for its verification (~0.7 s for 894 KB on the chip, more
 * than stm32flash waits for a write's ACK): BUSY every AN3155_BUSY_INTERVAL_MS meanwhile, none after the answer. */
static void long_verification_sends_busy_until_the_answer(void)
{
    device_with_signed_application();
    fast_flash = dev.flash_port;
    dev.flash_port.read = slow_read;
    test_image_build(&new_image, 16000u, 2u);
    signed_image_sign(&new_image, &trusted, 3u);
    host_busy_replies = 0;
    CHECK_TRUE(host_flash_like_stm32flash(new_image.bin, new_image.bin_len));
    /* 16 KB read at 16 bytes a millisecond: a second, at least 9 BUSY before the last write's ACK. */
    CHECK_TRUE(host_busy_replies >= 9);
    CHECK_TRUE(boots(&new_image));
    /* Nothing unsolicited afterwards, also while the host idles. */
    host_wait_ms(3u * AN3155_IDLE_COMMIT_MS);
    EXPECT_SILENCE();
}

int main(void)
{
    test_signer_init(&trusted, 1u, "trusted!");
    test_signer_init(&stranger, 2u, "stranger");
    RUN_TEST(signed_image_installs_and_boots);
    RUN_TEST(unsigned_image_is_refused_before_any_change);
    RUN_TEST(unknown_key_is_refused_before_any_change);
    RUN_TEST(lower_counter_is_refused_before_any_change);
    RUN_TEST(wrong_board_is_refused_before_any_change);
    RUN_TEST(malformed_block_is_refused_before_any_change);
    RUN_TEST(tampered_image_is_refused_once_whole);
    RUN_TEST(tampered_signature_is_refused_once_whole);
    RUN_TEST(tampered_header_is_refused_once_whole);
    RUN_TEST(power_cuts_never_accept_a_tampered_image);
    RUN_TEST(long_verification_sends_busy_until_the_answer);
    return check_summary();
}
