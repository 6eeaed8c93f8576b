#include "usb_update.h"

#include <stdarg.h>
#include <string.h>

#include "bitset.h"
#include "byte_order.h"
#include "crc32.h"
#include "image_check.h"

_Static_assert(FAT_SECTOR_SIZE == SCSI_BLOCK_SIZE, "the FAT reader reads the drive's blocks one by one");
_Static_assert(IMAGE_HEADER_SIZE == 64u, "header_seen: two words, one bit per header byte");
_Static_assert(offsetof(usb_update_t, block) == offsetof(usb_update_t, header) + IMAGE_SIGNATURE_OFFSET,
               "the signature block's bytes follow the header's");

#define PAGE FLASH_WRITER_PAGE_SIZE

static void start_line(usb_update_t *u)
{
    text_init(&u->line, u->message, sizeof u->message);
    text_str(&u->line, "usb: ");
}

static void print_line(usb_update_t *u)
{
    u->port->print(u->port, u->message);
    start_line(u);
}

/* Appends to the line: %s a string, %u a decimal, %x 0x and eight hex digits, %b two hex digits, %v a version,
 * %r a verdict's reason (image_verdict_t *), %% a percent sign.
 * One formatter instead of a text_* call per piece keeps the many messages small in flash. */
static void append(usb_update_t *u, const char *format, va_list args)
{
    for (const char *f = format; *f != '\0'; f++) {
        if (*f != '%') {
            text_char(&u->line, *f);
            continue;
        }
        switch (*++f) {
        case 's':
            text_str(&u->line, va_arg(args, const char *));
            break;
        case 'u':
            text_u32(&u->line, va_arg(args, uint32_t));
            break;
        case 'x':
            text_hex32(&u->line, va_arg(args, uint32_t));
            break;
        case 'b':
            text_hex(&u->line, va_arg(args, uint32_t), 2u);
            break;
        case 'v':
            text_dotted(&u->line, va_arg(args, const uint16_t *), IMAGE_HEADER_VERSION_PARTS);
            break;
        case 'r':
            image_verdict_write(&u->line, va_arg(args, const image_verdict_t *));
            break;
        default: /* "%%" */
            text_char(&u->line, *f);
            break;
        }
    }
}

/* Every outcome line (after "usb: ") with the result it reports, in one table: a step names its outcome by index,
 * a byte where a result and a format string cost eight at every call, and a reader finds all a user can be told in
 * one place. Formats as append(); a format may leave arguments unused. */
#define OUTCOMES(X)                                                                                                 \
    X(OUT_DRIVE_REMOVED, DRIVE_REMOVED, "drive removed")                                                           \
    X(OUT_NOT_READY, DRIVE_ERROR, "drive not ready")                                                               \
    X(OUT_SECTOR_SIZE, DRIVE_UNSUPPORTED, "sector size %u not supported")                                          \
    X(OUT_TOO_LARGE, DRIVE_UNSUPPORTED, "drives of 2 TB and more not supported")                                   \
    X(OUT_SCSI_FAILED, DRIVE_ERROR, "drive error: SCSI 0x%b failed, ")                                             \
    X(OUT_SENSE, DRIVE_ERROR, "sense %b/%b/%b")                                                                    \
    X(OUT_REASON, DRIVE_ERROR, "%s")                                                                               \
    X(OUT_NOT_RECOGNISED, NOT_RECOGNISED, "device not recognised (%s)")                                            \
    X(OUT_HUB, HUB, "hub not supported")                                                                           \
    X(OUT_NOT_MASS_STORAGE, NOT_MASS_STORAGE, "not a mass-storage device")                                         \
    X(OUT_BAD_PACKET_SIZE, NOT_RECOGNISED, "device not recognised (bulk max packet size %u)")                     \
    X(OUT_NO_FAT_VOLUME, NO_FAT_VOLUME, "no FAT volume")                                                           \
    X(OUT_FILE, FAT_ERROR, "%s: ")                                                                                 \
    X(OUT_FAT_ERROR, FAT_ERROR, "%s")                                                                              \
    X(OUT_NO_HEX_FILE, NO_HEX_FILE, "no .hex file")                                                                \
    X(OUT_SEVERAL_HEX_FILES, SEVERAL_HEX_FILES, "several .hex files (%s): keep one or name it %s")                 \
    X(OUT_HEX_ERROR, HEX_ERROR, "%s line %u: %s")                                                                  \
    X(OUT_ADDRESS_OUTSIDE, ADDRESS_OUTSIDE, "address %x outside the application")                                  \
    X(OUT_NO_HEADER, BAD_HEADER, "%s has no image header at %x")                                                   \
    X(OUT_BAD_HEADER, BAD_HEADER, "%s: image header: %s")                                                          \
    X(OUT_WRONG_BOARD, WRONG_BOARD, "wrong board id %x")                                                           \
    X(OUT_SAME_IMAGE, SAME_IMAGE, "same image as installed, skipped")                                              \
    X(OUT_DOWNGRADE, DOWNGRADE, "version %v older than installed %v (downgrade disabled)")                         \
    X(OUT_FLASH_ERROR, FLASH_ERROR, "flash error at %x")                                                           \
    X(OUT_UPDATED, UPDATED, "updated to %v")                                                                       \
    X(OUT_IMAGE_REJECTED, IMAGE_REJECTED, "image rejected after programming: %r")                               \
    X(OUT_FILE_CHANGED, FILE_CHANGED, "%s changed between the two reads")                                          \
    X(OUT_REFUSED, REFUSED, "%s: %r")                                                                              \
    X(OUT_UNORDERED, REFUSED, "%s: records out of address order")

