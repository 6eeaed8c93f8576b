/* The USB update end to end on the host: the fake drive carries disk images that mkfs.vfat/mtools made with
 * HEX files from srec_cat; the device is the real memory map in a fake flash with the flash writer. Every
 * refusal is checked for its exact line and for flash left byte for byte as it was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "device.h"
#include "fake_usb_drive.h"
#include "fixture_files.h"
#include "test_image.h"
#include "usb_update.h"

#define MAX_LINES 16u
#define MAX_LEDS  16u

typedef struct {
    fake_drive_t drive;
    usb_hcd_t hcd;
    usb_update_t state;
    usb_update_port_t port;
    usb_update_config_t config;
    char lines[MAX_LINES][USB_UPDATE_MESSAGE_SIZE];
    uint32_t line_count;
    usb_led_t leds[MAX_LEDS];
    uint32_t led_count;
} bench_t;

static bench_t b;
static test_image_t installed;
static uint8_t snapshot[DEV_FLASH_SIZE];

static void port_print(const usb_update_port_t *port, const char *line)
{
    (void)port;
    if (b.line_count < MAX_LINES) {
        strcpy(b.lines[b.line_count], line);
    }
    b.line_count++;
}

static void port_led(const usb_update_port_t *port, usb_led_t state)
{
    (void)port;
    if (b.led_count < MAX_LEDS) {
        b.leds[b.led_count] = state;
    }
    b.led_count++;
}

static void forget_output(void)
{
    b.line_count = 0u;
    b.led_count = 0u;
}

/* A device whose flash holds application 1.2.3.<seed> (5000 bytes), or nothing with seed 0. */
static void board_with_application(uint32_t seed)
{
    device_factory_fresh();
    if (seed != 0u) {
        test_image_build(&installed, 5000u, seed);
        test_image_install(&installed);
    }
    device_reboot();
    fake_drive_free(&b.drive);
    fake_drive_init(&b.drive, NULL);
    b.hcd = fake_drive_hcd(&b.drive);
    memset(&b.state, 0, sizeof b.state);
    b.port = (usb_update_port_t){ .print = port_print, .led = port_led, .writer = &dev.writer, .installed = &dev.flash_port };
    b.config = (usb_update_config_t){ .file_name = USB_FIRMWARE_NAME, .allow_downgrade = ALLOW_DOWNGRADE != 0 };
    forget_output();
    memcpy(snapshot, device_flash_at(DEV_FLASH_BASE), sizeof snapshot);
}

/* Plugs in a drive with the given fixture image. */
static void insert(const char *image)
{
    fake_drive_free(&b.drive);
    fake_drive_init(&b.drive, fixture_path(image));
    fake_drive_attach(&b.drive);
    /* A fresh drive has its power state from the port. */
    b.drive.powered = b.state.powered;
}

static usb_update_result_t poll(void)
{
    return usb_update_poll(&b.state, &b.hcd, &b.config, &b.port);
}

static const char *last_line(void)
{
    return b.line_count == 0u ? "" : b.lines[(b.line_count < MAX_LINES ? b.line_count : MAX_LINES) - 1u];
}

static bool flash_unchanged(void)
{
    return memcmp(snapshot, device_flash_at(DEV_FLASH_BASE), sizeof snapshot) == 0;
}

/* Flash holds the application the fixture stamped as <app>.hdr + <app>.img.bin, and the boot check takes it. */
static void check_application_in_flash(const char *app)
{
    char name[64];
    size_t header_len;
    size_t image_len;
    snprintf(name, sizeof name, "%s.hdr", app);
    uint8_t *header = fixture_read(name, &header_len);
    snprintf(name, sizeof name, "%s.img.bin", app);
    uint8_t *image = fixture_read(name, &image_len);
    CHECK_TRUE(memcmp(device_flash_at(DEV_HEADER_ADDR), header, header_len) == 0);
    CHECK_TRUE(device_erased(DEV_HEADER_ADDR + (uint32_t)header_len, DEV_PAGE_SIZE - (uint32_t)header_len));
    CHECK_TRUE(memcmp(device_flash_at(DEV_IMAGE_ADDR), image, image_len) == 0);
    image_header_t found;
    CHECK_EQ_U32(IMAGE_OK, device_boot_check(&found));
    CHECK_TRUE(device_bootloader_intact());
    CHECK_EQ_U32(0, dev.ops.program_over_data);
    free(header);
    free(image);
}

#define CHECK_RESULT(expected, actual) CHECK_EQ_U32((expected), (actual))

