/* The USB host core, Bulk-Only Transport and SCSI layers against the fake drive: enumeration of every kind of
 * device, LUNs, block sizes, STALL and reset recovery, NAKs, a drive that is slow to become ready, and a drive
 * pulled out at every single transfer. */
#include <string.h>

#include "check.h"
#include "fake_usb_drive.h"
#include "fixture_files.h"
#include "msc_bot.h"
#include "scsi.h"
#include "usbh.h"

typedef struct {
    fake_drive_t drive;
    usb_hcd_t hcd;
    usbh_device_t dev;
    msc_bot_t bot;
    scsi_disk_t disk;
    uint8_t buf[512];
} host_t;

static host_t h;

static void plug(fake_device_kind_t kind, const char *image)
{
    fake_drive_free(&h.drive);
    fake_drive_init(&h.drive, image == NULL ? NULL : fixture_path(image));
    h.drive.kind = kind;
    h.hcd = fake_drive_hcd(&h.drive);
    h.hcd.power(h.hcd.ctx, true);
    fake_drive_attach(&h.drive);
}

#define CHECK_USBH(expected, actual) CHECK_EQ_U32((expected), (actual))

/* Enumeration, GET MAX LUN and the SCSI start of a drive. */
static scsi_status_t start_drive(void)
{
    usbh_status_t status = usbh_enumerate(&h.dev, &h.hcd, h.buf, sizeof h.buf);
    if (status != USBH_OK) {
        return status == USBH_DISCONNECTED ? SCSI_DISCONNECTED : SCSI_FAILED;
    }
    if (msc_bot_init(&h.bot, &h.dev) != MSC_OK) {
        return SCSI_DISCONNECTED;
    }
    return scsi_start(&h.disk, &h.bot, h.buf);
}

static void check_clean_protocol(void)
{
    CHECK_EQ_U32(0, h.drive.toggle_errors);
    CHECK_EQ_U32(0, h.drive.protocol_errors);
    CHECK_EQ_U32(1, h.drive.luns_used);
}

static void mass_storage_drive_enumerates(void)
{
    plug(FAKE_MASS_STORAGE, "fat12.img");
    CHECK_USBH(USBH_OK, usbh_enumerate(&h.dev, &h.hcd, h.buf, sizeof h.buf));
    CHECK_EQ_U32(USBH_DEVICE_ADDRESS, h.drive.address);
    CHECK_EQ_U32(1, h.drive.configuration);
    CHECK_EQ_U32(1, h.drive.port_resets);
    CHECK_EQ_U32(64, h.dev.ep0_mps);
    CHECK_EQ_U32(0x81, h.dev.bulk[USBH_IN]);
    CHECK_EQ_U32(0x02, h.dev.bulk[USBH_OUT]);
    CHECK_EQ_U32(64, h.dev.bulk_mps[USBH_IN]);
    CHECK_EQ_U32(64, h.dev.bulk_mps[USBH_OUT]);
    CHECK_EQ_U32(0, h.dev.interface);
    CHECK_EQ_U32(MSC_OK, msc_bot_init(&h.bot, &h.dev));
    CHECK_EQ_U32(SCSI_OK, scsi_start(&h.disk, &h.bot, h.buf));
    CHECK_EQ_U32(2048u * 1024u / 512u, h.disk.blocks);
    CHECK_EQ_U32(1, h.drive.commands[SCSI_INQUIRY]);
    CHECK_EQ_U32(1, h.drive.commands[SCSI_TEST_UNIT_READY]);
    CHECK_EQ_U32(1, h.drive.commands[SCSI_READ_CAPACITY_10]);
    /* Block 0 of the image is its boot sector. */
    CHECK_EQ_U32(SCSI_OK, scsi_read(&h.disk, 0u, h.buf));
    CHECK_TRUE(memcmp(h.buf, h.drive.disk, 512u) == 0);
    CHECK_EQ_U32(SCSI_OK, scsi_read(&h.disk, h.disk.blocks - 1u, h.buf));
    check_clean_protocol();
}