#define OUTCOME_ID(id, result, text) id,
#define OUTCOME_RESULT(id, result, text) USB_UPDATE_##result,
#define OUTCOME_TEXT(id, result, text) text "\0"

enum { OUTCOMES(OUTCOME_ID) };

/* drive_failed and enumerate map consecutive statuses onto consecutive outcomes. */
_Static_assert(SCSI_BLOCK_SIZE_UNSUPPORTED == SCSI_NOT_READY + 1 && SCSI_TOO_LARGE == SCSI_NOT_READY + 2
               && OUT_SECTOR_SIZE == OUT_NOT_READY + 1 && OUT_TOO_LARGE == OUT_NOT_READY + 2,
               "SCSI statuses and outcomes in the same order");
_Static_assert(USBH_HUB == USBH_BAD_DESCRIPTOR + 1 && USBH_NOT_MASS_STORAGE == USBH_BAD_DESCRIPTOR + 2
               && OUT_HUB == OUT_NOT_RECOGNISED + 1 && OUT_NOT_MASS_STORAGE == OUT_NOT_RECOGNISED + 2,
               "usbh statuses and outcomes in the same order");

/* Ends the update with this outcome: its result, and its text on the line. Returns false, so that a step ends the
 * update with "return finish(...)". */
static bool finish(usb_update_t *u, uint32_t outcome, ...)
{
    static const uint8_t results[] = { OUTCOMES(OUTCOME_RESULT) };
    va_list args;
    va_start(args, outcome);
    append(u, text_pick(OUTCOMES(OUTCOME_TEXT), outcome), args);
    va_end(args);
    u->result = results[outcome];
    return false;
}

/* A progress line. */
static void say(usb_update_t *u, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    append(u, format, args);
    va_end(args);
    print_line(u);
}

/* A transfer failed: most often because the drive was pulled out. */
static bool drive_failed(usb_update_t *u, scsi_status_t status)
{
    const scsi_disk_t *disk = &u->disk;
    if (status == SCSI_DISCONNECTED || !u->hcd->connected(u->hcd->ctx)) {
        return finish(u, OUT_DRIVE_REMOVED);
    }
    if (status != SCSI_FAILED) {
        return finish(u, OUT_NOT_READY + (status - SCSI_NOT_READY), disk->block_size);
    }
    finish(u, OUT_SCSI_FAILED, disk->opcode);
    if (disk->sense_key != 0u) {
        return finish(u, OUT_SENSE, disk->sense_key, disk->asc, disk->ascq);
    }
    const char *why = disk->transport == MSC_TRANSPORT_ERROR ? usbh_hcd_status_text(u->dev.failure)
                      : disk->transport == MSC_PHASE_ERROR   ? "phase error"
                                                             : "no reason given";
    return finish(u, OUT_REASON, why);
}

