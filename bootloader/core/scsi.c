#include "scsi.h"

#include <stdbool.h>
#include <stddef.h>

#include "byte_order.h"

#define INQUIRY_SIZE         36u
#define SENSE_SIZE           18u
#define CAPACITY_SIZE        8u
#define SENSE_MIN_SIZE       14u  /* through the additional sense code qualifier */

/* SPC: opcodes below 0x20 (group 0) have 6-byte CDBs, 0x20 to 0x5F (group 1) 10-byte ones. */
#define SCSI_GROUP_1         0x20u

/* One command, its CDB made from opcode, lba and len. Group 0 here: INQUIRY, TEST UNIT READY and REQUEST SENSE, len
 * their allocation length; group 1: READ CAPACITY(10) and READ(10), with the LBA and len in blocks (READ
 * CAPACITY(10) has no transfer length: its 8 bytes make 0 blocks). */
static msc_status_t command(msc_bot_t *bot, uint8_t opcode, uint32_t lba, uint8_t *data, uint32_t len)
{
    uint8_t cdb[10] = { opcode };
    uint8_t cdb_len = 6u;
    if (opcode < SCSI_GROUP_1) {
        cdb[4] = (uint8_t)len;
    } else {
        cdb_len = 10u;
        put_be32(cdb + 2, lba);
        /* SBC-2 §5.6 READ(10): the transfer length in blocks, big-endian, in bytes 7 and 8. */
        uint32_t blocks = len / SCSI_BLOCK_SIZE;
        cdb[7] = (uint8_t)(blocks >> 8);
        cdb[8] = (uint8_t)blocks;
    }
    return msc_bot_command(bot, cdb, cdb_len, true, data, len);
}

/* One attempt of a command that reads len bytes at most into data: the group 1 commands here are of no use without
 * all of them, INQUIRY and TEST UNIT READY need none. A command that fails leaves its opcode and its sense (REQUEST
 * SENSE right after, as SPC asks) in disk. */
static scsi_status_t run(scsi_disk_t *disk, uint8_t opcode, uint32_t lba, uint8_t *data, uint32_t len)
{
    msc_bot_t *bot = disk->bot;
    msc_status_t status = command(bot, opcode, lba, data, len);
    bool short_data = status == MSC_OK && opcode >= SCSI_GROUP_1 && bot->actual < len;
    disk->opcode = opcode;
    disk->transport = status;
    disk->sense_key = 0u;
    disk->asc = 0u;
    disk->ascq = 0u;
    if (status == MSC_FAILED) {
        uint8_t sense[SENSE_SIZE];
        msc_status_t sensed = command(bot, SCSI_REQUEST_SENSE, 0u, sense, sizeof sense);
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

static scsi_status_t run_with_retries(scsi_disk_t *disk, uint8_t opcode, uint32_t lba, uint8_t *data, uint32_t len)
{
    scsi_status_t status = SCSI_FAILED;
    for (uint32_t attempt = 0; attempt < SCSI_ATTEMPTS && status == SCSI_FAILED; attempt++) {
        status = run(disk, opcode, lba, data, len);
    }
    return status;
}

static scsi_status_t wait_until_ready(scsi_disk_t *disk)
{
    const usb_hcd_t *hcd = disk->bot->dev->hcd;
    uint32_t start = hcd->millis(hcd->ctx);
    for (;;) {
        scsi_status_t status = run(disk, SCSI_TEST_UNIT_READY, 0u, NULL, 0u);
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
    scsi_status_t status = run_with_retries(disk, SCSI_INQUIRY, 0u, buf, INQUIRY_SIZE);
    if (status == SCSI_OK) {
        status = wait_until_ready(disk);
    }
    if (status != SCSI_OK) {
        return status;
    }
    status = run_with_retries(disk, SCSI_READ_CAPACITY_10, 0u, buf, CAPACITY_SIZE);
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

scsi_status_t scsi_read_blocks(scsi_disk_t *disk, uint32_t lba, uint32_t count, uint8_t *buf)
{
    return run_with_retries(disk, SCSI_READ_10, lba, buf, count * SCSI_BLOCK_SIZE);
}
