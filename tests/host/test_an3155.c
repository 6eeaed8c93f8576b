/* The AN3155 protocol byte for byte: the streams stm32flash 0.7 sends and expects
 * (observed on a pty), every refusal, and the timeouts. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "device.h"
#include "host.h"
#include "slot_port.h"
#include "test_image.h"

static uint8_t snapshot[DEV_FLASH_SIZE];

static void take_snapshot(void)
{
    memcpy(snapshot, device_flash_at(DEV_FLASH_BASE), sizeof snapshot);
}

static bool flash_unchanged(void)
{
    return memcmp(snapshot, device_flash_at(DEV_FLASH_BASE), sizeof snapshot) == 0;
}

/* A device with an old, accepted application in flash and a synchronised host. */
static void synced_device_with(test_image_t *old)
{
    device_factory_fresh();
    test_image_build(old, 3000u, 1u);
    test_image_install(old);
    host_send((const uint8_t[]){ AN3155_SYNC }, 1u);
    EXPECT_REPLY(0x79);
}

static void sync_is_acked(void)
{
    device_factory_fresh();
    HOST_SEND(0x7F);
    EXPECT_REPLY(0x79);
    CHECK_EQ_U32(0, dev.link.baud_restarts);
}

static void other_bytes_before_sync_restart_baud_detection(void)
{
    device_factory_fresh();
    HOST_SEND(0x00, 0xFE);
    EXPECT_SILENCE();
    CHECK_EQ_U32(2, dev.link.baud_restarts);
    HOST_SEND(0x7F);
    EXPECT_REPLY(0x79);
}

static void probe_sequence_of_stm32flash(void)
{
    test_image_t old;
    synced_device_with(&old);
    HOST_SEND(0x01, 0xFE);
    EXPECT_REPLY(0x79, 0x31, 0x00, 0x00, 0x79);
    HOST_SEND(0x00, 0xFF);
    EXPECT_REPLY(0x79, 0x07, 0x31, 0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0x79);
    HOST_SEND(0x02, 0xFD);
    EXPECT_REPLY(0x79, 0x01, 0x04, 0x15, 0x79);
}

/* stm32flash finding the device already synchronised: its 0x7F is a command byte, and after 0.5 s without an
 * answer it sends another, which makes a bad complement. */
static void sync_byte_after_sync_is_a_bad_command(void)
{
    test_image_t old;
    synced_device_with(&old);
    HOST_SEND(0x7F);
    host_wait_ms(500u);
    EXPECT_SILENCE();
    HOST_SEND(0x7F);
    EXPECT_REPLY(0x1F);
    HOST_SEND(0x7F, 0x80);
    EXPECT_REPLY(0x1F);
    HOST_SEND(0x01, 0xFE);
    EXPECT_REPLY(0x79, 0x31, 0x00, 0x00, 0x79);
}

static void every_other_command_is_nacked(void)
{
    static const uint8_t supported[] = { 0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44 };
    test_image_t old;
    synced_device_with(&old);
    take_snapshot();
    for (unsigned cmd = 0; cmd < 256u; cmd++) {
        if (memchr(supported, (int)cmd, sizeof supported) != NULL) {
            continue;
        }
        host_send((const uint8_t[]){ (uint8_t)cmd, (uint8_t)~cmd }, 2u);
        EXPECT_REPLY(0x1F);
    }
    CHECK_TRUE(flash_unchanged());
    /* Still in step: the next command is answered normally. */
    HOST_SEND(0x02, 0xFD);
    EXPECT_REPLY(0x79, 0x01, 0x04, 0x15, 0x79);
}

static void bad_complement_is_nacked(void)
{
    test_image_t old;
    synced_device_with(&old);
    HOST_SEND(0x00, 0x00);
    EXPECT_REPLY(0x1F);
    HOST_SEND(0x31, 0xCF);
    EXPECT_REPLY(0x1F);
}