static bool enumerate(usb_update_t *u)
{
    usbh_status_t found = usbh_enumerate(&u->dev, u->hcd, u->sector, sizeof u->sector);
    if (found >= USBH_BAD_DESCRIPTOR) {
        return finish(u, OUT_NOT_RECOGNISED + (found - USBH_BAD_DESCRIPTOR), "bad descriptor");
    }
    if (found == USBH_BAD_PACKET_SIZE) {
        return finish(u, OUT_BAD_PACKET_SIZE, u->dev.refused_mps);
    }
    if (found != USBH_OK) {
        if (u->dev.failure == HCD_DISCONNECTED || !u->hcd->connected(u->hcd->ctx)) {
            return finish(u, OUT_DRIVE_REMOVED);
        }
        return finish(u, OUT_NOT_RECOGNISED, usbh_hcd_status_text(u->dev.failure));
    }
    if (msc_bot_init(&u->bot, &u->dev) != MSC_OK) {
        return drive_failed(u, SCSI_DISCONNECTED);
    }
    if (u->bot.max_lun > 0u) {
        say(u, "%u LUNs, reading LUN 0", u->bot.max_lun + 1u);
    }
    scsi_status_t status = scsi_start(&u->disk, &u->bot, u->sector);
    return status == SCSI_OK || drive_failed(u, status);
}

static bool disk_read(const fat_disk_t *disk, uint32_t lba, uint32_t count, uint8_t *buf)
{
    usb_update_t *u = disk->context;
    u->read_status = scsi_read_blocks(&u->disk, lba, count, buf);
    return u->read_status == SCSI_OK;
}

/* name: the file the error is about, NULL for the volume. */
static bool fat_failed(usb_update_t *u, fat_status_t status, const char *name)
{
    if (status == FAT_IO_ERROR) {
        return drive_failed(u, u->read_status);
    }
    if (status == FAT_NO_VOLUME) {
        return finish(u, OUT_NO_FAT_VOLUME);
    }
    if (name != NULL) {
        finish(u, OUT_FILE, name);
    }
    return finish(u, OUT_FAT_ERROR, fat_status_text(status));
}

static bool mount(usb_update_t *u)
{
    u->fat_disk = (fat_disk_t){ .read = disk_read, .sector_count = u->disk.blocks, .context = u };
    fat_status_t status = fat_mount(&u->fs, &u->fat_disk, u->sector);
    return status == FAT_OK || fat_failed(u, status, NULL);
}

static bool hex_candidate(const fat_entry_t *entry)
{
    const char *name = entry->name;
    const char *extension = NULL;
    for (const char *c = name; *c != '\0'; c++) {
        extension = *c == '.' ? c : extension;
    }
    uint8_t skipped = FAT_ATTR_DIRECTORY | FAT_ATTR_HIDDEN | FAT_ATTR_SYSTEM;
    /* macOS writes "._NAME" beside every file it copies. */
    bool apple_double = name[0] == '.' && name[1] == '_';
    return (entry->attr & skipped) == 0u && !apple_double && extension != NULL
           && fat_name_equal(extension, ".hex", 4u);
}

/* The configured file in the root, else the only .hex file there. */
static bool choose_file(usb_update_t *u)
{
    const char *configured = u->config->file_name;
    char names_buf[USB_UPDATE_NAMES_SIZE];
    text_t names;
    text_init(&names, names_buf, sizeof names_buf);
    uint32_t count = 0u;
    fat_dir_t dir;
    fat_root(&u->fs, &dir);
    fat_status_t status;
    fat_entry_t *entry = &u->scanned;
    for (;;) {
        status = fat_dir_next(&u->fs, &dir, entry);
        if (status != FAT_OK) {
            break;
        }
        if ((entry->attr & FAT_ATTR_DIRECTORY) == 0u && fat_name_equal(entry->name, configured, UINT32_MAX)) {
            u->entry = *entry;
            return true;
        }
        if (!hex_candidate(entry)) {
            continue;
        }
        if (count++ == 0u) {
            /* The first .hex file stays in u->entry while the scan goes on. */
            u->entry = *entry;
        } else {
            text_str(&names, ", ");
        }
        text_str(&names, entry->name);
    }
    if (status != FAT_END) {
        return fat_failed(u, status, NULL);
    }
    if (count == 0u) {
        return finish(u, OUT_NO_HEX_FILE);
    }
    if (count > 1u) {
        if (names.truncated) {
            memcpy(names_buf + names.len - 3u, "...", 3u);
        }
        return finish(u, OUT_SEVERAL_HEX_FILES, names_buf, configured);
    }
    return true;
}

static bool open_file(usb_update_t *u)
{
    fat_status_t status = fat_file_open(&u->fs, &u->file, &u->entry);
    if (status != FAT_OK) {
        return fat_failed(u, status, u->entry.name);
    }
    say(u, "%s, %u bytes", u->entry.name, u->entry.size);
    return true;
}

