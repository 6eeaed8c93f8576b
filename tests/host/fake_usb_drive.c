#include "fake_usb_drive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EP0_MPS        64u
#define EP_BULK_IN     0x81u
#define EP_BULK_OUT    0x02u
#define CBW_SIZE       31u
#define CSW_SIZE       13u
#define RESET_MS       20u

enum { WAIT_CBW, DATA_STAGE, WAIT_CSW };

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (24 - 8 * i));
    }
}

void fake_drive_init(fake_drive_t *drive, const char *image_path)
{
    memset(drive, 0, sizeof *drive);
    drive->kind = FAKE_MASS_STORAGE;
    drive->block_size = 512u;
    drive->bulk_mps = 64u;
    drive->disconnect_at = -1;
    if (image_path == NULL) {
        drive->disk_size = 1024u * 1024u;
        drive->disk = calloc(1, drive->disk_size);
        return;
    }
    FILE *file = fopen(image_path, "rb");
    if (file == NULL || fseek(file, 0, SEEK_END) != 0) {
        fprintf(stderr, "fake drive: cannot open disk image %s (run the usb_disks fixture first)\n", image_path);
        abort();
    }
    drive->disk_size = (size_t)ftell(file);
    rewind(file);
    drive->disk = malloc(drive->disk_size);
    if (drive->disk == NULL || fread(drive->disk, 1, drive->disk_size, file) != drive->disk_size) {
        fprintf(stderr, "fake drive: cannot read disk image %s\n", image_path);
        abort();
    }
    fclose(file);
}

void fake_drive_free(fake_drive_t *drive)
{
    free(drive->disk);
    drive->disk = NULL;
}

void fake_drive_attach(fake_drive_t *drive)
{
    drive->attached = true;
    drive->address = 0u;
    drive->configuration = 0u;
    drive->transfers = 0;
    drive->phase = WAIT_CBW;
}

void fake_drive_detach(fake_drive_t *drive)
{
    drive->attached = false;
}

/* Every transfer passes here: the drive may be pulled out at exactly this one. */
static bool transfer_begins(fake_drive_t *d)
{
    if (d->attached && d->transfers == d->disconnect_at) {
        d->attached = false;
    }
    d->transfers++;
    return d->attached && d->powered;
}

static bool connected(void *ctx)
{
    fake_drive_t *d = ctx;
    return d->attached && d->powered;
}

static hcd_status_t port_reset(void *ctx, usb_speed_t *speed)
{
    fake_drive_t *d = ctx;
    if (!connected(d)) {
        return HCD_DISCONNECTED;
    }
    d->now_ms += RESET_MS;
    d->port_resets++;
    d->address = 0u;
    d->configuration = 0u;
    d->phase = WAIT_CBW;
    *speed = USB_SPEED_FULL;
    return HCD_OK;
}

static uint32_t blocks(const fake_drive_t *d)
{
    return (uint32_t)(d->disk_size / d->block_size);
}

static size_t device_descriptor(const fake_drive_t *d, uint8_t *out)
{
    const uint8_t desc[18] = {
        18, 0x01, 0x00, 0x02, d->kind == FAKE_HUB ? 0x09 : 0x00, 0x00, 0x00, d->kind == FAKE_BAD_EP0 ? 7 : EP0_MPS,
        0x34, 0x12, 0x78, 0x56, 0x00, 0x01, 0, 0, 0, 1,
    };
    memcpy(out, desc, sizeof desc);
    return sizeof desc;
}

/* The mass-storage interface and its two bulk endpoints of d->bulk_mps bytes. */
static size_t msc_interface(const fake_drive_t *d, uint8_t *out)
{
    static const uint8_t msc[9 + 7 + 7] = {
        9, 0x04, 0, 0, 2, 0x08, 0x06, 0x50, 0,
        7, 0x05, EP_BULK_IN, 0x02, 0, 0, 0,
        7, 0x05, EP_BULK_OUT, 0x02, 0, 0, 0,
    };
    memcpy(out, msc, sizeof msc);
    for (size_t endpoint = 9; endpoint < sizeof msc; endpoint += 7) {
        out[endpoint + 4] = (uint8_t)d->bulk_mps;
        out[endpoint + 5] = (uint8_t)(d->bulk_mps >> 8);
    }
    return sizeof msc;
}