static void updated_from(const char *image, const char *app, const char *file_line, const char *version)
{
    board_with_application(1u);
    insert(image);
    CHECK_RESULT(USB_UPDATE_UPDATED, poll());
    char expected[USB_UPDATE_MESSAGE_SIZE];
    snprintf(expected, sizeof expected, "usb: updated to %s", version);
    CHECK_EQ_STR(expected, last_line());
    CHECK_EQ_STR(expected, b.state.message);
    CHECK_EQ_STR(file_line, b.lines[0]);
    snprintf(expected, sizeof expected, "usb: programming %s", version);
    CHECK_EQ_STR(expected, b.lines[1]);
    check_application_in_flash(app);
    CHECK_EQ_U32(0, b.drive.toggle_errors);
    CHECK_EQ_U32(0, b.drive.protocol_errors);
}

static void updates_from_every_fat_type(void)
{
    updated_from("fat12.img", "app16", "usb: FIRMWARE.HEX, 33204 bytes", "1.2.3.4");
    updated_from("fat12_mbr.img", "app32", "usb: firmware.hex, 28700 bytes", "1.2.3.4");
    updated_from("fat16.img", "app255", "usb: FIRMWARE.HEX, 24816 bytes", "1.2.3.4");
    updated_from("fat16_mbr.img", "app16", "usb: firmware.hex, 33960 bytes", "1.2.3.4");
    updated_from("fat32.img", "big", "usb: FIRMWARE.HEX, 356468 bytes", "1.2.3.5");
    updated_from("fat32_mbr.img", "app16", "usb: firmware.hex, 33204 bytes", "1.2.3.4");
}

static void progress_and_leds(void)
{
    updated_from("fat12.img", "app16", "usb: FIRMWARE.HEX, 33204 bytes", "1.2.3.4");
    CHECK_EQ_U32(6, b.line_count);
    CHECK_EQ_STR("usb: 25% programmed", b.lines[2]);
    CHECK_EQ_STR("usb: 50% programmed", b.lines[3]);
    CHECK_EQ_STR("usb: 75% programmed", b.lines[4]);
    CHECK_EQ_U32(3, b.led_count);
    CHECK_EQ_U32(USB_LED_BUSY, b.leds[0]);
    CHECK_EQ_U32(USB_LED_PROGRAMMING, b.leds[1]);
    CHECK_EQ_U32(USB_LED_SUCCESS, b.leds[2]);
    /* Pulled out afterwards: the LED goes back to the update mode's. */
    fake_drive_detach(&b.drive);
    CHECK_RESULT(USB_UPDATE_NO_DRIVE, poll());
    CHECK_EQ_U32(4, b.led_count);
    CHECK_EQ_U32(USB_LED_IDLE, b.leds[3]);
}

static void file_choice(void)
{
    updated_from("lfn.img", "app16", "usb: Application build 1.2.3.4 (release).hex, 33204 bytes", "1.2.3.4");
    updated_from("single_other.img", "app16", "usb: UPDATE.HEX, 33204 bytes", "1.2.3.4");
    updated_from("fragmented.img", "app16", "usb: FIRMWARE.HEX, 33204 bytes", "1.2.3.4");
    updated_from("file_app16.img", "app16", "usb: FIRMWARE.HEX, 33204 bytes", "1.2.3.4");
}

static void configured_name_wins_over_other_hex_files(void)
{
    board_with_application(1u);
    b.config.file_name = "b.hex";
    insert("several.img");
    CHECK_RESULT(USB_UPDATE_UPDATED, poll());
    CHECK_EQ_STR("usb: B.HEX, 33204 bytes", b.lines[0]);
    check_application_in_flash("app16");
}

static void pages_the_file_leaves_out_read_erased(void)
{
    /* The installed application has data where the new image has a 4 KB gap without records. */
    updated_from("file_gap.img", "gap", "usb: FIRMWARE.HEX, 21940 bytes", "1.2.3.8");
}

static void no_drive_returns_at_once(void)
{
    board_with_application(1u);
    CHECK_RESULT(USB_UPDATE_NO_DRIVE, poll());
    CHECK_TRUE(b.drive.powered);
    CHECK_EQ_U32(0, b.line_count);
    CHECK_EQ_U32(0, b.led_count);
    CHECK_EQ_STR("usb: no drive", usb_update_message(&b.state));
    CHECK_EQ_U32(0, b.drive.now_ms);
}