/* Every record of both passes: inside the region, and counted into the pass's CRC of what it read. */
static bool accept_record(usb_update_t *u, uint32_t addr, const uint8_t *data, uint32_t len)
{
    const image_check_config_t *check = u->check;
    if (!flash_writer_in_region(u->port->writer, addr, len)) {
        uint32_t end = check->image_addr + check->image_region_size;
        return finish(u, OUT_ADDRESS_OUTSIDE, addr >= check->header_addr && addr < end ? end : addr);
    }
    uint8_t where[4];
    put_le32(where, addr);
    u->records_crc = crc32_update(crc32_update(u->records_crc, where, sizeof where), data, len);
    return true;
}

/* Pass 1 hashes the image as it reads it, so a signed file is verified before anything is erased: the header page
 * (header and signature block) must come before the image, and image records in ascending order, as every tool
 * writes them; the gaps between records are erased flash (0xFF) in the image the signature covers. */
static void digest_erased(usb_update_t *u, uint32_t len)
{
    static const uint8_t erased[16] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    while (len > 0u) {
        uint32_t n = len < sizeof erased ? len : sizeof erased;
        image_digest_update(&u->sha, erased, n);
        len -= n;
    }
}

/* Feeds the image's bytes from u->digest_next up to end (clipped to image_size): erased ones, then data's. */
static void digest_to(usb_update_t *u, uint32_t end, const uint8_t *data)
{
    uint32_t image_end = u->header.image_addr + u->header.image_size;
    uint32_t stop = end < image_end ? end : image_end;
    if (u->digest_next >= stop) {
        return;
    }
    if (data == NULL) {
        digest_erased(u, stop - u->digest_next);
    } else {
        image_digest_update(&u->sha, data, stop - u->digest_next);
    }
    u->digest_next = stop;
}

static void digest_record(usb_update_t *u, uint32_t addr, const uint8_t *data, uint32_t len)
{
    if (!image_policy_signatures(u->port->writer->config->policy)) {
        return;
    }
    if (u->digest == DIGEST_NOT_STARTED) {
        /* The header page must be whole before the first image byte; check_signature names what is wrong with it. */
        u->digest = DIGEST_UNORDERED;
        if ((u->header_seen[0] & u->header_seen[1]) != UINT32_MAX || u->header.image_addr != u->check->image_addr
            || image_signature_parse(u->block, sizeof u->block, &u->signature) != IMAGE_VERIFY_OK) {
            return;
        }
        u->digest = DIGEST_STARTED;
        image_digest_start(&u->sha, &u->header, u->block, &u->signature);
        u->digest_next = u->check->image_addr;
    }
    if (u->digest != DIGEST_STARTED) {
        return;
    }
    if (addr < u->digest_next) {
        u->digest = DIGEST_UNORDERED;
        return;
    }
    digest_to(u, addr, NULL);
    digest_to(u, addr + len, data);
}

/* Pass 1 sink: the header bytes collected, the pages the record touches noted. */
static int check_record(void *ctx, uint32_t addr, const uint8_t *data, uint32_t len)
{
    usb_update_t *u = ctx;
    const flash_writer_t *writer = u->port->writer;
    if (!accept_record(u, addr, data, len)) {
        return 1;
    }
    uint32_t offset = addr - u->check->header_addr;
    if (offset < IMAGE_SIGNATURE_AREA_END) {
        /* The digest has taken the header page already. */
        if (u->digest != DIGEST_NOT_STARTED) {
            u->digest = DIGEST_UNORDERED;
        }
    }
    /* header and block follow each other in usb_update_t: one copy fills both. */
    uint8_t *page = (uint8_t *)&u->header;
    for (uint32_t i = 0; i < len && offset + i < IMAGE_SIGNATURE_AREA_END; i++) {
        page[offset + i] = data[i];
        if (offset + i < IMAGE_HEADER_SIZE) {
            bitset_add(u->header_seen, offset + i);
        }
    }
    if (addr >= u->check->image_addr) {
        digest_record(u, addr, data, len);
    }
    /* A record of at most 255 bytes touches at most two pages: its first and its last. */
    bitset_add(u->touched, (addr - writer->config->flash_base) / PAGE);
    bitset_add(u->touched, (addr + len - 1u - writer->config->flash_base) / PAGE);
    return 0;
}

/* Pass 2 sink: every byte but the image header's. The header is written last, from pass 1's copy, once pass 2 has
 * read the very records pass 1 checked (commit): what the drive serves the second time can neither bring another
 * header nor complete an update on the way, as a header record followed by its image would through the writer's
 * commit on the last image byte. */