static void read_memory_stream(void)
{
    test_image_t old;
    synced_device_with(&old);
    HOST_SEND(0x11, 0xEE);
    EXPECT_REPLY(0x79);
    HOST_SEND(0x08, 0x02, 0x08, 0x00, 0x02);
    EXPECT_REPLY(0x79);
    HOST_SEND(0x0F, 0xF0);
    uint8_t reply[17];
    CHECK_EQ_U32(17, host_take_reply(reply, sizeof reply));
    CHECK_EQ_U32(0x79, reply[0]);
    CHECK_TRUE(memcmp(reply + 1, old.bin + DEV_PAGE_SIZE, 16u) == 0);
    EXPECT_SILENCE();
}

static void read_memory_up_to_the_end_of_flash(void)
{
    test_image_t old;
    synced_device_with(&old);
    memset(device_flash_at(DEV_REGION_END - 256u), 0xA5, 256u);
    uint8_t back[256];
    CHECK_TRUE(host_read(DEV_REGION_END - 256u, back, 256u));
    for (size_t i = 0; i < sizeof back; i++) {
        CHECK_EQ_U32(0xA5, back[i]);
    }
    CHECK_TRUE(host_read(DEV_REGION_END - 1u, back, 1u));
}

static void read_refusals(void)
{
    test_image_t old;
    synced_device_with(&old);
    /* The bootloader (stm32flash -r without -S starts at 0x08000000), RAM, system memory, option bytes. */
    static const uint32_t refused[] = { 0x08000000u, 0x0801FFFFu, 0x20000000u, 0x1FFF0000u, 0x1FFF7800u,
                                        DEV_REGION_END, 0xFFFFFFFFu };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        uint32_t a = refused[i];
        HOST_SEND(0x11, 0xEE);
        host_send((const uint8_t[]){ (uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a,
                                     (uint8_t)((a >> 24) ^ (a >> 16) ^ (a >> 8) ^ a) }, 5u);
        EXPECT_REPLY(0x79, 0x1F);
    }
    /* Bad address checksum. */
    HOST_SEND(0x11, 0xEE, 0x08, 0x02, 0x08, 0x00, 0x03);
    EXPECT_REPLY(0x79, 0x1F);
    /* Bad count complement. */
    HOST_SEND(0x11, 0xEE, 0x08, 0x02, 0x08, 0x00, 0x02, 0x0F, 0xF1);
    EXPECT_REPLY(0x79, 0x79, 0x1F);
    /* A read that would run past the end of the flash. */
    HOST_SEND(0x11, 0xEE, 0x08, 0x0F, 0xFF, 0x01, 0xF9, 0xFF, 0x00);
    EXPECT_REPLY(0x79, 0x79, 0x1F);
    HOST_SEND(0x02, 0xFD);
    EXPECT_REPLY(0x79, 0x01, 0x04, 0x15, 0x79);
}

static void write_memory_stream(void)
{
    test_image_t old;
    synced_device_with(&old);
    HOST_SEND(0x31, 0xCE);
    EXPECT_REPLY(0x79);
    HOST_SEND(0x08, 0x04, 0x00, 0x00, 0x0C);
    EXPECT_REPLY(0x79);
    HOST_SEND(0x03, 0x11, 0x22, 0x33, 0x44, 0x03 ^ 0x11 ^ 0x22 ^ 0x33 ^ 0x44);
    EXPECT_REPLY(0x79);
    /* Acknowledged once received: programmed in the main loop's next passes. */
    CHECK_TRUE(device_erased(0x08040000u, 4u));
    host_settle();
    static const uint8_t expected[] = { 0x11, 0x22, 0x33, 0x44 };
    CHECK_TRUE(memcmp(device_flash_at(0x08040000u), expected, sizeof expected) == 0);
    CHECK_TRUE(device_erased(0x08040004u, DEV_PAGE_SIZE - 4u));
    /* The old application was invalidated before its image was touched. */
    CHECK_TRUE(device_erased(DEV_HEADER_ADDR, DEV_PAGE_SIZE));
    CHECK_EQ_U32(0, dev.ops.program_over_data);
}

