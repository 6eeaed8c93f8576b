#include "scsi.h"

#include <stdbool.h>
#include <stddef.h>

#define INQUIRY_SIZE         36u
#define SENSE_SIZE           18u
#define CAPACITY_SIZE        8u
#define SENSE_MIN_SIZE       14u  /* through the additional sense code qualifier */

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* One attempt of a command that reads at least min_len bytes into data (len at most). A command that fails
 * leaves its opcode and its sense (REQUEST SENSE right after, as SPC asks) in disk. */
static scsi_status_t run(scsi_disk_t *disk, const uint8_t *cdb, uint8_t cdb_len, uint8_t *data, uint32_t len,
                         uint32_t min_len)
{
    msc_bot_t *bot = disk->bot;
    msc_status_t status = msc_bot_command(bot, cdb, cdb_len, true, data, len);
    bool short_data = status == MSC_OK && bot->actual < min_len;
    disk->opcode = cdb[0];
    disk->transport = status;
    disk->sense_key = 0u;
    disk->asc = 0u;
    disk->ascq = 0u;
    if (status == MSC_FAILED) {
        static const uint8_t request_sense[6] = { SCSI_REQUEST_SENSE, 0, 0, 0, SENSE_SIZE, 0 };
        uint8_t sense[SENSE_SIZE];
        msc_status_t sensed = msc_bot_command(bot, request_sense, sizeof request_sense, true, sense, sizeof sense);
        if (sensed == MSC_DISCONNECTED) {
            status = sensed;
        } else if (sensed == MSC_OK && bot->actual >= SENSE_MIN_SIZE) {
            disk->sense_key = sense[2] & 0x0Fu;
            disk->asc = sense[12];
            disk->ascq = sense[13];
        }
    }
    if (status == MSC_DISCONNECTED) {
        return SCSI_DISCONNECTED;
    }
    return status == MSC_OK && !short_data ? SCSI_OK : SCSI_FAILED;
}

static scsi_status_t run_with_retries(scsi_disk_t *disk, const uint8_t *cdb, uint8_t cdb_len, uint8_t *data,
                                      uint32_t len, uint32_t min_len)
{
    scsi_status_t status = SCSI_FAILED;
    for (uint32_t attempt = 0; attempt < SCSI_ATTEMPTS && status == SCSI_FAILED; attempt++) {
        status = run(disk, cdb, cdb_len, data, len, min_len);
    }
    return status;
}

static scsi_status_t wait_until_ready(scsi_disk_t *disk)
{
    static const uint8_t test_unit_ready[6] = { SCSI_TEST_UNIT_READY, 0, 0, 0, 0, 0 };
    const usb_hcd_t *hcd = disk->bot->dev->hcd;
    uint32_t start = hcd->millis(hcd->ctx);
    for (;;) {
        scsi_status_t status = run(disk, test_unit_ready, sizeof test_unit_ready, NULL, 0u, 0u);
        if (status != SCSI_FAILED) {
            return status;
        }
        if (hcd->millis(hcd->ctx) - start >= SCSI_READY_TIMEOUT_MS) {
            return SCSI_NOT_READY;
        }
        hcd->delay_ms(hcd->ctx, SCSI_READY_POLL_MS);
    }
}

scsi_status_t scsi_start(scsi_disk_t *disk, msc_bot_t *bot, uint8_t *buf)
{
    *disk = (scsi_disk_t){ .bot = bot };
    static const uint8_t inquiry[6] = { SCSI_INQUIRY, 0, 0, 0, INQUIRY_SIZE, 0 };
    scsi_status_t status = run_with_retries(disk, inquiry, sizeof inquiry, buf, INQUIRY_SIZE, 0u);
    if (status == SCSI_OK) {
        status = wait_until_ready(disk);
    }
    if (status != SCSI_OK) {
        return status;
    }
    static const uint8_t read_capacity[10] = { SCSI_READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    status = run_with_retries(disk, read_capacity, sizeof read_capacity, buf, CAPACITY_SIZE, CAPACITY_SIZE);
    if (status != SCSI_OK) {
        return status;
    }
    uint32_t last_block = be32(buf);
    disk->block_size = be32(buf + 4);
    if (disk->block_size != SCSI_BLOCK_SIZE) {
        return SCSI_BLOCK_SIZE_UNSUPPORTED;
    }
    if (last_block == UINT32_MAX) {
        return SCSI_TOO_LARGE;
    }
    disk->blocks = last_block + 1u;
    return SCSI_OK;
}

scsi_status_t scsi_read(scsi_disk_t *disk, uint32_t lba, uint8_t *buf)
{
    const uint8_t read10[10] = {
        SCSI_READ_10, 0, (uint8_t)(lba >> 24), (uint8_t)(lba >> 16), (uint8_t)(lba >> 8), (uint8_t)lba,
        0, 0, 1, 0, /* one block */
    };
    return run_with_retries(disk, read10, sizeof read10, buf, SCSI_BLOCK_SIZE, SCSI_BLOCK_SIZE);
}