static void other_devices_are_named(void)
{
    plug(FAKE_HID_KEYBOARD, NULL);
    CHECK_USBH(USBH_NOT_MASS_STORAGE, usbh_enumerate(&h.dev, &h.hcd, h.buf, sizeof h.buf));
    plug(FAKE_MASS_STORAGE_UFI, NULL);
    CHECK_USBH(USBH_NOT_MASS_STORAGE, usbh_enumerate(&h.dev, &h.hcd, h.buf, sizeof h.buf));
    plug(FAKE_HUB, NULL);
    CHECK_USBH(USBH_HUB, usbh_enumerate(&h.dev, &h.hcd, h.buf, sizeof h.buf));
    /* Nothing was configured on a device that is refused. */
    CHECK_EQ_U32(0, h.drive.configuration);
}

static void mass_storage_behind_another_interface(void)
{
    plug(FAKE_COMPOSITE, "fat12.img");
    CHECK_EQ_U32(SCSI_OK, start_drive());
    CHECK_EQ_U32(1, h.dev.interface);
    check_clean_protocol();
}

static void bulk_packet_sizes_full_speed_does_not_allow_are_refused(void)
{
    /* USB 2.0 §5.8.3: 8, 16, 32 or 64 bytes at full speed (512 is high speed's); wMaxPacketSize's 11 bits say up
     * to 2047. */
    static const uint16_t refused[] = { 512u, 2047u, 1023u, 128u, 63u, 24u, 4u, 1u };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        plug(FAKE_MASS_STORAGE, NULL);
        h.drive.bulk_mps = refused[i];
        CHECK_USBH(USBH_BAD_PACKET_SIZE, usbh_enumerate(&h.dev, &h.hcd, h.buf, sizeof h.buf));
        CHECK_EQ_U32(refused[i], h.dev.refused_mps);
        CHECK_EQ_U32(0, h.drive.configuration);
    }
    static const uint16_t allowed[] = { 8u, 16u, 32u, 64u };
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        plug(FAKE_MASS_STORAGE, "fat12.img");
        h.drive.bulk_mps = allowed[i];
        CHECK_EQ_U32(SCSI_OK, start_drive());
        CHECK_EQ_U32(allowed[i], h.dev.bulk_mps[USBH_IN]);
        CHECK_EQ_U32(SCSI_OK, scsi_read(&h.disk, 0u, h.buf));
        CHECK_TRUE(memcmp(h.buf, h.drive.disk, 512u) == 0);
        check_clean_protocol();
    }
}

static void configuration_cut_by_a_small_buffer(void)
{
    /* 16 bytes hold the configuration and half the interface descriptor: no interface found. */
    plug(FAKE_MASS_STORAGE, NULL);
    CHECK_USBH(USBH_NOT_MASS_STORAGE, usbh_enumerate(&h.dev, &h.hcd, h.buf, 16u));
    plug(FAKE_MASS_STORAGE, NULL);
    CHECK_USBH(USBH_OK, usbh_enumerate(&h.dev, &h.hcd, h.buf, 32u));
}

static void several_luns_use_lun_0(void)
{
    plug(FAKE_MASS_STORAGE, "fat12.img");
    h.drive.max_lun = 1u;
    CHECK_EQ_U32(SCSI_OK, start_drive());
    CHECK_EQ_U32(1, h.bot.max_lun);
    CHECK_EQ_U32(SCSI_OK, scsi_read(&h.disk, 0u, h.buf));
    check_clean_protocol();

    plug(FAKE_MASS_STORAGE, "fat12.img");
    h.drive.max_lun = 3u;
    h.drive.max_lun_stalls = true;
    CHECK_EQ_U32(SCSI_OK, start_drive());
    CHECK_EQ_U32(0, h.bot.max_lun);
}

static void blocks_other_than_512_bytes_are_refused(void)
{
    plug(FAKE_MASS_STORAGE, "fat16.img");
    h.drive.block_size = 4096u;
    CHECK_EQ_U32(SCSI_BLOCK_SIZE_UNSUPPORTED, start_drive());
    CHECK_EQ_U32(4096, h.disk.block_size);
    CHECK_EQ_U32(0, h.drive.commands[SCSI_READ_10]);
}