static size_t config_descriptor(const fake_drive_t *d, uint8_t *out)
{
    static const uint8_t config[9] = { 9, 0x02, 0, 0, 1, 1, 0, 0x80, 50 };
    static const uint8_t hid[9 + 9 + 7] = {
        9, 0x04, 0, 0, 1, 0x03, 0x01, 0x01, 0,
        9, 0x21, 0x11, 0x01, 0, 1, 0x22, 63, 0,
        7, 0x05, 0x83, 0x03, 8, 0, 10,
    };
    static const uint8_t hub[9 + 7] = {
        9, 0x04, 0, 0, 1, 0x09, 0x00, 0x00, 0,
        7, 0x05, 0x81, 0x03, 1, 0, 12,
    };
    size_t len = sizeof config;
    memcpy(out, config, len);
    switch (d->kind) {
    case FAKE_MASS_STORAGE:
    case FAKE_SILENT:
    case FAKE_BAD_EP0:
        len += msc_interface(d, out + len);
        break;
    case FAKE_MASS_STORAGE_UFI: {
        size_t msc = msc_interface(d, out + len);
        out[len + 6] = 0x04;
        out[len + 7] = 0x00;
        len += msc;
        break;
    }
    case FAKE_HID_KEYBOARD:
        memcpy(out + len, hid, sizeof hid);
        len += sizeof hid;
        break;
    case FAKE_HUB:
        memcpy(out + len, hub, sizeof hub);
        len += sizeof hub;
        break;
    case FAKE_COMPOSITE: {
        out[4] = 2; /* bNumInterfaces */
        memcpy(out + len, hid, sizeof hid);
        len += sizeof hid;
        size_t msc = msc_interface(d, out + len);
        out[len + 2] = 1; /* bInterfaceNumber */
        len += msc;
        break;
    }
    }
    out[2] = (uint8_t)len;
    out[3] = (uint8_t)(len >> 8);
    return len;
}

static hcd_status_t control(void *ctx, uint8_t addr, uint16_t ep0_mps, usb_speed_t speed, const uint8_t setup[8],
                            uint8_t *data, uint16_t *len)
{
    fake_drive_t *d = ctx;
    if (!transfer_begins(d)) {
        return HCD_DISCONNECTED;
    }
    if (addr != d->address || speed != USB_SPEED_FULL || ep0_mps == 0u || ep0_mps > EP0_MPS
        || d->kind == FAKE_SILENT) {
        return HCD_XACT_ERROR;
    }
    uint8_t type = setup[0];
    uint8_t request = setup[1];
    uint16_t value = (uint16_t)(setup[2] | (setup[3] << 8));
    uint16_t index = (uint16_t)(setup[4] | (setup[5] << 8));
    uint16_t length = (uint16_t)(setup[6] | (setup[7] << 8));
    if (length != *len) {
        fprintf(stderr, "fake drive: wLength %u but a buffer of %u\n", length, *len);
        abort();
    }
    uint8_t reply[256];
    size_t reply_len = 0u;
    bool stall = false;
    if (type == 0x80u && request == 0x06u && (value >> 8) == 0x01u) {
        reply_len = device_descriptor(d, reply);
    } else if (type == 0x80u && request == 0x06u && (value >> 8) == 0x02u) {
        reply_len = config_descriptor(d, reply);
    } else if (type == 0x00u && request == 0x05u) {
        d->address = (uint8_t)value;
    } else if (type == 0x00u && request == 0x09u) {
        d->configuration = (uint8_t)value;
        d->toggle_in = 0u;
        d->toggle_out = 0u;
    } else if (type == 0x02u && request == 0x01u && value == 0u && d->configuration != 0u) {
        /* CLEAR_FEATURE(ENDPOINT_HALT): the data toggle restarts at DATA0 (USB 2.0 9.4.5). */
        if (index == EP_BULK_IN) {
            d->halted_in = false;
            d->toggle_in = 0u;
            d->clear_halts_in++;
        } else if (index == EP_BULK_OUT) {
            d->halted_out = false;
            d->toggle_out = 0u;
            d->clear_halts_out++;
        } else {
            stall = true;
        }
    } else if (type == 0xA1u && request == 0xFEu && d->configuration != 0u) {
        stall = d->max_lun_stalls;
        reply[0] = d->max_lun;
        reply_len = 1u;
    } else if (type == 0x21u && request == 0xFFu && d->configuration != 0u) {
        /* Bulk-Only Mass Storage Reset: ready for a CBW; halts and toggles stay as they are (BOT 3.1). */
        d->phase = WAIT_CBW;
        d->bot_resets++;
    } else {
        stall = true;
    }
    if (stall) {
        return HCD_STALL;
    }
    if (type & 0x80u) {
        *len = (uint16_t)(reply_len < *len ? reply_len : *len);
        memcpy(data, reply, *len);
    } else {
        *len = 0u;
    }
    d->now_ms += 1u;
    return HCD_OK;
}