static void write_refusals_leave_flash_untouched(void)
{
    test_image_t old;
    synced_device_with(&old);
    take_snapshot();
    /* Into the bootloader: the address is refused before any data. */
    HOST_SEND(0x31, 0xCE, 0x08, 0x01, 0xFF, 0x00, 0xF6);
    EXPECT_REPLY(0x79, 0x1F);
    HOST_SEND(0x31, 0xCE, 0x08, 0x00, 0x00, 0x00, 0x08);
    EXPECT_REPLY(0x79, 0x1F);
    /* stm32flash -R's stub into RAM at 0x20003100. */
    HOST_SEND(0x31, 0xCE, 0x20, 0x00, 0x31, 0x00, 0x11);
    EXPECT_REPLY(0x79, 0x1F);
    /* Bad address checksum. */
    HOST_SEND(0x31, 0xCE, 0x08, 0x02, 0x08, 0x00, 0x00);
    EXPECT_REPLY(0x79, 0x1F);
    /* Bad data checksum, at a valid address. */
    HOST_SEND(0x31, 0xCE, 0x08, 0x02, 0x08, 0x00, 0x02, 0x03, 0x11, 0x22, 0x33, 0x44, 0x00);
    EXPECT_REPLY(0x79, 0x79, 0x1F);
    /* Past the end of the flash: 8 bytes at 0x080FFFFC. */
    HOST_SEND(0x31, 0xCE, 0x08, 0x0F, 0xFF, 0xFC, 0x04, 0x07, 1, 2, 3, 4, 5, 6, 7, 8, 0x07 ^ 1 ^ 2 ^ 3 ^ 4 ^ 5 ^ 6 ^ 7 ^ 8);
    EXPECT_REPLY(0x79, 0x79, 0x1F);
    CHECK_TRUE(flash_unchanged());
    CHECK_EQ_U32(0, dev.ops.erases + dev.ops.programs);
    image_header_t header;
    CHECK_EQ_U32(IMAGE_OK, device_boot_check(&header));
}

static void go_to_ram_is_refused(void)
{
    test_image_t old;
    synced_device_with(&old);
    HOST_SEND(0x21, 0xDE, 0x20, 0x00, 0x31, 0x00, 0x11);
    EXPECT_REPLY(0x79, 0x1F);
    CHECK_EQ_U32(0, dev.link.resets);
}

/* Reads back a whole page through the protocol: true when every byte reads 0xFF. */
static bool page_reads_erased(uint32_t page)
{
    uint8_t back[256];
    for (uint32_t offset = 0; offset < DEV_PAGE_SIZE; offset += sizeof back) {
        if (!host_read(DEV_FLASH_BASE + page * DEV_PAGE_SIZE + offset, back, sizeof back)) {
            return false;
        }
        for (size_t i = 0; i < sizeof back; i++) {
            if (back[i] != 0xFFu) {
                return false;
            }
        }
    }
    return true;
}

static void extended_erase_stream_of_stm32flash(void)
{
    test_image_t old;
    synced_device_with(&old);
    memset(device_flash_at(0x08020000u + 7u * DEV_PAGE_SIZE), 0x00, DEV_PAGE_SIZE); /* page 71: must survive */
    HOST_SEND(0x44, 0xBB);
    EXPECT_REPLY(0x79);
    HOST_SEND(0x00, 0x06, 0x00, 0x40, 0x00, 0x41, 0x00, 0x42, 0x00, 0x43, 0x00, 0x44, 0x00, 0x45, 0x00, 0x46, 0x41);
    EXPECT_REPLY(0x79);
    /* Nothing is erased before the ACK: the pages read erased, the installed header stays in flash until the first
     * image page changes, and all are erased when the host idles, the header first. */
    CHECK_EQ_U32(0, dev.ops.erases);
    CHECK_TRUE(!device_erased(DEV_HEADER_ADDR, DEV_PAGE_SIZE));
    CHECK_TRUE(page_reads_erased(65u));
    host_wait_ms(AN3155_IDLE_COMMIT_MS + 8u);
    CHECK_TRUE(device_erased(DEV_HEADER_ADDR, 7u * DEV_PAGE_SIZE));
    CHECK_EQ_U32(7, dev.ops.erases);
    CHECK_EQ_U32(0x00, *device_flash_at(0x08020000u + 7u * DEV_PAGE_SIZE));
    CHECK_TRUE(device_bootloader_intact());
    EXPECT_SILENCE();
}