static void slow_drive_becomes_ready(void)
{
    plug(FAKE_MASS_STORAGE, "fat12.img");
    h.drive.not_ready_count = 20u;
    uint32_t start = h.drive.now_ms;
    CHECK_EQ_U32(SCSI_OK, start_drive());
    CHECK_TRUE(h.drive.now_ms - start >= 20u * SCSI_READY_POLL_MS);
    CHECK_EQ_U32(21, h.drive.commands[SCSI_TEST_UNIT_READY]);
    /* Every failed TEST UNIT READY was followed by REQUEST SENSE. */
    CHECK_EQ_U32(20, h.drive.commands[SCSI_REQUEST_SENSE]);
    check_clean_protocol();
}

static void drive_that_never_becomes_ready(void)
{
    plug(FAKE_MASS_STORAGE, "fat12.img");
    h.drive.not_ready_count = 1000000u;
    uint32_t start = h.drive.now_ms;
    CHECK_EQ_U32(SCSI_NOT_READY, start_drive());
    CHECK_TRUE(h.drive.now_ms - start >= SCSI_READY_TIMEOUT_MS);
    CHECK_TRUE(h.drive.now_ms - start < SCSI_READY_TIMEOUT_MS + 1000u);
    CHECK_EQ_U32(0x02, h.disk.sense_key);
    CHECK_EQ_U32(0x04, h.disk.asc);
}

static void stalled_data_stage_is_cleared_and_retried(void)
{
    plug(FAKE_MASS_STORAGE, "fat12.img");
    CHECK_EQ_U32(SCSI_OK, start_drive());
    h.drive.stall_opcode = SCSI_READ_10;
    h.drive.stall_count = 1u;
    CHECK_EQ_U32(SCSI_OK, scsi_read(&h.disk, 1u, h.buf));
    CHECK_TRUE(memcmp(h.buf, h.drive.disk + 512, 512u) == 0);
    CHECK_EQ_U32(1, h.drive.clear_halts_in);
    CHECK_EQ_U32(0, h.drive.clear_halts_out);
    CHECK_EQ_U32(0, h.drive.bot_resets);
    CHECK_EQ_U32(2, h.drive.commands[SCSI_READ_10]);
    CHECK_EQ_U32(1, h.drive.commands[SCSI_REQUEST_SENSE]);
    check_clean_protocol();
}

static void failing_read_reports_its_sense(void)
{
    plug(FAKE_MASS_STORAGE, "fat12.img");
    CHECK_EQ_U32(SCSI_OK, start_drive());
    h.drive.fail_opcode = SCSI_READ_10;
    h.drive.fail_count = SCSI_ATTEMPTS;
    CHECK_EQ_U32(SCSI_FAILED, scsi_read(&h.disk, 1u, h.buf));
    CHECK_EQ_U32(SCSI_READ_10, h.disk.opcode);
    CHECK_EQ_U32(0x03, h.disk.sense_key);
    CHECK_EQ_U32(0x11, h.disk.asc);
    CHECK_EQ_U32(0x00, h.disk.ascq);
    CHECK_EQ_U32(SCSI_ATTEMPTS, h.drive.commands[SCSI_READ_10]);
    /* One failure less and the read succeeds. */
    h.drive.fail_count = SCSI_ATTEMPTS - 1u;
    CHECK_EQ_U32(SCSI_OK, scsi_read(&h.disk, 1u, h.buf));
    /* A block beyond the end is refused by the drive (ILLEGAL REQUEST, LBA out of range). */
    CHECK_EQ_U32(SCSI_FAILED, scsi_read(&h.disk, h.disk.blocks, h.buf));
    CHECK_EQ_U32(0x05, h.disk.sense_key);
    CHECK_EQ_U32(0x21, h.disk.asc);
    check_clean_protocol();
}

