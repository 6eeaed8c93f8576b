/* The update from a USB thumb drive (docs/design.md §6): enumerate the drive, mount its FAT volume, choose the .hex
 * file, check all of it, then program it through the flash writer with the header-last commit of every path.
 *
 * File: the file of the configured name ("FIRMWARE.HEX" by default; any case) in the root directory if there is
 * one, else the single *.hex file there. Hidden and system files, and macOS's "._" companions, are not counted.
 * Pass 1 reads the whole file and changes nothing: HEX syntax and checksums, every data address inside the
 * application header + image region, a complete image header whose own checks pass, this board's id, the version
 * policy (older than the accepted installed application: refused unless allow_downgrade; the very same header as
 * the installed and accepted one: skipped, so a drive left plugged in is not flashed again at every boot).
 * Pass 2 reads the file again and writes every record through flash_writer (pages erased on first touch); image
 * pages inside image_size that no record touches are erased too, as the gaps of a HEX file mean erased flash. Only
 * when pass 2 read the same records as pass 1 (a CRC-32 of every record's address and data) is the header pass 1
 * checked staged and committed: a drive that serves other bytes the second time, by fault or by design, gets
 * nothing committed. The result is the boot check on the programmed image.
 *
 * Every outcome is one USART1 line starting "usb: " (usb_update_message), e.g. "usb: updated to 1.0.0.2",
 * "usb: FIRMWARE.HEX line 12: bad checksum", "usb: FIRMWARE.HEX changed between the two reads"; progress lines come
 * before it. */
#ifndef USB_UPDATE_H
#define USB_UPDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "fat.h"
#include "flash_writer.h"
#include "hex_stream.h"
#include "image_header.h"
#include "image_policy.h"
#include "msc_bot.h"
#include "scsi.h"
#include "text.h"
#include "usb_hcd.h"
#include "usbh.h"

/* Settings (build/settings.json: UsbFirmwareName, AllowDowngrade, UsbBootWindowMs) arrive in build_config.h,
 * which the chip side includes first. These fallbacks hold only until the generator writes them. */
#ifndef USB_FIRMWARE_NAME
#define USB_FIRMWARE_NAME "FIRMWARE.HEX"
#endif
#ifndef ALLOW_DOWNGRADE
#define ALLOW_DOWNGRADE 0
#endif
#ifndef USB_BOOT_WINDOW_MS
#define USB_BOOT_WINDOW_MS 0u  /* 0: the drive is read in update mode only */
#endif

#define USB_UPDATE_MESSAGE_SIZE 160u
#define USB_UPDATE_NAMES_SIZE   64u   /* of the file list in "several .hex files (...)" */
/* The file is read in runs of up to this many sectors, one READ(10) each (fat_file_read): 8 KB, two 4 KB clusters
 * of a FAT32 drive, cuts the commands (CBW, CSW, a drive's per-command latency) 16-fold against a sector at a time;
 * longer runs gain little (CBW and CSW are 2 of 130 full-speed transactions per 8 KB). */
#define USB_UPDATE_READ_SECTORS 16u

typedef enum {
    USB_UPDATE_NO_DRIVE = 0,        /* nothing attached: returns at once */
    USB_UPDATE_REPORTED,            /* the attached drive's outcome was reported; re-attach it to read it again */
    USB_UPDATE_UPDATED,
    USB_UPDATE_SAME_IMAGE,          /* nothing programmed */
    USB_UPDATE_DRIVE_REMOVED,
    USB_UPDATE_NOT_RECOGNISED,      /* enumeration failed */
    USB_UPDATE_HUB,
    USB_UPDATE_NOT_MASS_STORAGE,
    USB_UPDATE_DRIVE_ERROR,         /* a SCSI command kept failing, or the drive never became ready */
    USB_UPDATE_DRIVE_UNSUPPORTED,   /* sectors other than 512 bytes, or 2 TB and more */
    USB_UPDATE_NO_FAT_VOLUME,
    USB_UPDATE_FAT_ERROR,           /* corrupt boot sector, loop, cluster out of range, truncated file */
    USB_UPDATE_NO_HEX_FILE,
    USB_UPDATE_SEVERAL_HEX_FILES,
    USB_UPDATE_HEX_ERROR,
    USB_UPDATE_ADDRESS_OUTSIDE,
    USB_UPDATE_BAD_HEADER,          /* no complete image header in the file, or one the boot check refuses */
    USB_UPDATE_WRONG_BOARD,
    USB_UPDATE_DOWNGRADE,
    USB_UPDATE_FLASH_ERROR,         /* the application is erased: the next attempt programs it again */
    USB_UPDATE_IMAGE_REJECTED,      /* programmed, but the boot check refuses the image in flash */
    USB_UPDATE_FILE_CHANGED,        /* pass 2 read other records than pass 1 checked: nothing committed */
    USB_UPDATE_REFUSED,             /* the policy refuses the file's image (signature, counter): nothing changed */
} usb_update_result_t;