static void erase_of_pages_outside_the_region_is_refused_whole(void)
{
    test_image_t old;
    synced_device_with(&old);
    take_snapshot();
    /* Page 63 is the bootloader's last: the whole list is refused, page 64 included. */
    HOST_SEND(0x44, 0xBB, 0x00, 0x01, 0x00, 0x40, 0x00, 0x3F, 0x7E);
    EXPECT_REPLY(0x79, 0x1F);
    /* Page 512 does not exist. */
    HOST_SEND(0x44, 0xBB, 0x00, 0x00, 0x02, 0x00, 0x02);
    EXPECT_REPLY(0x79, 0x1F);
    /* Bad checksum. */
    HOST_SEND(0x44, 0xBB, 0x00, 0x00, 0x00, 0x41, 0x00);
    EXPECT_REPLY(0x79, 0x1F);
    /* Reserved special codes. */
    HOST_SEND(0x44, 0xBB, 0xFF, 0xF0, 0x0F);
    EXPECT_REPLY(0x79, 0x1F);
    HOST_SEND(0x44, 0xBB, 0xFF, 0xFC, 0x03);
    EXPECT_REPLY(0x79, 0x1F);
    /* Mass erase with a bad checksum. */
    HOST_SEND(0x44, 0xBB, 0xFF, 0xFF, 0xFF);
    EXPECT_REPLY(0x79, 0x1F);
    CHECK_TRUE(flash_unchanged());
    CHECK_EQ_U32(0, dev.ops.erases);
}

static void fill_region(uint8_t value)
{
    memset(device_flash_at(DEV_HEADER_ADDR), value, DEV_REGION_END - DEV_HEADER_ADDR);
}

static void mass_erase_erases_only_application_pages(void)
{
    device_factory_fresh();
    fill_region(0x00);
    CHECK_TRUE(host_sync());
    HOST_SEND(0x44, 0xBB, 0xFF, 0xFF, 0x00);
    EXPECT_REPLY(0x79, 0x79);
    CHECK_EQ_U32(0, dev.ops.erases);
    CHECK_TRUE(page_reads_erased(DEV_LAST_PAGE));
    /* One page per millisecond of idle host once it has been idle for AN3155_IDLE_COMMIT_MS, the header first. */
    host_wait_ms(AN3155_IDLE_COMMIT_MS + DEV_LAST_PAGE - DEV_HEADER_PAGE + 1u);
    CHECK_TRUE(device_erased(DEV_HEADER_ADDR, DEV_REGION_END - DEV_HEADER_ADDR));
    CHECK_TRUE(device_bootloader_intact());
    CHECK_EQ_U32(DEV_LAST_PAGE + 1u - DEV_HEADER_PAGE, dev.ops.erases);
}