static void phase_error_ends_in_reset_recovery(void)
{
    plug(FAKE_MASS_STORAGE, "fat12.img");
    CHECK_EQ_U32(SCSI_OK, start_drive());
    h.drive.phase_error_opcode = SCSI_READ_10;
    h.drive.phase_error_count = 1u;
    CHECK_EQ_U32(SCSI_OK, scsi_read(&h.disk, 2u, h.buf));
    CHECK_TRUE(memcmp(h.buf, h.drive.disk + 1024, 512u) == 0);
    CHECK_EQ_U32(1, h.drive.bot_resets);
    CHECK_EQ_U32(1, h.drive.clear_halts_in);
    CHECK_EQ_U32(1, h.drive.clear_halts_out);
    check_clean_protocol();

    /* Direct: the transport says phase error after the recovery. */
    h.drive.phase_error_count = 1u;
    static const uint8_t read10[10] = { SCSI_READ_10, 0, 0, 0, 0, 2, 0, 0, 1, 0 };
    CHECK_EQ_U32(MSC_PHASE_ERROR, msc_bot_command(&h.bot, read10, sizeof read10, true, h.buf, 512u));
    CHECK_EQ_U32(2, h.drive.bot_resets);
}

static void csw_with_wrong_tag_is_not_used(void)
{
    plug(FAKE_MASS_STORAGE, "fat12.img");
    CHECK_EQ_U32(SCSI_OK, start_drive());
    h.drive.bad_csw_opcode = SCSI_READ_10;
    h.drive.bad_csw_count = 1u;
    CHECK_EQ_U32(SCSI_OK, scsi_read(&h.disk, 3u, h.buf));
    CHECK_EQ_U32(1, h.drive.bot_resets);
    CHECK_EQ_U32(2, h.drive.commands[SCSI_READ_10]);
    check_clean_protocol();
}

static void naks_within_the_timeout_only_take_time(void)
{
    plug(FAKE_MASS_STORAGE, "fat12.img");
    CHECK_EQ_U32(SCSI_OK, start_drive());
    h.drive.nak_ms = 300u;
    uint32_t start = h.drive.now_ms;
    CHECK_EQ_U32(SCSI_OK, scsi_read(&h.disk, 4u, h.buf));
    CHECK_TRUE(h.drive.now_ms - start >= 3u * 300u);
    CHECK_EQ_U32(0, h.drive.bot_resets);

    /* A drive that NAKs for longer than the timeout fails in transport, after reset recovery each time. */
    h.drive.nak_ms = MSC_BOT_TIMEOUT_MS + 1u;
    CHECK_EQ_U32(SCSI_FAILED, scsi_read(&h.disk, 4u, h.buf));
    CHECK_EQ_U32(MSC_TRANSPORT_ERROR, h.disk.transport);
    CHECK_EQ_U32(HCD_NAK_TIMEOUT, h.dev.failure);
    CHECK_EQ_U32(SCSI_ATTEMPTS, h.drive.bot_resets);
    /* The drive recovers: so does the host. */
    h.drive.nak_ms = 0u;
    CHECK_EQ_U32(SCSI_OK, scsi_read(&h.disk, 4u, h.buf));
    check_clean_protocol();
}

static void data_toggles_stay_in_step(void)
{
    plug(FAKE_MASS_STORAGE, "fat16.img");
    CHECK_EQ_U32(SCSI_OK, start_drive());
    for (uint32_t lba = 0; lba < 300u; lba++) {
        h.drive.stall_opcode = SCSI_READ_10;
        h.drive.stall_count = lba % 7u == 0u ? 1u : 0u;
        h.drive.phase_error_opcode = SCSI_READ_10;
        h.drive.phase_error_count = lba % 11u == 0u ? 1u : 0u;
        CHECK_EQ_U32(SCSI_OK, scsi_read(&h.disk, lba, h.buf));
        CHECK_TRUE(memcmp(h.buf, h.drive.disk + lba * 512u, 512u) == 0);
    }
    check_clean_protocol();
}