static void same_image_is_skipped_and_a_plugged_drive_read_once(void)
{
    updated_from("fat12.img", "app16", "usb: FIRMWARE.HEX, 33204 bytes", "1.2.3.4");
    /* Left plugged in: nothing more happens. */
    long transfers = b.drive.transfers;
    forget_output();
    CHECK_RESULT(USB_UPDATE_REPORTED, poll());
    CHECK_EQ_U32(transfers, b.drive.transfers);
    CHECK_EQ_U32(0, b.line_count);

    /* Next boot with the same drive: the image is already there. */
    memcpy(snapshot, device_flash_at(DEV_FLASH_BASE), sizeof snapshot);
    device_reboot();
    memset(&b.state, 0, sizeof b.state);
    insert("fat12.img");
    forget_output();
    CHECK_RESULT(USB_UPDATE_SAME_IMAGE, poll());
    CHECK_EQ_STR("usb: same image as installed, skipped", last_line());
    CHECK_EQ_U32(2, b.line_count);
    CHECK_TRUE(flash_unchanged());
    CHECK_EQ_U32(0, dev.ops.erases + dev.ops.programs);
    CHECK_EQ_U32(USB_LED_IDLE, b.leds[b.led_count - 1u]);

    /* The same image from another drive, re-plugged in the same session. */
    fake_drive_detach(&b.drive);
    CHECK_RESULT(USB_UPDATE_NO_DRIVE, poll());
    insert("fat16_mbr.img");
    CHECK_RESULT(USB_UPDATE_SAME_IMAGE, poll());
    CHECK_TRUE(flash_unchanged());
}

static void refused(const char *image, usb_update_result_t expected, const char *line)
{
    board_with_application(1u);
    insert(image);
    usb_update_result_t result = poll();
    CHECK_RESULT(expected, result);
    CHECK_EQ_STR(line, last_line());
    CHECK_TRUE(flash_unchanged());
    CHECK_EQ_U32(0, dev.ops.erases + dev.ops.programs);
    CHECK_EQ_U32(USB_LED_FAILURE, b.leds[b.led_count - 1u]);
    /* Reported once: polling again with the drive still there does nothing. */
    forget_output();
    CHECK_RESULT(USB_UPDATE_REPORTED, poll());
    CHECK_EQ_U32(0, b.line_count);
}

static void refusals_of_the_file_system(void)
{
    refused("zeros.img", USB_UPDATE_NO_FAT_VOLUME, "usb: no FAT volume");
    refused("linux_partition.img", USB_UPDATE_NO_FAT_VOLUME, "usb: no FAT volume");
    refused("bad_bytes_per_sector.img", USB_UPDATE_FAT_ERROR, "usb: corrupt FAT boot sector");
    refused("fat32_root_entries.img", USB_UPDATE_FAT_ERROR, "usb: corrupt FAT boot sector");
    refused("volume_too_big.img", USB_UPDATE_FAT_ERROR, "usb: corrupt FAT boot sector");
    refused("root_loop.img", USB_UPDATE_FAT_ERROR, "usb: FAT chain loops");
    refused("loop.img", USB_UPDATE_FAT_ERROR, "usb: FIRMWARE.HEX: FAT chain loops");
    refused("loop_fat32.img", USB_UPDATE_FAT_ERROR, "usb: FIRMWARE.HEX: FAT chain loops");
    refused("bad_cluster.img", USB_UPDATE_FAT_ERROR, "usb: FIRMWARE.HEX: cluster number out of range");
    refused("free_cluster.img", USB_UPDATE_FAT_ERROR, "usb: FIRMWARE.HEX: cluster number out of range");
    refused("truncated.img", USB_UPDATE_FAT_ERROR,
            "usb: FIRMWARE.HEX: file truncated");
}

static void refusals_of_the_file_choice(void)
{
    refused("no_hex.img", USB_UPDATE_NO_HEX_FILE, "usb: no .hex file");
    refused("nested.img", USB_UPDATE_NO_HEX_FILE, "usb: no .hex file");
    refused("several.img", USB_UPDATE_SEVERAL_HEX_FILES,
            "usb: several .hex files (A.HEX, B.HEX): keep one or name it FIRMWARE.HEX");
    refused("many.img", USB_UPDATE_SEVERAL_HEX_FILES,
            "usb: several .hex files (release candidate 00.hex, release candidate 01.hex, release "
            "...): keep one or name it FIRMWARE.HEX");
}