static void bank_erase_codes_stay_in_their_bank(void)
{
    uint32_t bank2 = DEV_FLASH_BASE + DEV_BANK2_FIRST_PAGE * DEV_PAGE_SIZE;

    device_factory_fresh();
    fill_region(0x00);
    CHECK_TRUE(host_sync());
    HOST_SEND(0x44, 0xBB, 0xFF, 0xFE, 0x01);
    EXPECT_REPLY(0x79, 0x79);
    host_wait_ms(AN3155_IDLE_COMMIT_MS + DEV_BANK2_FIRST_PAGE);
    CHECK_TRUE(device_erased(DEV_HEADER_ADDR, bank2 - DEV_HEADER_ADDR));
    CHECK_EQ_U32(0x00, *device_flash_at(bank2));
    CHECK_EQ_U32(0x00, *device_flash_at(DEV_REGION_END - 1u));
    CHECK_TRUE(device_bootloader_intact());

    device_factory_fresh();
    fill_region(0x00);
    CHECK_TRUE(host_sync());
    HOST_SEND(0x44, 0xBB, 0xFF, 0xFD, 0x02);
    EXPECT_REPLY(0x79, 0x79);
    host_wait_ms(AN3155_IDLE_COMMIT_MS + DEV_BANK2_FIRST_PAGE);
    CHECK_TRUE(device_erased(bank2, DEV_REGION_END - bank2));
    /* The header goes first, as before any change to the image. */
    CHECK_TRUE(device_erased(DEV_HEADER_ADDR, DEV_PAGE_SIZE));
    CHECK_EQ_U32(0x00, *device_flash_at(DEV_IMAGE_ADDR));
    CHECK_EQ_U32(0x00, *device_flash_at(bank2 - 1u));
    CHECK_TRUE(device_bootloader_intact());
}

static void go_boots_an_accepted_image_after_its_ack(void)
{
    test_image_t old;
    synced_device_with(&old);
    HOST_SEND(0x21, 0xDE);
    EXPECT_REPLY(0x79);
    HOST_SEND(0x08, 0x02, 0x08, 0x00, 0x02);
    CHECK_EQ_U32(1, dev.link.resets);
    CHECK_EQ_U32(1, dev.link.tx_len_at_reset);
    EXPECT_REPLY(0x79);
    /* Nothing more is taken once the reset is under way. */
    HOST_SEND(0x01, 0xFE);
    EXPECT_SILENCE();

    synced_device_with(&old);
    CHECK_TRUE(host_go(DEV_HEADER_ADDR));
    CHECK_EQ_U32(1, dev.link.resets);
}

static void go_refuses_a_rejected_image_or_another_address(void)
{
    test_image_t old;
    synced_device_with(&old);
    CHECK_TRUE(!host_go(DEV_IMAGE_ADDR + 4u));
    CHECK_TRUE(!host_go(0x08000000u));
    CHECK_EQ_U32(0, dev.link.resets);

    device_factory_fresh();
    CHECK_TRUE(host_sync());
    CHECK_TRUE(!host_go(DEV_IMAGE_ADDR));
    CHECK_EQ_U32(0, dev.link.resets);
    HOST_SEND(0x01, 0xFE);
    EXPECT_REPLY(0x79, 0x31, 0x00, 0x00, 0x79);
}

/* SlotMode swap: the writer writes the secondary slot (a slot port from the primary addresses), the installed image
 * stays in the primary. Go with nothing sent starts the installed image, as with one slot: the writer's view of an
 * empty secondary slot is no reason to refuse, and only the installed image tells whether the reset will boot. */
static void go_with_nothing_sent_checks_the_installed_image_when_the_writer_writes_another_slot(void)
{
    static slot_port_t secondary;
    test_image_t old;
    synced_device_with(&old);
    slot_port_init(&secondary, &dev.flash_port, &dev.write_port, DEV_FLASH_BASE, DEV_HEADER_ADDR, 0x08080800u, 0x60000u);
    flash_writer_init(&dev.writer, &dev.writer_config, &secondary.read, &secondary.write);

    CHECK_TRUE(!host_go(DEV_IMAGE_ADDR));
    CHECK_EQ_U32(0, dev.link.resets);

    dev.protocol_config.installed = &dev.flash_port;
    CHECK_TRUE(host_go(DEV_IMAGE_ADDR));
    CHECK_EQ_U32(1, dev.link.resets);

    /* Nothing installed either: NACK, nothing to start. */
    device_factory_fresh();
    flash_writer_init(&dev.writer, &dev.writer_config, &secondary.read, &secondary.write);
    CHECK_TRUE(host_sync());
    CHECK_TRUE(!host_go(DEV_IMAGE_ADDR));
    CHECK_EQ_U32(0, dev.link.resets);
    dev.protocol_config.installed = NULL;
}