/* A run of blocks in one READ(10): the transfer length in CDB bytes 7-8, the data in one data stage. */
static void multi_block_read_is_one_command(void)
{
    static uint8_t run[32u * 512u];
    plug(FAKE_MASS_STORAGE, "fat16.img");
    CHECK_EQ_U32(SCSI_OK, start_drive());
    uint32_t before = h.drive.commands[SCSI_READ_10];
    memset(run, 0xA5, sizeof run);
    CHECK_EQ_U32(SCSI_OK, scsi_read_blocks(&h.disk, 7u, 32u, run));
    CHECK_TRUE(memcmp(run, h.drive.disk + 7u * 512u, sizeof run) == 0);
    CHECK_EQ_U32(before + 1u, h.drive.commands[SCSI_READ_10]);
    CHECK_EQ_U32(32, h.drive.max_blocks_per_read);
    /* The last blocks of the drive, and one past them refused. */
    CHECK_EQ_U32(SCSI_OK, scsi_read_blocks(&h.disk, h.disk.blocks - 32u, 32u, run));
    CHECK_TRUE(memcmp(run, h.drive.disk + (h.disk.blocks - 32u) * 512u, sizeof run) == 0);
    CHECK_EQ_U32(SCSI_FAILED, scsi_read_blocks(&h.disk, h.disk.blocks - 31u, 32u, run));
    CHECK_EQ_U32(0x05, h.disk.sense_key);
    check_clean_protocol();
}

/* A drive that sends fewer bytes than a multi-block READ(10) asked for, whether its CSW owns up to it (residue) or
 * not, has failed that attempt: the command is tried again, and fails when it keeps coming short. */
static void short_multi_block_read_is_retried_then_fails(void)
{
    static uint8_t run[16u * 512u];
    for (int hides = 0; hides < 2; hides++) {
        plug(FAKE_MASS_STORAGE, "fat16.img");
        CHECK_EQ_U32(SCSI_OK, start_drive());
        uint32_t before = h.drive.commands[SCSI_READ_10];
        h.drive.short_read_bytes = 3u * 512u;
        h.drive.short_read_hides_residue = hides != 0;
        h.drive.short_read_count = 1u;
        CHECK_EQ_U32(SCSI_OK, scsi_read_blocks(&h.disk, 40u, 16u, run));
        CHECK_TRUE(memcmp(run, h.drive.disk + 40u * 512u, sizeof run) == 0);
        CHECK_EQ_U32(before + 2u, h.drive.commands[SCSI_READ_10]);
        h.drive.short_read_count = SCSI_ATTEMPTS;
        CHECK_EQ_U32(SCSI_FAILED, scsi_read_blocks(&h.disk, 40u, 16u, run));
        CHECK_EQ_U32(before + 2u + SCSI_ATTEMPTS, h.drive.commands[SCSI_READ_10]);
        CHECK_EQ_U32(SCSI_READ_10, h.disk.opcode);
        CHECK_EQ_U32(MSC_OK, h.disk.transport);
        /* A short packet ended the data stage early: no reset recovery needed, the CSW came in step. */
        CHECK_EQ_U32(0, h.drive.bot_resets);
        check_clean_protocol();
    }
}

/* BOT 6.3: a residue above the transfer length is a CSW that is not meaningful: reset recovery, and a retry. */
static void residue_above_a_multi_block_length_is_a_phase_error(void)
{
    static uint8_t run[8u * 512u];
    plug(FAKE_MASS_STORAGE, "fat16.img");
    CHECK_EQ_U32(SCSI_OK, start_drive());
    h.drive.residue_excess = 1u;
    CHECK_EQ_U32(SCSI_OK, scsi_read_blocks(&h.disk, 0u, 8u, run)); /* residue 1 of 4096: not above it */
    CHECK_EQ_U32(0, h.drive.bot_resets);
    h.drive.residue_excess = 8u * 512u + 1u;
    CHECK_EQ_U32(SCSI_FAILED, scsi_read_blocks(&h.disk, 0u, 8u, run));
    CHECK_EQ_U32(MSC_PHASE_ERROR, h.disk.transport);
    CHECK_EQ_U32(SCSI_ATTEMPTS, h.drive.bot_resets);
    h.drive.residue_excess = 0u;
    CHECK_EQ_U32(SCSI_OK, scsi_read_blocks(&h.disk, 0u, 8u, run));
    CHECK_TRUE(memcmp(run, h.drive.disk, sizeof run) == 0);
}

