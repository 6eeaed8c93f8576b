/* Power fails during every single flash operation of an update, in every flow and in three ways (the operation
 * not applied, half applied from its start, half applied to its end). After each cut the device reboots and
 * must either accept a complete image (the old one or the new one) or reject what is there; then a fresh update
 * from the host must succeed. The only operations after Go's ACK erase pages the host erased but never needed
 * (outside the new image): a cut there must leave the new image accepted. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "device.h"
#include "host.h"
#include "test_image.h"

typedef bool (*flow_t)(const test_image_t *img);

static bool stm32flash_flow(const test_image_t *img)
{
    return host_flash_like_stm32flash(img->bin, img->bin_len) && host_go(DEV_IMAGE_ADDR);
}

static bool header_last_flow(const test_image_t *img)
{
    return host_flash_header_last(img->bin, img->bin_len) && host_go(DEV_IMAGE_ADDR);
}

static bool shuffled_flow(const test_image_t *img)
{
    return host_flash_shuffled(img->bin, img->bin_len, 7u) && host_go(DEV_IMAGE_ADDR);
}

static bool mass_erase_then_header_last_flow(const test_image_t *img)
{
    HOST_SEND(0x44, 0xBB, 0xFF, 0xFF, 0x00);
    uint8_t reply[2];
    return host_take_reply(reply, sizeof reply) == 2u && reply[1] == AN3155_ACK
        && header_last_flow(img);
}

static test_image_t old_image;
static test_image_t new_image;

static void start_with_old_application(void)
{
    device_factory_fresh();
    test_image_install(&old_image);
    device_reboot();
}

/* Accepted means complete: the header and every image byte are exactly the old or the new application's. */
static bool outcome_is_safe(void)
{
    image_header_t header;
    if (device_boot_check(&header) != IMAGE_OK) {
        return true;
    }
    const test_image_t *img = memcmp(&header, &old_image.header, sizeof header) == 0 ? &old_image : &new_image;
    return memcmp(&header, &img->header, sizeof header) == 0
        && memcmp(device_flash_at(DEV_IMAGE_ADDR), img->bin + DEV_PAGE_SIZE, img->header.image_size) == 0;
}

/* Returns how many cuts came after Go's ACK. */
static long cut_everywhere(const char *name, flow_t flow)
{
    /* The operations an uninterrupted update takes. */
    start_with_old_application();
    CHECK_TRUE(host_sync());
    CHECK_TRUE(flow(&new_image));
    long total = dev.ops.completed;
    CHECK_TRUE(total > 10);

    static const cut_mode_t modes[] = { CUT_NOTHING_APPLIED, CUT_FIRST_HALF_APPLIED, CUT_SECOND_HALF_APPLIED };
    int unsafe = 0;
    int not_recovered = 0;
    long accepted_old = 0;
    long accepted_new = 0;
    long after_go = 0;
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        for (long cut = 0; cut < total; cut++) {
            start_with_old_application();
            dev.ops.cut_at = cut;
            dev.ops.cut_mode = modes[m];
            (void)host_sync();
            bool finished = flow(&new_image);
            if (!dev.ops.power_lost) {
                fprintf(stderr, "  %s: power did not fail at operation %ld\n", name, cut);
                unsafe++;
                continue;
            }

            device_reboot();
            image_header_t header;
            if (finished) {
                after_go++;
                if (device_boot_check(&header) != IMAGE_OK || memcmp(&header, &new_image.header, sizeof header) != 0
                    || !test_image_in_flash(&new_image)) {
                    fprintf(stderr, "  %s: a cut at operation %ld (mode %d), after Go's ACK, lost the new image\n",
                            name, cut, (int)modes[m]);
                    unsafe++;
                }
                continue;
            }
            if (!outcome_is_safe()) {
                fprintf(stderr, "  %s: cut at operation %ld (mode %d) left a header accepting a partial image\n",
                        name, cut, (int)modes[m]);
                unsafe++;
            }
            if (device_boot_check(&header) == IMAGE_OK) {
                accepted_old += memcmp(&header, &old_image.header, sizeof header) == 0;
                accepted_new += memcmp(&header, &new_image.header, sizeof header) == 0;
            }

            /* The host starts over, the way stm32flash would. */
            if (!host_sync() || !stm32flash_flow(&new_image) || !test_image_in_flash(&new_image)
                || device_boot_check(&header) != IMAGE_OK || dev.ops.program_over_data != 0) {
                fprintf(stderr, "  %s: no fresh update possible after a cut at operation %ld (mode %d)\n", name,
                        cut, (int)modes[m]);
                not_recovered++;
            }
        }
    }
    printf("  %s: %ld operations, %ld cuts (%ld after Go's ACK); before Go's ACK, old accepted %ld times, new %ld "
           "times, rest rejected\n", name, total, 3 * total, after_go, accepted_old, accepted_new);
    CHECK_EQ_U32(0, unsafe);
    CHECK_EQ_U32(0, not_recovered);
    /* A cut that leaves the old header in place keeps the old application; the new one can never be accepted
     * after a cut, since programming its magic is the update's last flash operation. */
    CHECK_TRUE(accepted_old > 0);
    CHECK_EQ_U32(0, accepted_new);
    return after_go;
}

static void setup_images(void)
{
    test_image_build(&old_image, 3000u, 11u);
    test_image_build(&new_image, 2600u, 12u);
}

static void cut_during_stm32flash_update(void)
{
    setup_images();
    CHECK_EQ_U32(0, cut_everywhere("stm32flash", stm32flash_flow));
}

static void cut_during_header_last_update(void)
{
    setup_images();
    CHECK_EQ_U32(0, cut_everywhere("header last", header_last_flow));
}

static void cut_during_shuffled_update(void)
{
    setup_images();
    CHECK_EQ_U32(0, cut_everywhere("shuffled", shuffled_flow));
}

/* The mass erase leaves every page beyond the new image pending until after Go's ACK. */
static void cut_during_mass_erase_update(void)
{
    setup_images();
    uint32_t image_pages = (uint32_t)((new_image.bin_len + DEV_PAGE_SIZE - 1u) / DEV_PAGE_SIZE);
    CHECK_EQ_U32(3u * (DEV_LAST_PAGE + 1u - DEV_HEADER_PAGE - image_pages),
                 cut_everywhere("mass erase", mass_erase_then_header_last_flow));
}

int main(void)
{
    RUN_TEST(cut_during_stm32flash_update);
    RUN_TEST(cut_during_header_last_update);
    RUN_TEST(cut_during_shuffled_update);
    RUN_TEST(cut_during_mass_erase_update);
    return check_summary();
}