/* Under read protection (RDP level 1) Read Memory is NACKed right after its command, as ST's bootloader does; the
 * rest of the protocol goes on. */
static void read_memory_is_nacked_under_read_protection(void)
{
    test_image_t old;
    synced_device_with(&old);
    dev.protocol_config.read_protected = true;
    HOST_SEND(0x11, 0xEE);
    EXPECT_REPLY(0x1F);
    uint8_t back[16];
    CHECK_TRUE(!host_read(DEV_IMAGE_ADDR, back, sizeof back));
    HOST_SEND(0x02, 0xFD);
    EXPECT_REPLY(0x79, 0x01, 0x04, 0x15, 0x79);
    test_image_t update;
    test_image_build(&update, 2000u, 7u);
    CHECK_TRUE(host_flash_header_last(update.bin, update.bin_len));
    CHECK_TRUE(host_go(DEV_HEADER_ADDR));
    CHECK_TRUE(test_image_in_flash(&update));
    dev.protocol_config.read_protected = false;
}

/* A new header staged without its image must not commit; Go then says NACK instead of starting the old
 * application as if the update had worked. */
static void go_refuses_a_staged_header_whose_image_is_not_in_flash(void)
{
    test_image_t old;
    synced_device_with(&old);
    test_image_t update;
    test_image_build(&update, 5000u, 9u);
    CHECK_TRUE(host_write(DEV_HEADER_ADDR, update.bin, IMAGE_HEADER_SIZE));
    CHECK_TRUE(!host_go(DEV_IMAGE_ADDR));
    CHECK_EQ_U32(0, dev.link.resets);
    /* The old application is still whole in flash, and boots at the next reset. */
    CHECK_TRUE(test_image_in_flash(&old));
}

static void half_sent_frame_is_dropped_after_the_timeout(void)
{
    test_image_t old;
    synced_device_with(&old);
    HOST_SEND(0x31, 0xCE, 0x08, 0x02);
    EXPECT_REPLY(0x79);
    host_wait_ms(AN3155_FRAME_TIMEOUT_MS - 1u);
    /* Not yet: these complete the address. */
    HOST_SEND(0x08, 0x00, 0x02);
    EXPECT_REPLY(0x79);
    HOST_SEND(0xFF, 0x00, 0x01);
    host_wait_ms(AN3155_FRAME_TIMEOUT_MS);
    EXPECT_SILENCE();
    HOST_SEND(0x01, 0xFE);
    EXPECT_REPLY(0x79, 0x31, 0x00, 0x00, 0x79);
    CHECK_EQ_U32(0, dev.ops.erases + dev.ops.programs);
}