/* What LED the bootloader should show. */
typedef enum {
    USB_LED_IDLE,         /* no drive, or the drive was already reported (and skipped): the update mode's own */
    USB_LED_BUSY,         /* reading and checking the drive */
    USB_LED_PROGRAMMING,
    USB_LED_SUCCESS,
    USB_LED_FAILURE,
} usb_led_t;

typedef struct usb_update_port {
    /* One line without its line end. */
    void (*print)(const struct usb_update_port *port, const char *line);
    void (*led)(const struct usb_update_port *port, usb_led_t state);
    /* The writer of the update mode, shared with the UART path; its configuration is the memory map and board id
     * an image must match. */
    flash_writer_t *writer;
    /* Where the running application is read at every attempt (a drive with it again is skipped, an older one refused
     * without AllowDowngrade): the flash itself, not the writer's view, which in SlotMode swap is the secondary slot. */
    const image_port_t *installed;
    void *context;
} usb_update_port_t;

typedef struct {
    const char *file_name;  /* USB_FIRMWARE_NAME in build_config.h: a name in the root directory */
    bool allow_downgrade;   /* ALLOW_DOWNGRADE */
} usb_update_config_t;

/* The whole state: zero-initialise it (static storage) before the first poll. */
typedef struct {
    bool powered;
    bool reported;
    usb_update_result_t result;
    const usb_hcd_t *hcd;
    const usb_update_config_t *config;
    const usb_update_port_t *port;
    const image_check_config_t *check;   /* port->writer's: the memory map and board id */
    usbh_device_t dev;
    msc_bot_t bot;
    scsi_disk_t disk;
    scsi_status_t read_status;  /* of the last sector read for the FAT reader */
    fat_disk_t fat_disk;
    fat_t fs;
    fat_entry_t entry;          /* the chosen file */
    fat_entry_t scanned;        /* choose_file: the root directory entry being looked at */
    fat_file_t file;
    hex_stream_t hex;
    image_header_t header;               /* pass 1: the image header bytes found in the file */
    uint8_t block[IMAGE_SIGNATURE_AREA_SIZE]; /* pass 1: the rest of the header page up to the boot state; right
                                              * after header (usb_update.c copies the page's bytes into both at once) */
    /* Pass 1's hash of the image: not started, started, or given up (a record it could not hash in order, or a
     * header page not whole before the image). */
    enum { DIGEST_NOT_STARTED, DIGEST_STARTED, DIGEST_UNORDERED } digest;
    uint32_t digest_next;                /* the image address the digest has reached */
    image_signature_t signature;
    image_digest_t sha;
    uint32_t header_seen[IMAGE_HEADER_SIZE / 32u]; /* bit i: header byte i was in the file */
    uint32_t touched[FLASH_WRITER_MAX_PAGES / 32u]; /* pass 1: pages that records write */
    uint32_t progress;                   /* pass 2: quarters of the file reported */
    uint32_t records_crc;                /* CRC-32 of every record's address and data read in this pass */
    text_t line;
    char message[USB_UPDATE_MESSAGE_SIZE];
    uint8_t sector[FAT_SECTOR_SIZE];     /* the FAT reader's sector buffer (boot sector, directories, the FAT) */
    uint8_t chunk[USB_UPDATE_READ_SECTORS * FAT_SECTOR_SIZE] __attribute__((aligned(4))); /* the file's bytes */
} usb_update_t;

/* Switches VBUS on at the first call. With no drive attached it returns USB_UPDATE_NO_DRIVE at once, so the
 * caller keeps serving the UART; a newly attached drive (hcd->connected() debounces) is read and, if its file
 * passes every check, programmed before the call returns. The outcome is printed and returned once; while the
 * same drive stays attached, later calls return USB_UPDATE_REPORTED. */
usb_update_result_t usb_update_poll(usb_update_t *state, const usb_hcd_t *hcd, const usb_update_config_t *cfg,
                                    const usb_update_port_t *port);

/* The last outcome line; "usb: no drive" before the first. */
const char *usb_update_message(const usb_update_t *state);

#endif /* USB_UPDATE_H */