static void fail_command(fake_drive_t *d, uint8_t key, uint8_t asc, uint8_t ascq)
{
    d->csw_status = 1u;
    d->data_len = 0u;
    d->sense[0] = key;
    d->sense[1] = asc;
    d->sense[2] = ascq;
}

static bool take(uint8_t opcode, uint8_t knob, uint32_t *count)
{
    if (knob == opcode && *count > 0u) {
        --*count;
        return true;
    }
    return false;
}

static void execute(fake_drive_t *d, const uint8_t *cbw)
{
    const uint8_t *cdb = cbw + 15;
    d->tag = le32(cbw + 4);
    d->expected = le32(cbw + 8);
    d->opcode = cdb[0];
    d->luns_used |= 1u << (cbw[13] & 0x0Fu);
    d->commands[cdb[0]]++;
    d->csw_status = 0u;
    d->csw_bad_tag = take(cdb[0], d->bad_csw_opcode, &d->bad_csw_count);
    d->data_len = 0u;
    memset(d->data, 0, sizeof d->data);
    if (take(cdb[0], d->fail_opcode, &d->fail_count)) {
        fail_command(d, 0x03u, 0x11u, 0x00u);
    } else {
        switch (cdb[0]) {
        case 0x12: { /* INQUIRY */
            static const uint8_t inquiry[36] = {
                0x00, 0x80, 0x04, 0x02, 31, 0, 0, 0,
                'F', 'A', 'K', 'E', ' ', ' ', ' ', ' ',
                'U', 'S', 'B', ' ', 'D', 'R', 'I', 'V', 'E', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
                '1', '.', '0', '0',
            };
            memcpy(d->data, inquiry, sizeof inquiry);
            d->data_len = sizeof inquiry;
            break;
        }
        case 0x00: /* TEST UNIT READY */
            if (d->not_ready_count > 0u) {
                d->not_ready_count--;
                fail_command(d, 0x02u, 0x04u, 0x01u);
            }
            break;
        case 0x03: /* REQUEST SENSE */
            d->data[0] = 0x70u;
            d->data[2] = d->sense[0];
            d->data[7] = 10u;
            d->data[12] = d->sense[1];
            d->data[13] = d->sense[2];
            d->data_len = 18u;
            memset(d->sense, 0, sizeof d->sense);
            break;
        case 0x25: /* READ CAPACITY(10) */
            put_be32(d->data, d->capacity_overflows ? UINT32_MAX : blocks(d) - 1u);
            put_be32(d->data + 4, d->block_size);
            d->data_len = 8u;
            break;
        case 0x28: { /* READ(10) */
            uint32_t lba = be32(cdb + 2);
            uint32_t count = (uint32_t)((cdb[7] << 8) | cdb[8]);
            if (count * d->block_size > sizeof d->data || lba >= blocks(d) || count > blocks(d) - lba) {
                fail_command(d, 0x05u, 0x21u, 0x00u);
                break;
            }
            memcpy(d->data, d->disk + (size_t)lba * d->block_size, count * d->block_size);
            if (d->change_lba >= lba && d->change_lba - lba < count
                && ++d->change_lba_reads >= d->change_on_read && d->change_on_read != 0u) {
                memcpy(d->data + (d->change_lba - lba) * d->block_size, d->change_data, d->block_size);
            }
            d->data_len = count * d->block_size;
            if (count > d->max_blocks_per_read) {
                d->max_blocks_per_read = count;
            }
            break;
        }
        default:
            fail_command(d, 0x05u, 0x20u, 0x00u);
            break;
        }
    }
    if (take(cdb[0], d->phase_error_opcode, &d->phase_error_count)) {
        d->csw_status = 2u;
    }
    if (d->data_len > d->expected) {
        d->data_len = d->expected;
    }
    bool cut = cdb[0] == 0x28u && d->short_read_bytes != 0u && d->data_len > d->short_read_bytes
               && take(cdb[0], 0x28u, &d->short_read_count);
    if (cut) {
        d->data_len = d->short_read_bytes;
    }
    d->residue = d->expected - d->data_len;
    if (cut && d->short_read_hides_residue) {
        d->residue = 0u;
    }
    if (cdb[0] == 0x28u) {
        d->residue += d->residue_excess;
    }
    d->phase = d->expected > 0u ? DATA_STAGE : WAIT_CSW;
}

