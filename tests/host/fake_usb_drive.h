/* A USB flash drive on the root port, behind usb_hcd_t: what the OTG_FS host driver would see of a real drive.
 * Full speed, EP0 of 64 bytes, bulk IN 0x81 and bulk OUT 0x02 of 64 bytes (knob), USB Mass Storage Bulk-Only with
 * SCSI INQUIRY, TEST UNIT READY, REQUEST SENSE, READ CAPACITY(10) and READ(10) on a disk image held in memory.
 * Time is virtual: millis() counts what delays, NAKs and resets took.
 *
 * It checks the host as a device would: requests at the wrong address or before SET_CONFIGURATION get no answer
 * (HCD_XACT_ERROR), a halted endpoint answers STALL until CLEAR_FEATURE(ENDPOINT_HALT), a data toggle that is
 * not the device's is counted and answered HCD_TOGGLE_ERROR, a transfer out of Bulk-Only order is counted.
 * Knobs make it misbehave: another kind of device, several LUNs, big sectors, STALL, failed commands, phase
 * errors, NAKs, slowness, a bad CSW, a block that reads differently from its n-th read on, and pulling the drive
 * out at any transfer. */
#ifndef FAKE_USB_DRIVE_H
#define FAKE_USB_DRIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usb_hcd.h"

typedef enum {
    FAKE_MASS_STORAGE,
    FAKE_HID_KEYBOARD,       /* not mass storage */
    FAKE_HUB,                /* device class 0x09 */
    FAKE_COMPOSITE,          /* a HID interface first, the mass-storage interface second */
    FAKE_MASS_STORAGE_UFI,   /* mass storage, but subclass UFI (0x04) over CBI (0x00) */
    FAKE_SILENT,             /* attached, but never answers a control transfer */
    FAKE_BAD_EP0,            /* a device descriptor with bMaxPacketSize0 7, which USB 2.0 does not allow */
} fake_device_kind_t;

typedef struct {
    /* Knobs: set them after fake_drive_init, before or between transfers. */
    fake_device_kind_t kind;
    uint8_t max_lun;              /* GET MAX LUN answer */
    bool max_lun_stalls;          /* GET MAX LUN answered with STALL, as many single-LUN drives do */
    uint32_t block_size;          /* READ CAPACITY(10); READ(10) serves blocks of this size */
    uint16_t bulk_mps;            /* wMaxPacketSize of both bulk endpoints, and the packet size the drive moves */
    bool capacity_overflows;      /* READ CAPACITY(10) answers FFFFFFFFh blocks: a drive of 2 TB or more */
    uint8_t stall_opcode;         /* STALL the data stage of this SCSI command ... */
    uint32_t stall_count;         /* ... this many times (CSW status 1, sense MEDIUM ERROR afterwards) */
    uint8_t fail_opcode;          /* answer this command with CSW status 1, sense 03/11/00 ... */
    uint32_t fail_count;          /* ... this many times */
    uint8_t phase_error_opcode;   /* answer this command with CSW status 2 ... */
    uint32_t phase_error_count;   /* ... this many times */
    uint8_t bad_csw_opcode;       /* the CSW of this command carries a wrong tag ... */
    uint32_t bad_csw_count;       /* ... this many times */
    uint32_t not_ready_count;     /* TEST UNIT READY answers NOT READY (02/04/01) this many times */
    uint32_t nak_ms;              /* every bulk transfer is NAKed this long before it moves */
    uint32_t short_read_bytes;    /* a READ(10) sends this many bytes at most (0: all) ... */
    uint32_t short_read_count;    /* ... this many times, its CSW saying so (residue) unless ... */
    bool short_read_hides_residue; /* ... it claims every byte came (residue 0) */
    uint32_t residue_excess;      /* added to every READ(10)'s CSW residue (BOT 6.3: above dCBWDataTransferLength) */
    long disconnect_at;           /* the transfer (counted from 0 since attach) at which the drive is pulled; -1 */
    uint32_t change_lba;          /* from its change_on_read-th READ(10) on (counted from 1), this block ... */
    uint32_t change_on_read;      /* ... reads as change_data: a medium that changes under the host; 0: never */
    const uint8_t *change_data;   /* block_size bytes */

    /* State. */
    bool attached;
    bool powered;
    uint32_t now_ms;
    uint8_t address;
    uint8_t configuration;
    uint8_t toggle_in;
    uint8_t toggle_out;
    bool halted_in;
    bool halted_out;
    uint8_t phase;                /* Bulk-Only: waiting for a CBW, in the data stage, or before the CSW */
    uint32_t tag;
    uint32_t expected;            /* dCBWDataTransferLength */
    uint8_t opcode;
    uint8_t data[32u * 1024u];    /* READ(10) of up to 64 blocks of 512 bytes */
    uint32_t data_len;
    uint8_t csw_status;
    bool csw_bad_tag;
    uint32_t residue;
    uint8_t sense[3];             /* key, ASC, ASCQ of the last failure */

    /* What the host did, for the tests to check. */
    long transfers;
    uint32_t port_resets;
    uint32_t bot_resets;
    uint32_t clear_halts_in;
    uint32_t clear_halts_out;
    uint32_t toggle_errors;
    uint32_t protocol_errors;     /* a CBW while a CSW was due, a CSW read while a CBW was due, ... */
    uint32_t commands[256];       /* per SCSI opcode */
    uint32_t luns_used;           /* bit n: a CBW addressed LUN n */
    uint32_t max_blocks_per_read;
    uint32_t change_lba_reads;    /* READ(10) commands that covered change_lba */

    uint8_t *disk;
    size_t disk_size;
} fake_drive_t;

/* A well-behaved, detached mass-storage drive with 512-byte blocks over the given disk image file (read into
 * memory; it aborts with a message when the file cannot be read). NULL: a 1 MB disk of zeros. */
void fake_drive_init(fake_drive_t *drive, const char *image_path);
void fake_drive_free(fake_drive_t *drive);
/* Plugs the drive in (the port then sees it at once: connected() debounces in the real driver) or out. */
void fake_drive_attach(fake_drive_t *drive);
void fake_drive_detach(fake_drive_t *drive);

usb_hcd_t fake_drive_hcd(fake_drive_t *drive);

#endif /* FAKE_USB_DRIVE_H */