static void refusals_of_the_file(void)
{
    refused("file_bad_checksum.img", USB_UPDATE_HEX_ERROR, "usb: FIRMWARE.HEX line 12: bad checksum");
    refused("file_no_eof.img", USB_UPDATE_HEX_ERROR, "usb: FIRMWARE.HEX line 756: no end-of-file record");
    refused("file_empty.img", USB_UPDATE_HEX_ERROR, "usb: FIRMWARE.HEX line 1: no end-of-file record");
    refused("file_outside.img", USB_UPDATE_ADDRESS_OUTSIDE, "usb: address 0x08001000 outside the application");
    refused("file_no_header.img", USB_UPDATE_BAD_HEADER, "usb: FIRMWARE.HEX has no image header at 0x08020000");
    refused("file_wrong_board.img", USB_UPDATE_WRONG_BOARD, "usb: wrong board id 0x04150002");
    refused("file_old.img", USB_UPDATE_DOWNGRADE,
            "usb: version 1.0.0.0 older than installed 1.2.3.1 (downgrade disabled)");
    refused("file_bad_header_crc.img", USB_UPDATE_BAD_HEADER, "usb: FIRMWARE.HEX: image header: header CRC mismatch");
}

static void image_that_fails_its_crc_is_never_committed(void)
{
    /* Only programming shows the image CRC: the old application is gone, no header accepts the new one. */
    board_with_application(1u);
    insert("file_bad_image_crc.img");
    CHECK_RESULT(USB_UPDATE_IMAGE_REJECTED, poll());
    CHECK_EQ_STR("usb: image rejected after programming: image CRC mismatch", last_line());
    image_header_t header;
    CHECK_EQ_U32(IMAGE_BAD_MAGIC, device_boot_check(&header));
    CHECK_TRUE(device_erased(DEV_HEADER_ADDR, DEV_PAGE_SIZE));
    CHECK_TRUE(device_bootloader_intact());
    CHECK_EQ_U32(USB_LED_FAILURE, b.leds[b.led_count - 1u]);
}

/* The drive serves FIRMWARE.HEX 1.2.3.4 to pass 1 and, from the second read of the sector holding its header records
 * on, the same file with the header of version 1.0.0.0 (its CRC made right): pass 1's version check must hold for
 * what pass 2 programs. */
static void a_file_that_changes_between_the_two_reads_is_never_committed(void)
{
    size_t changed_len;
    uint8_t *changed = fixture_read("file_app16_v1000.img", &changed_len);
    board_with_application(1u);
    insert("file_app16.img");
    CHECK_EQ_U32(b.drive.disk_size, changed_len);
    uint32_t differing = 0u;
    for (uint32_t lba = 0; lba < changed_len / 512u; lba++) {
        if (memcmp(b.drive.disk + lba * 512u, changed + lba * 512u, 512u) != 0) {
            b.drive.change_lba = lba;
            differing++;
        }
    }
    CHECK_EQ_U32(1, differing);
    b.drive.change_on_read = 2u;
    b.drive.change_data = changed + b.drive.change_lba * 512u;
    CHECK_RESULT(USB_UPDATE_FILE_CHANGED, poll());
    CHECK_EQ_U32(2, b.drive.change_lba_reads);
    CHECK_EQ_STR("usb: programming 1.2.3.4", b.lines[1]);
    CHECK_EQ_STR("usb: FIRMWARE.HEX changed between the two reads", last_line());
    /* Pass 2 erased the old application; nothing it programmed was committed. */
    image_header_t header;
    CHECK_EQ_U32(IMAGE_BAD_MAGIC, device_boot_check(&header));
    CHECK_TRUE(device_erased(DEV_HEADER_ADDR, DEV_PAGE_SIZE));
    CHECK_TRUE(device_bootloader_intact());
    CHECK_EQ_U32(USB_LED_FAILURE, b.leds[b.led_count - 1u]);
    free(changed);
}

static void a_header_the_file_writes_twice_is_committed_only_as_checked(void)
{
    /* The file brings the old application 1.0.0.0 whole, then another header, 1.2.3.9, whose image CRC fails. */
    board_with_application(1u);
    insert("file_header_twice.img");
    CHECK_RESULT(USB_UPDATE_IMAGE_REJECTED, poll());
    CHECK_EQ_STR("usb: programming 1.2.3.9", b.lines[1]);
    CHECK_EQ_STR("usb: image rejected after programming: image CRC mismatch", last_line());
    image_header_t header;
    CHECK_EQ_U32(IMAGE_BAD_MAGIC, device_boot_check(&header));
    CHECK_TRUE(device_erased(DEV_HEADER_ADDR, DEV_PAGE_SIZE));
}