static hcd_status_t bulk(void *ctx, uint8_t addr, uint8_t ep, uint16_t mps, uint8_t *toggle, uint8_t *data,
                         uint32_t len, uint32_t *actual, uint32_t timeout_ms)
{
    fake_drive_t *d = ctx;
    *actual = 0u;
    if (!transfer_begins(d)) {
        return HCD_DISCONNECTED;
    }
    bool in = ep == EP_BULK_IN;
    if (addr != d->address || d->configuration == 0u || (!in && ep != EP_BULK_OUT) || mps != d->bulk_mps) {
        return HCD_XACT_ERROR;
    }
    if (d->nak_ms > 0u) {
        if (d->nak_ms > timeout_ms) {
            d->now_ms += timeout_ms;
            return HCD_NAK_TIMEOUT;
        }
        d->now_ms += d->nak_ms;
    }
    if (in ? d->halted_in : d->halted_out) {
        return HCD_STALL;
    }
    uint8_t *device_toggle = in ? &d->toggle_in : &d->toggle_out;
    if (*toggle != *device_toggle) {
        d->toggle_errors++;
        return HCD_TOGGLE_ERROR;
    }

    uint32_t moved = 0u;
    if (!in) {
        if (d->phase != WAIT_CBW || len != CBW_SIZE || le32(data) != 0x43425355u) {
            /* BOT 6.6.1: a CBW that is not valid halts both endpoints until reset recovery. */
            d->protocol_errors++;
            d->halted_in = true;
            d->halted_out = true;
            return HCD_STALL;
        }
        execute(d, data);
        moved = len;
    } else if (d->phase == DATA_STAGE) {
        if (len != d->expected) {
            d->protocol_errors++;
        }
        if (take(d->opcode, d->stall_opcode, &d->stall_count)) {
            d->halted_in = true;
            d->residue = d->expected;
            fail_command(d, 0x03u, 0x11u, 0x00u);
            d->phase = WAIT_CSW;
            return HCD_STALL;
        }
        moved = d->data_len < len ? d->data_len : len;
        memcpy(data, d->data, moved);
        d->phase = WAIT_CSW;
    } else if (d->phase == WAIT_CSW) {
        if (len < CSW_SIZE) {
            return HCD_BABBLE;
        }
        put_le32(data, 0x53425355u);
        put_le32(data + 4, d->csw_bad_tag ? d->tag ^ 0x5A5Au : d->tag);
        put_le32(data + 8, d->residue);
        data[12] = d->csw_status;
        moved = CSW_SIZE;
        d->phase = WAIT_CBW;
    } else {
        /* Nothing to send: the drive NAKs until the host gives up. */
        d->protocol_errors++;
        d->now_ms += timeout_ms;
        return HCD_NAK_TIMEOUT;
    }
    uint32_t packets = moved == 0u ? 1u : (moved + mps - 1u) / mps;
    if (moved != 0u && moved < len && moved % mps == 0u) {
        packets++; /* a zero-length packet ends a short transfer */
    }
    *device_toggle ^= (uint8_t)(packets & 1u);
    *toggle = *device_toggle;
    *actual = moved;
    d->now_ms += 1u;
    return HCD_OK;
}

static uint32_t millis(void *ctx)
{
    return ((fake_drive_t *)ctx)->now_ms;
}

static void delay_ms(void *ctx, uint32_t ms)
{
    ((fake_drive_t *)ctx)->now_ms += ms;
}

static void power(void *ctx, bool on)
{
    ((fake_drive_t *)ctx)->powered = on;
}

usb_hcd_t fake_drive_hcd(fake_drive_t *drive)
{
    return (usb_hcd_t){
        .ctx = drive,
        .connected = connected,
        .port_reset = port_reset,
        .control = control,
        .bulk = bulk,
        .millis = millis,
        .delay_ms = delay_ms,
        .power = power,
    };
}