static void drive_pulled_at_every_transfer(void)
{
    /* How many transfers a start and three reads take. */
    plug(FAKE_MASS_STORAGE, "fat12.img");
    CHECK_EQ_U32(SCSI_OK, start_drive());
    for (uint32_t lba = 0; lba < 3u; lba++) {
        CHECK_EQ_U32(SCSI_OK, scsi_read(&h.disk, lba, h.buf));
    }
    long total = h.drive.transfers;
    CHECK_TRUE(total > 20);
    for (long at = 0; at < total; at++) {
        plug(FAKE_MASS_STORAGE, "fat12.img");
        h.drive.disconnect_at = at;
        scsi_status_t status = start_drive();
        for (uint32_t lba = 0; lba < 3u && status == SCSI_OK; lba++) {
            status = scsi_read(&h.disk, lba, h.buf);
        }
        CHECK_EQ_U32(SCSI_DISCONNECTED, status);
        /* Nothing was tried after the drive was gone. */
        CHECK_EQ_U32(at + 1, h.drive.transfers);
    }
}

/* The texts follow hcd_status_t in order (packed, text_pick): each status must name itself. */
static void hcd_status_texts(void)
{
    CHECK_EQ_STR("ok", usbh_hcd_status_text(HCD_OK));
    CHECK_EQ_STR("NAK timeout", usbh_hcd_status_text(HCD_NAK_TIMEOUT));
    CHECK_EQ_STR("stall", usbh_hcd_status_text(HCD_STALL));
    CHECK_EQ_STR("transaction error", usbh_hcd_status_text(HCD_XACT_ERROR));
    CHECK_EQ_STR("babble", usbh_hcd_status_text(HCD_BABBLE));
    CHECK_EQ_STR("data toggle error", usbh_hcd_status_text(HCD_TOGGLE_ERROR));
    CHECK_EQ_STR("disconnected", usbh_hcd_status_text(HCD_DISCONNECTED));
    CHECK_EQ_STR("timeout", usbh_hcd_status_text(HCD_TIMEOUT));
    CHECK_EQ_STR("?", usbh_hcd_status_text((hcd_status_t)(HCD_TIMEOUT + 1)));
}

int main(int argc, char **argv)
{
    fixture_files_init(argc, argv);
    fake_drive_init(&h.drive, NULL);
    RUN_TEST(mass_storage_drive_enumerates);
    RUN_TEST(other_devices_are_named);
    RUN_TEST(mass_storage_behind_another_interface);
    RUN_TEST(bulk_packet_sizes_full_speed_does_not_allow_are_refused);
    RUN_TEST(configuration_cut_by_a_small_buffer);
    RUN_TEST(several_luns_use_lun_0);
    RUN_TEST(blocks_other_than_512_bytes_are_refused);
    RUN_TEST(slow_drive_becomes_ready);
    RUN_TEST(drive_that_never_becomes_ready);
    RUN_TEST(stalled_data_stage_is_cleared_and_retried);
    RUN_TEST(failing_read_reports_its_sense);
    RUN_TEST(phase_error_ends_in_reset_recovery);
    RUN_TEST(csw_with_wrong_tag_is_not_used);
    RUN_TEST(naks_within_the_timeout_only_take_time);
    RUN_TEST(data_toggles_stay_in_step);
    RUN_TEST(multi_block_read_is_one_command);
    RUN_TEST(short_multi_block_read_is_retried_then_fails);
    RUN_TEST(residue_above_a_multi_block_length_is_a_phase_error);
    RUN_TEST(drive_pulled_at_every_transfer);
    RUN_TEST(hcd_status_texts);
    fake_drive_free(&h.drive);
    return check_summary();
}
