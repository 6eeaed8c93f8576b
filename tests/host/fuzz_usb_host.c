/* libFuzzer target: the USB host stack (usbh, msc_bot, scsi) against a device that says whatever the input says
 * (scripted_usb_device.h): descriptors, GET MAX LUN, INQUIRY, READ CAPACITY, CSWs, sense data, transfer errors and
 * the moment it leaves. The stack enumerates it, starts it as a drive and reads four blocks, as usb_update does.
 * Nothing may read or write outside its buffers, hang, or break USB 2.0 or BOT towards the device (the scripted
 * device aborts); what the stack accepts must be what it documents: bulk endpoints of both directions with a
 * full-speed packet size, 512-byte blocks, a block read only when all 512 bytes came.
 *   CC=clang cmake -S tests/host -B out/host-fuzz -G Ninja && cmake --build out/host-fuzz
 *   out/host-fuzz/fuzz_usb_host -max_total_time=60 tests/host/fuzz_corpus/fuzz_usb_host */
#include <stdlib.h>

#include "msc_bot.h"
#include "scripted_usb_device.h"
#include "scsi.h"
#include "usbh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool packet_size_allowed(uint16_t mps)
{
    return mps == 8u || mps == 16u || mps == 32u || mps == 64u;
}

static void require(bool condition)
{
    if (!condition) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    scripted_device_t device;
    scripted_device_init(&device, data, size);
    usb_hcd_t hcd = scripted_device_hcd(&device);
    hcd.power(hcd.ctx, true);
    /* The size usb_update gives it, on the heap so that a byte beyond it is caught. */
    uint8_t *buf = malloc(SCSI_BLOCK_SIZE);
    usbh_device_t dev;
    if (usbh_enumerate(&dev, &hcd, buf, SCSI_BLOCK_SIZE) == USBH_OK) {
        require(packet_size_allowed(dev.ep0_mps) && packet_size_allowed(dev.bulk_mps[USBH_IN])
                && packet_size_allowed(dev.bulk_mps[USBH_OUT]));
        require((dev.bulk[USBH_IN] & 0x80u) != 0u && dev.bulk[USBH_OUT] != 0u && (dev.bulk[USBH_OUT] & 0x80u) == 0u);
        msc_bot_t bot;
        scsi_disk_t disk;
        if (msc_bot_init(&bot, &dev) == MSC_OK && scsi_start(&disk, &bot, buf) == SCSI_OK) {
            require(disk.block_size == SCSI_BLOCK_SIZE && disk.blocks != 0u);
            for (uint32_t lba = 0; lba < 4u; lba++) {
                scsi_status_t status = scsi_read(&disk, lba, buf);
                require(status != SCSI_OK || bot.actual == SCSI_BLOCK_SIZE);
                if (status == SCSI_DISCONNECTED) {
                    break;
                }
            }
        }
    }
    free(buf);
    return 0;
}