static void every_phase_resynchronises_after_a_stall(void)
{
    /* Each prefix stops inside a different phase of a command. */
    static const struct { uint8_t bytes[8]; size_t len; } prefixes[] = {
        { { 0x01 }, 1 },                                 /* complement */
        { { 0x11, 0xEE, 0x08 }, 3 },                     /* read address */
        { { 0x11, 0xEE, 0x08, 0x02, 0x08, 0x00, 0x02 }, 7 }, /* read count */
        { { 0x21, 0xDE, 0x08, 0x02 }, 4 },               /* go address */
        { { 0x31, 0xCE, 0x08, 0x02, 0x08, 0x00, 0x02 }, 7 }, /* write count */
        { { 0x44, 0xBB, 0x00 }, 3 },                     /* erase count */
        { { 0x44, 0xBB, 0x00, 0x01, 0x00 }, 5 },         /* erase pages */
        { { 0x44, 0xBB, 0x00, 0x00, 0x00, 0x41 }, 6 },   /* erase checksum */
        { { 0x44, 0xBB, 0xFF, 0xFF }, 4 },               /* mass erase checksum */
    };
    test_image_t old;
    synced_device_with(&old);
    take_snapshot();
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        host_send(prefixes[i].bytes, prefixes[i].len);
        (void)host_take_reply((uint8_t[16]){ 0 }, 16u);
        host_wait_ms(AN3155_FRAME_TIMEOUT_MS);
        EXPECT_SILENCE();
        HOST_SEND(0x02, 0xFD);
        EXPECT_REPLY(0x79, 0x01, 0x04, 0x15, 0x79);
    }
    CHECK_TRUE(flash_unchanged());
}

static void nothing_unsolicited_after_sync(void)
{
    test_image_t img;
    device_factory_fresh();
    test_image_build(&img, 4000u, 2u);
    CHECK_TRUE(host_sync());
    /* A pending update (header staged, image incomplete) and a stalled frame, over a long idle time. */
    CHECK_TRUE(host_write(DEV_HEADER_ADDR, img.bin, 256u));
    HOST_SEND(0x31, 0xCE, 0x08);
    EXPECT_REPLY(0x79);
    host_wait_ms(10000u);
    EXPECT_SILENCE();
}

static void commands_before_sync_are_not_taken(void)
{
    device_factory_fresh();
    take_snapshot();
    HOST_SEND(0x31, 0xCE, 0x08, 0x02, 0x08, 0x00, 0x02);
    EXPECT_SILENCE();
    CHECK_TRUE(flash_unchanged());
}

/* What an ACK of Write Memory means (an3155.h): received whole, checked and queued. The block is programmed a double
 * word per main-loop pass, here while the next frame arrives. */
static void write_is_acked_before_it_is_programmed(void)
{
    test_image_t old;
    synced_device_with(&old);
    uint8_t first[256];
    uint8_t second[256];
    memset(first, 0xA5, sizeof first);
    memset(second, 0x5A, sizeof second);
    CHECK_TRUE(host_write(0x08040000u, first, sizeof first));
    CHECK_EQ_U32(0, dev.ops.programs);
    CHECK_TRUE(device_erased(0x08040000u, sizeof first));
    CHECK_TRUE(host_write(0x08040100u, second, sizeof second));
    CHECK_TRUE(memcmp(device_flash_at(0x08040000u), first, sizeof first) == 0);
    CHECK_TRUE(device_erased(0x08040100u, sizeof second));
    host_settle();
    CHECK_TRUE(memcmp(device_flash_at(0x08040100u), second, sizeof second) == 0);
    CHECK_EQ_U32(64, dev.ops.programs);
}

/* Read Memory and Extended Erase observe flash: what was acknowledged before them is programmed first. A block
 * written and then erased reads erased, as the host asked. */
static void read_and_erase_program_what_was_acknowledged_first(void)
{
    test_image_t old;
    synced_device_with(&old);
    uint8_t block[16];
    uint8_t back[16];
    memset(block, 0xA5, sizeof block);
    CHECK_TRUE(host_write(0x08040000u, block, sizeof block));
    CHECK_TRUE(host_read(0x08040000u, back, sizeof back));
    CHECK_TRUE(memcmp(back, block, sizeof block) == 0);
    CHECK_TRUE(memcmp(device_flash_at(0x08040000u), block, sizeof block) == 0);

    CHECK_TRUE(host_write(0x08040010u, block, sizeof block));
    const uint16_t page = 128u; /* 0x08040000 */
    CHECK_TRUE(host_erase(&page, 1u));
    host_settle();
    CHECK_TRUE(host_read(0x08040000u, back, sizeof back));
    CHECK_TRUE(device_erased(0x08040000u, 32u));
    for (size_t i = 0; i < sizeof back; i++) {
        CHECK_EQ_U32(0xFF, back[i]);
    }
}

