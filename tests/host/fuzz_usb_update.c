/* libFuzzer target: the whole USB update (usb_update.c: enumeration, mount, file choice, both passes, commit) on
 * the device's real memory map, from a drive whose disk, faults and changes between reads come from the input:
 *
 *   byte  0      bit 0 AllowDowngrade; bits 1-2 installed: none, application 1.2.3.1, 1.2.3.200; bit 3: the
 *                configured file name is "b.hex" instead of FIRMWARE.HEX
 *   bytes 1-3    a drive fault: kind (1 STALL, 2 failed command, 3 phase error, 4 CSW with a wrong tag, 5 NAKs of
 *                byte 3 ms on every bulk transfer), the SCSI opcode it hits, how many times
 *   bytes 4-7    pulled out at transfer n - 1 (0: never)
 *   bytes 8-16   a block that reads differently from some read of it on: its LBA, the LBA whose bytes it then
 *                serves (32 bits each), the READ(10) of it from which it does (byte 16, counted from 1; 0: never)
 *   bytes 17-19  a power cut during flash operation n - 1 (16 bits; 0: none), how much of it is applied (byte 19,
 *                modulo 3: fake_flash_ops.h)
 *   bytes 20-23  the drive's size in blocks (up to 64 MB)
 * Multi-byte numbers are little-endian.
 *   then         the disk, as runs of sectors (fuzz_disk.h)
 *
 * Invariants, whatever the drive does: the bootloader's pages never change and no double word is programmed twice;
 * a refusal before "programming" changes no flash at all; whatever boots afterwards is the application installed
 * before, or the image whose header pass 1 checked, reported "updated"; with AllowDowngrade off that header is not
 * older than the installed application, nor the same. After a power cut the device starts again and reads the drive
 * again (without its faults), under the same invariants.
 *   CC=clang cmake -S tests/host -B out/host-fuzz -G Ninja && cmake --build out/host-fuzz
 *   out/host-fuzz/fuzz_usb_update -max_total_time=60 tests/host/fuzz_corpus/fuzz_usb_update */
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "fake_usb_drive.h"
#include "fuzz_disk.h"
#include "test_image.h"
#include "usb_update.h"

#define PREFIX          24u
#define MAX_DISK_BLOCKS (64u * 1024u * 1024u / FUZZ_DISK_SECTOR)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t disk_image[MAX_DISK_BLOCKS * FUZZ_DISK_SECTOR];
static fake_drive_t drive;
static bool programming_reported;

static void require(bool condition)
{
    if (!condition) {
        abort();
    }
}