static int program_record(void *ctx, uint32_t addr, const uint8_t *data, uint32_t len)
{
    usb_update_t *u = ctx;
    if (!accept_record(u, addr, data, len)) {
        return 1;
    }
    uint32_t header_end = u->check->header_addr + IMAGE_HEADER_SIZE;
    uint32_t skip = addr < header_end ? header_end - addr : 0u;
    if (skip < len && flash_writer_write(u->port->writer, addr + skip, data + skip, len - skip) != FLASH_WRITER_OK) {
        finish(u, OUT_FLASH_ERROR, addr + skip);
        return 1;
    }
    return 0;
}

static bool hex_failed(usb_update_t *u)
{
    if (u->hex.status == HEX_STOPPED) {
        return false; /* the sink said why */
    }
    return finish(u, OUT_HEX_ERROR, u->entry.name, u->hex.line, hex_status_text(u->hex.status));
}

static void report_progress(usb_update_t *u)
{
    /* 32-bit arithmetic: a 64-bit division would pull in 700 bytes of libgcc. */
    uint32_t quarter = u->file.size / 4u;
    uint32_t quarters = quarter == 0u ? 4u : u->file.position / quarter;
    /* A read of USB_UPDATE_READ_SECTORS may pass more than one quarter of a small file: each gets its line. */
    while (u->progress < quarters && u->progress < 3u) {
        u->progress++;
        say(u, "%u%% programmed", u->progress * 25u);
    }
}

