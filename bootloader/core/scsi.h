/* The SCSI commands a USB drive needs for reading (SPC-4, SBC-3): INQUIRY, TEST UNIT READY, REQUEST SENSE,
 * READ CAPACITY(10), READ(10), over msc_bot. Only 512-byte logical blocks are accepted: the FAT reader and the
 * sector buffer are built on them.
 *
 * A drive may need seconds after power-up (TEST UNIT READY answers NOT READY or UNIT ATTENTION): it is asked
 * again every SCSI_READY_POLL_MS for up to SCSI_READY_TIMEOUT_MS, with REQUEST SENSE after every failure (some
 * drives hold their unit attention until the sense is read). Every other command is tried up to SCSI_ATTEMPTS
 * times: a failed command, a phase error or a failed transfer (after reset recovery) is retried. */
#ifndef SCSI_H
#define SCSI_H

#include <stdint.h>

#include "msc_bot.h"

#define SCSI_BLOCK_SIZE        512u
#define SCSI_READY_TIMEOUT_MS  10000u
#define SCSI_READY_POLL_MS     100u
#define SCSI_ATTEMPTS          3u
/* READ(10)'s transfer length is 16 bits (SBC-2 §5.6). */
#define SCSI_MAX_BLOCKS        0xFFFFu

#define SCSI_INQUIRY           0x12u
#define SCSI_TEST_UNIT_READY   0x00u
#define SCSI_REQUEST_SENSE     0x03u
#define SCSI_READ_CAPACITY_10  0x25u
#define SCSI_READ_10           0x28u

typedef enum {
    SCSI_OK = 0,
    SCSI_DISCONNECTED,
    SCSI_FAILED,            /* the command kept failing: disk->opcode, disk->sense_* or bot's dev->failure */
    SCSI_NOT_READY,         /* TEST UNIT READY did not pass within SCSI_READY_TIMEOUT_MS */
    SCSI_BLOCK_SIZE_UNSUPPORTED, /* disk->block_size is not 512 */
    SCSI_TOO_LARGE,         /* more blocks than READ CAPACITY(10) can count (2 TB and more) */
} scsi_status_t;

typedef struct {
    msc_bot_t *bot;
    uint32_t blocks;        /* from READ CAPACITY(10) */
    uint32_t block_size;
    /* The command that failed last and how. sense_key is 0 when it failed in transport (bot->dev->failure). */
    uint8_t opcode;
    uint8_t sense_key;
    uint8_t asc;
    uint8_t ascq;
    msc_status_t transport;
} scsi_disk_t;

/* INQUIRY, TEST UNIT READY until ready, READ CAPACITY(10). buf: 512 bytes of scratch. */
scsi_status_t scsi_start(scsi_disk_t *disk, msc_bot_t *bot, uint8_t *buf);
/* count (1 to SCSI_MAX_BLOCKS) 512-byte blocks from lba in one READ(10): all of them or SCSI_FAILED (a drive that
 * sends fewer bytes than asked, whatever its CSW says, failed the attempt; a residue above the length is a phase
 * error, msc_bot). One command per run of blocks instead of one per block saves the CBW and CSW transactions and the
 * per-command work of both sides (docs/design.md §6.4). */
scsi_status_t scsi_read_blocks(scsi_disk_t *disk, uint32_t lba, uint32_t count, uint8_t *buf);
/* One 512-byte block. */
static inline scsi_status_t scsi_read(scsi_disk_t *disk, uint32_t lba, uint8_t *buf)
{
    return scsi_read_blocks(disk, lba, 1u, buf);
}

#endif /* SCSI_H */