static uint32_t le32_at(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void port_print(const usb_update_port_t *port, const char *line)
{
    (void)port;
    require(strncmp(line, "usb: ", 5u) == 0);
    programming_reported = programming_reported || strncmp(line, "usb: programming ", 17u) == 0;
}

static void port_led(const usb_update_port_t *port, usb_led_t state)
{
    (void)port;
    (void)state;
}

static bool older(const uint16_t *version, const uint16_t *than)
{
    for (uint32_t i = 0; i < IMAGE_HEADER_VERSION_PARTS; i++) {
        if (version[i] != than[i]) {
            return version[i] < than[i];
        }
    }
    return false;
}

/* One plug-in of the drive; installed: the application accepted in flash before it, or NULL. Returns whether a
 * power cut ended it. */
static bool update_once(const usb_update_config_t *config, const test_image_t *installed)
{
    static usb_update_t state;
    memset(&state, 0, sizeof state);
    usb_hcd_t hcd = fake_drive_hcd(&drive);
    usb_update_port_t port = { .print = port_print, .led = port_led, .writer = &dev.writer, .installed = &dev.flash_port };
    fake_drive_attach(&drive);
    programming_reported = false;
    usb_update_result_t result = usb_update_poll(&state, &hcd, config, &port);

    require(device_bootloader_intact() && dev.ops.program_over_data == 0);
    require(programming_reported || dev.ops.erases + dev.ops.programs == 0);
    image_header_t booted;
    bool boots = device_boot_check(&booted) == IMAGE_OK;
    bool installed_intact = installed != NULL && test_image_in_flash(installed);
    bool checked_header = memcmp(&booted, &state.header, sizeof booted) == 0;
    require(!boots || installed_intact || (result == USB_UPDATE_UPDATED && checked_header));
    require(result != USB_UPDATE_UPDATED || (boots && checked_header));
    if (result == USB_UPDATE_UPDATED && installed != NULL && !config->allow_downgrade) {
        require(!older(booted.fw_version, installed->header.fw_version)
                && memcmp(&booted, &installed->header, sizeof booted) != 0);
    }
    return dev.ops.power_lost;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static test_image_t installed_images[2];
    static bool built;
    if (!built) {
        test_image_build(&installed_images[0], 0x200u, 1u);
        test_image_build(&installed_images[1], 0x200u, 200u);
        fake_drive_init(&drive, NULL);
        free(drive.disk);
        built = true;
    }
    if (size < PREFIX) {
        return 0;
    }
    uint32_t blocks = le32_at(data + 20) % MAX_DISK_BLOCKS + 1u;
    fuzz_disk_t disk;
    fuzz_disk_parse(&disk, data + PREFIX, size - PREFIX);
    fuzz_disk_apply(&disk, disk_image, blocks);

    uint32_t installed_choice = (data[0] >> 1) & 3u;
    const test_image_t *installed = installed_choice == 1u ? &installed_images[0]
                                    : installed_choice == 2u ? &installed_images[1]
                                                             : NULL;
    device_factory_fresh();
    if (installed != NULL) {
        test_image_install(installed);
    }
    const usb_update_config_t config = {
        .file_name = (data[0] & 8u) != 0u ? "b.hex" : USB_FIRMWARE_NAME,
        .allow_downgrade = (data[0] & 1u) != 0u,
    };

    fake_drive_t fresh = drive;
    drive.disk = disk_image;
    drive.disk_size = (size_t)blocks * FUZZ_DISK_SECTOR;
    uint8_t opcode = data[2];
    uint32_t count = data[3];
    switch (data[1]) {
    case 1:
        drive.stall_opcode = opcode;
        drive.stall_count = count;
        break;
    case 2:
        drive.fail_opcode = opcode;
        drive.fail_count = count;
        break;
    case 3:
        drive.phase_error_opcode = opcode;
        drive.phase_error_count = count;
        break;
    case 4:
        drive.bad_csw_opcode = opcode;
        drive.bad_csw_count = count;
        break;
    case 5:
        drive.nak_ms = count;
        break;
    default:
        break;
    }
    drive.disconnect_at = (long)le32_at(data + 4) - 1;
    drive.change_lba = le32_at(data + 8);
    drive.change_data = disk_image + (size_t)(le32_at(data + 12) % blocks) * FUZZ_DISK_SECTOR;
    drive.change_on_read = data[16];
    uint32_t cut = (uint32_t)data[17] | (uint32_t)data[18] << 8;
    dev.ops.cut_at = (long)cut - 1;
    dev.ops.cut_mode = (cut_mode_t)(data[19] % 3u);
    drive.powered = true;

    if (update_once(&config, installed)) {
        /* Power returns: the bootloader starts afresh and the drive, without its faults, is read again. */
        bool intact = installed != NULL && test_image_in_flash(installed);
        device_reboot();
        fake_drive_t same_disk = fresh;
        same_disk.disk = drive.disk;
        same_disk.disk_size = drive.disk_size;
        same_disk.powered = true;
        drive = same_disk;
        update_once(&config, intact ? installed : NULL);
    }
    drive = fresh;
    fuzz_disk_clear(&disk, disk_image, blocks);
    return 0;
}