/* A queued block whose flash operation fails (here the next one, as a power cut would, but the device runs on) is
 * reported by the next answer, a NACK whatever the command, and only once. */
static void a_failed_program_nacks_the_next_answer_once(void)
{
    test_image_t old;
    synced_device_with(&old);
    uint8_t block[256];
    memset(block, 0xA5, sizeof block);
    CHECK_TRUE(host_write(0x08040000u, block, sizeof block));
    dev.ops.cut_at = dev.ops.completed;
    host_settle();
    fake_flash_ops_power_on(&dev.ops);
    HOST_SEND(0x02, 0xFD);
    EXPECT_REPLY(0x1F);
    HOST_SEND(0x02, 0xFD);
    EXPECT_REPLY(0x79, 0x01, 0x04, 0x15, 0x79);
    /* The rest of that block was dropped: nothing of it reached flash. */
    CHECK_TRUE(device_erased(0x08040000u, sizeof block));
}

/* Go programs the backlog before it answers: a failure there is Go's NACK, and nothing is started. */
static void go_after_a_failed_program_is_nacked(void)
{
    test_image_t old;
    synced_device_with(&old);
    uint8_t block[256];
    memset(block, 0xA5, sizeof block);
    CHECK_TRUE(host_write(0x08040000u, block, sizeof block));
    dev.ops.cut_at = dev.ops.completed;
    HOST_SEND(0x21, 0xDE);
    EXPECT_REPLY(0x79);
    HOST_SEND(0x08, 0x02, 0x00, 0x00, 0x0A);
    EXPECT_REPLY(0x1F);
    CHECK_EQ_U32(0, dev.link.resets);
}

int main(void)
{
    RUN_TEST(sync_is_acked);
    RUN_TEST(other_bytes_before_sync_restart_baud_detection);
    RUN_TEST(probe_sequence_of_stm32flash);
    RUN_TEST(sync_byte_after_sync_is_a_bad_command);
    RUN_TEST(every_other_command_is_nacked);
    RUN_TEST(bad_complement_is_nacked);
    RUN_TEST(read_memory_stream);
    RUN_TEST(read_memory_up_to_the_end_of_flash);
    RUN_TEST(read_refusals);
    RUN_TEST(write_memory_stream);
    RUN_TEST(write_refusals_leave_flash_untouched);
    RUN_TEST(go_to_ram_is_refused);
    RUN_TEST(extended_erase_stream_of_stm32flash);
    RUN_TEST(erase_of_pages_outside_the_region_is_refused_whole);
    RUN_TEST(mass_erase_erases_only_application_pages);
    RUN_TEST(bank_erase_codes_stay_in_their_bank);
    RUN_TEST(go_boots_an_accepted_image_after_its_ack);
    RUN_TEST(go_refuses_a_rejected_image_or_another_address);
    RUN_TEST(go_with_nothing_sent_checks_the_installed_image_when_the_writer_writes_another_slot);
    RUN_TEST(read_memory_is_nacked_under_read_protection);
    RUN_TEST(go_refuses_a_staged_header_whose_image_is_not_in_flash);
    RUN_TEST(half_sent_frame_is_dropped_after_the_timeout);
    RUN_TEST(every_phase_resynchronises_after_a_stall);
    RUN_TEST(nothing_unsolicited_after_sync);
    RUN_TEST(commands_before_sync_are_not_taken);
    RUN_TEST(write_is_acked_before_it_is_programmed);
    RUN_TEST(read_and_erase_program_what_was_acknowledged_first);
    RUN_TEST(a_failed_program_nacks_the_next_answer_once);
    RUN_TEST(go_after_a_failed_program_is_nacked);
    return check_summary();
}