static bool stream_file(usb_update_t *u, hex_sink_t sink, bool programming)
{
    fat_file_rewind(&u->file);
    hex_stream_init(&u->hex);
    u->progress = 0u;
    u->records_crc = 0u;
    for (;;) {
        uint32_t len;
        fat_status_t status = fat_file_read(&u->fs, &u->file, u->chunk, USB_UPDATE_READ_SECTORS, &len);
        if (status != FAT_OK) {
            return fat_failed(u, status, u->entry.name);
        }
        if (len == 0u) {
            break;
        }
        if (hex_stream_feed(&u->hex, u->chunk, len, sink, u) != HEX_OK) {
            return hex_failed(u);
        }
        if (programming) {
            report_progress(u);
        }
    }
    return hex_stream_finish(&u->hex) == HEX_OK || hex_failed(u);
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

/* After pass 1, with signatures required: what the header page tells (image_policy_check_header), then the
 * signature over the image pass 1 hashed, then the counter. */
static bool check_signature(usb_update_t *u)
{
    const image_policy_t *policy = u->port->writer->config->policy;
    if (!image_policy_signatures(policy)) {
        return true;
    }
    image_verdict_t verdict = image_policy_check_header(policy, (const uint8_t *)&u->header, u->block);
    if (verdict.kind != IMAGE_VERDICT_OK) {
        return finish(u, OUT_REFUSED, u->entry.name, &verdict);
    }
    if (u->digest != DIGEST_STARTED) {
        return finish(u, OUT_UNORDERED, u->entry.name);
    }
    digest_to(u, UINT32_MAX, NULL);
    const image_trusted_key_t *key = image_trusted_key_find(policy->keys, policy->key_count, u->signature.key_id);
    if (!image_digest_check(&u->sha, key, u->signature.signature)) {
        verdict = (image_verdict_t){ .kind = IMAGE_VERDICT_SIGNATURE, .signature = IMAGE_VERIFY_BAD_SIGNATURE };
        return finish(u, OUT_REFUSED, u->entry.name, &verdict);
    }
    return true;
}

/* After pass 1: the header the file brings against this board and the installed application. */
static bool check_header(usb_update_t *u)
{
    const image_check_config_t *check = u->check;
    const image_header_t *header = &u->header;
    if ((u->header_seen[0] & u->header_seen[1]) != UINT32_MAX) {
        return finish(u, OUT_NO_HEADER, u->entry.name, check->header_addr);
    }
    image_status_t status = image_header_check(check, header, crc32_update(0u, header, IMAGE_HEADER_CRC_SPAN));
    if (status == IMAGE_WRONG_BOARD_ID) {
        return finish(u, OUT_WRONG_BOARD, header->board_id);
    }
    if (status != IMAGE_OK) {
        return finish(u, OUT_BAD_HEADER, u->entry.name, image_status_text(status));
    }
    if (!check_signature(u)) {
        return false;
    }
    image_header_t installed;
    if (image_check(check, u->port->installed, &installed) != IMAGE_OK) {
        return true; /* nothing accepted is installed: any version will do */
    }
    if (memcmp(&installed, header, sizeof installed) == 0) {
        return finish(u, OUT_SAME_IMAGE);
    }
    if (!u->config->allow_downgrade && older(header->fw_version, installed.fw_version)) {
        return finish(u, OUT_DOWNGRADE, header->fw_version, installed.fw_version);
    }
    return true;
}

/* A page of the image that no record writes reads erased in the image the header's CRC was computed over. */
static bool erase_untouched_pages(usb_update_t *u, const image_header_t *header)
{
    flash_writer_t *writer = u->port->writer;
    uint32_t base = writer->config->flash_base;
    uint32_t last = (header->image_addr + header->image_size - 1u - base) / PAGE;
    for (uint32_t page = (header->image_addr - base) / PAGE; page <= last; page++) {
        uint32_t addr = base + page * PAGE;
        if (!bitset_has(u->touched, page) && !image_header_page_erased(writer->flash, addr, PAGE)
            && flash_writer_erase_page(writer, page) != FLASH_WRITER_OK) {
            return finish(u, OUT_FLASH_ERROR, addr);
        }
    }
    return true;
}

/* checked: pass 1's CRC of the records. A drive whose second read differs is caught here, before the header is
 * staged, so nothing of it is committed. A drive that forges the CRC gains nothing: the header committed is still
 * pass 1's, and its image CRC must hold for what is in flash, as it must for a file that never changed. */
static void commit(usb_update_t *u, const image_header_t *header, uint32_t checked)
{
    if (u->records_crc != checked) {
        finish(u, OUT_FILE_CHANGED, u->entry.name);
        return;
    }
    flash_writer_t *writer = u->port->writer;
    flash_writer_status_t status = flash_writer_write(writer, u->check->header_addr, header, IMAGE_HEADER_SIZE);
    if (status == FLASH_WRITER_OK) {
        status = flash_writer_commit(writer);
    }
    if (status == FLASH_WRITER_OK) {
        finish(u, OUT_UPDATED, header->fw_version);
    } else if (status == FLASH_WRITER_IMAGE_REJECTED || status == FLASH_WRITER_REFUSED) {
        finish(u, OUT_IMAGE_REJECTED, &writer->verdict);
    } else {
        finish(u, OUT_FLASH_ERROR, u->check->header_addr);
    }
}

static usb_update_result_t run(usb_update_t *u)
{
    start_line(u);
    u->port->led(u->port, USB_LED_BUSY);
    if (!enumerate(u) || !mount(u) || !choose_file(u) || !open_file(u)) {
        return u->result;
    }
    memset(u->header_seen, 0, sizeof u->header_seen);
    memset(u->touched, 0, sizeof u->touched);
    memset(u->block, 0xFF, sizeof u->block);
    u->digest = DIGEST_NOT_STARTED;
    if (!stream_file(u, check_record, false) || !check_header(u)) {
        return u->result;
    }
    uint32_t checked = u->records_crc;
    say(u, "programming %v", u->header.fw_version);
    u->port->led(u->port, USB_LED_PROGRAMMING);
    if (erase_untouched_pages(u, &u->header) && stream_file(u, program_record, true)) {
        commit(u, &u->header, checked);
    }
    return u->result;
}

usb_update_result_t usb_update_poll(usb_update_t *state, const usb_hcd_t *hcd, const usb_update_config_t *cfg,
                                    const usb_update_port_t *port)
{
    state->hcd = hcd;
    state->config = cfg;
    state->port = port;
    state->check = port->writer->config->policy->check;
    if (!state->powered) {
        hcd->power(hcd->ctx, true);
        state->powered = true;
    }
    if (!hcd->connected(hcd->ctx)) {
        if (state->reported) {
            state->reported = false;
            port->led(port, USB_LED_IDLE);
        }
        return USB_UPDATE_NO_DRIVE;
    }
    if (state->reported) {
        return USB_UPDATE_REPORTED;
    }
    usb_update_result_t result = run(state);
    state->reported = true;
    port->print(port, state->message);
    port->led(port, result == USB_UPDATE_UPDATED      ? USB_LED_SUCCESS
                    : result == USB_UPDATE_SAME_IMAGE ? USB_LED_IDLE
                                                      : USB_LED_FAILURE);
    return result;
}

const char *usb_update_message(const usb_update_t *state)
{
    return state->message[0] != '\0' ? state->message : "usb: no drive";
}