static void refusals_of_the_device(void)
{
    static const struct {
        fake_device_kind_t kind;
        usb_update_result_t result;
        const char *line;
    } cases[] = {
        { FAKE_HID_KEYBOARD, USB_UPDATE_NOT_MASS_STORAGE, "usb: not a mass-storage device" },
        { FAKE_MASS_STORAGE_UFI, USB_UPDATE_NOT_MASS_STORAGE, "usb: not a mass-storage device" },
        { FAKE_HUB, USB_UPDATE_HUB, "usb: hub not supported" },
        { FAKE_SILENT, USB_UPDATE_NOT_RECOGNISED, "usb: device not recognised (transaction error)" },
        { FAKE_BAD_EP0, USB_UPDATE_NOT_RECOGNISED, "usb: device not recognised (bad descriptor)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        board_with_application(1u);
        insert("fat12.img");
        b.drive.kind = cases[i].kind;
        CHECK_RESULT(cases[i].result, poll());
        CHECK_EQ_STR(cases[i].line, last_line());
        CHECK_TRUE(flash_unchanged());
    }

    board_with_application(1u);
    insert("fat12.img");
    b.drive.bulk_mps = 512u;
    CHECK_RESULT(USB_UPDATE_NOT_RECOGNISED, poll());
    CHECK_EQ_STR("usb: device not recognised (bulk max packet size 512)",
                 last_line());
    CHECK_TRUE(flash_unchanged());

    board_with_application(1u);
    insert("fat12.img");
    b.drive.block_size = 4096u;
    CHECK_RESULT(USB_UPDATE_DRIVE_UNSUPPORTED, poll());
    CHECK_EQ_STR("usb: sector size 4096 not supported", last_line());
    CHECK_TRUE(flash_unchanged());

    board_with_application(1u);
    insert("fat12.img");
    b.drive.capacity_overflows = true;
    CHECK_RESULT(USB_UPDATE_DRIVE_UNSUPPORTED, poll());
    CHECK_EQ_STR("usb: drives of 2 TB and more not supported", last_line());
    CHECK_TRUE(flash_unchanged());

    board_with_application(1u);
    insert("fat12.img");
    b.drive.not_ready_count = 1000000u;
    CHECK_RESULT(USB_UPDATE_DRIVE_ERROR, poll());
    CHECK_EQ_STR("usb: drive not ready", last_line());
    CHECK_TRUE(flash_unchanged());

    board_with_application(1u);
    insert("fat12.img");
    b.drive.fail_opcode = 0x28u;
    b.drive.fail_count = 1000000u;
    CHECK_RESULT(USB_UPDATE_DRIVE_ERROR, poll());
    CHECK_EQ_STR("usb: drive error: SCSI 0x28 failed, sense 03/11/00", last_line());
    CHECK_TRUE(flash_unchanged());

    board_with_application(1u);
    insert("fat12.img");
    b.drive.phase_error_opcode = 0x28u;
    b.drive.phase_error_count = 1000000u;
    CHECK_RESULT(USB_UPDATE_DRIVE_ERROR, poll());
    CHECK_EQ_STR("usb: drive error: SCSI 0x28 failed, phase error", last_line());
    CHECK_TRUE(flash_unchanged());

    board_with_application(1u);
    insert("fat12.img");
    b.drive.nak_ms = MSC_BOT_TIMEOUT_MS + 1u;
    CHECK_RESULT(USB_UPDATE_DRIVE_ERROR, poll());
    CHECK_EQ_STR("usb: drive error: SCSI 0x12 failed, NAK timeout", last_line());
    CHECK_TRUE(flash_unchanged());
}

static void several_luns_and_a_flaky_drive_still_update(void)
{
    board_with_application(1u);
    insert("fat16.img");
    b.drive.max_lun = 1u;
    b.drive.not_ready_count = 3u;
    b.drive.stall_opcode = 0x28u;
    b.drive.stall_count = 1u;
    b.drive.phase_error_opcode = 0x28u;
    b.drive.phase_error_count = 1u;
    b.drive.fail_opcode = 0x12u;
    b.drive.fail_count = 2u;
    b.drive.nak_ms = 2u;
    CHECK_RESULT(USB_UPDATE_UPDATED, poll());
    CHECK_EQ_STR("usb: 2 LUNs, reading LUN 0", b.lines[0]);
    CHECK_EQ_U32(1, b.drive.luns_used);
    check_application_in_flash("app255");
}

static void downgrade_policy(void)
{
    board_with_application(1u);
    b.config.allow_downgrade = true;
    insert("file_old.img");
    CHECK_RESULT(USB_UPDATE_UPDATED, poll());
    CHECK_EQ_STR("usb: updated to 1.0.0.0", last_line());
    check_application_in_flash("old");

    /* Nothing accepted in flash: no version to compare with. */
    board_with_application(0u);
    insert("file_old.img");
    CHECK_RESULT(USB_UPDATE_UPDATED, poll());
    check_application_in_flash("old");

    /* An installed image that fails its check does not count as installed. */
    board_with_application(9u);
    *device_flash_at(DEV_IMAGE_ADDR + 100u) ^= 0x01u;
    insert("file_old.img");
    CHECK_RESULT(USB_UPDATE_UPDATED, poll());
    check_application_in_flash("old");
}

static void drive_pulled_at_every_transfer(void)
{
    board_with_application(1u);
    insert("fat12.img");
    CHECK_RESULT(USB_UPDATE_UPDATED, poll());
    long total = b.drive.transfers;
    for (long at = 0; at < total; at++) {
        board_with_application(1u);
        insert("fat12.img");
        b.drive.disconnect_at = at;
        CHECK_RESULT(USB_UPDATE_DRIVE_REMOVED, poll());
        CHECK_EQ_STR("usb: drive removed", last_line());
        bool programming = dev.ops.erases + dev.ops.programs != 0;
        if (!programming) {
            CHECK_TRUE(flash_unchanged());
        }
        /* A half-programmed application is never accepted. */
        image_header_t header;
        image_status_t boot = device_boot_check(&header);
        CHECK_TRUE(boot == IMAGE_OK ? flash_unchanged() : programming);
        CHECK_RESULT(USB_UPDATE_NO_DRIVE, poll());
        b.drive.disconnect_at = -1;
        fake_drive_attach(&b.drive);
        CHECK_RESULT(USB_UPDATE_UPDATED, poll());
        check_application_in_flash("app16");
    }
}

static void power_cut_while_programming(void)
{
    board_with_application(1u);
    insert("fat12.img");
    CHECK_RESULT(USB_UPDATE_UPDATED, poll());
    long operations = dev.ops.completed;
    for (long cut = 0; cut < operations; cut += cut < 20 ? 1 : 41) {
        board_with_application(1u);
        insert("fat12.img");
        dev.ops.cut_at = cut;
        dev.ops.cut_mode = (cut_mode_t)(cut % 3);
        CHECK_RESULT(USB_UPDATE_FLASH_ERROR, poll());
        CHECK_TRUE(strncmp(last_line(), "usb: flash error at 0x080", 25) == 0);
        /* Either the old application is untouched or no application is accepted. */
        image_header_t header;
        CHECK_TRUE(device_boot_check(&header) == IMAGE_OK ? flash_unchanged() : true);
        /* Power returns: the bootloader starts again and the drive is read again. */
        device_reboot();
        memset(&b.state, 0, sizeof b.state);
        CHECK_RESULT(USB_UPDATE_UPDATED, poll());
        check_application_in_flash("app16");
    }
}

int main(int argc, char **argv)
{
    fixture_files_init(argc, argv);
    fake_drive_init(&b.drive, NULL);
    RUN_TEST(updates_from_every_fat_type);
    RUN_TEST(progress_and_leds);
    RUN_TEST(file_choice);
    RUN_TEST(configured_name_wins_over_other_hex_files);
    RUN_TEST(pages_the_file_leaves_out_read_erased);
    RUN_TEST(no_drive_returns_at_once);
    RUN_TEST(same_image_is_skipped_and_a_plugged_drive_read_once);
    RUN_TEST(refusals_of_the_file_system);
    RUN_TEST(refusals_of_the_file_choice);
    RUN_TEST(refusals_of_the_file);
    RUN_TEST(image_that_fails_its_crc_is_never_committed);
    RUN_TEST(a_file_that_changes_between_the_two_reads_is_never_committed);
    RUN_TEST(a_header_the_file_writes_twice_is_committed_only_as_checked);
    RUN_TEST(refusals_of_the_device);
    RUN_TEST(several_luns_and_a_flaky_drive_still_update);
    RUN_TEST(downgrade_policy);
    RUN_TEST(drive_pulled_at_every_transfer);
    RUN_TEST(power_cut_while_programming);
    fake_drive_free(&b.drive);
    return check_summary();
}
