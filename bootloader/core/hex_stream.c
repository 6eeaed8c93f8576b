#include "hex_stream.h"

#include "byte_order.h"
#include "text.h"

enum {
    STATE_LINE_START,
    STATE_RECORD,
    STATE_AFTER_CHECKSUM,  /* only the line end may follow */
    STATE_AFTER_EOF,     /* only line ends may follow */
};

#define HEX_TYPE_DATA           0x00u
#define HEX_TYPE_EOF            0x01u
#define HEX_TYPE_SEGMENT_BASE   0x02u
#define HEX_TYPE_START_SEGMENT  0x03u
#define HEX_TYPE_LINEAR_BASE    0x04u
#define HEX_TYPE_START_LINEAR   0x05u

/* Byte count, two offset bytes, type and checksum around the data. */
#define HEX_RECORD_OVERHEAD 5u

void hex_stream_init(hex_stream_t *hex)
{
    hex->status = HEX_OK;
    hex->line = 1u;
    hex->base = 0u;
    hex->digits = 0u;
    hex->state = STATE_LINE_START;
}

static int hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20u; /* lower case */
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

static hex_status_t complete_record(hex_stream_t *hex, hex_sink_t sink, void *ctx)
{
    const uint8_t *r = hex->record;
    uint32_t count = r[0];
    uint8_t sum = 0u;
    for (uint32_t i = 0; i < count + HEX_RECORD_OVERHEAD; i++) {
        sum = (uint8_t)(sum + r[i]);
    }
    if (sum != 0u) {
        return HEX_BAD_CHECKSUM;
    }
    const uint8_t *data = r + 4;
    uint32_t value = be16(data);
    switch (r[3]) {
    case HEX_TYPE_DATA:
        if (count != 0u && sink(ctx, hex->base + be16(r + 1), data, count) != 0) {
            return HEX_STOPPED;
        }
        return HEX_OK;
    case HEX_TYPE_EOF:
        hex->state = STATE_AFTER_EOF;
        return count == 0u ? HEX_OK : HEX_BAD_RECORD;
    case HEX_TYPE_SEGMENT_BASE:
    case HEX_TYPE_LINEAR_BASE:
        hex->base = value << (r[3] == HEX_TYPE_SEGMENT_BASE ? 4 : 16);
        return count == 2u ? HEX_OK : HEX_BAD_RECORD;
    case HEX_TYPE_START_SEGMENT:
    case HEX_TYPE_START_LINEAR:
        return count == 4u ? HEX_OK : HEX_BAD_RECORD;
    default:
        return HEX_BAD_TYPE;
    }
}

/* The digits of a record, most of a file, from *at up to end or the record's last digit, in a loop of their own
 * rather than a character at a time through step: two digits shift through a byte (after the second, the first
 * one's nibble is all that is left above). A character that is not a digit ends it with the error step would give
 * it at that place. */
static hex_status_t record_digits(hex_stream_t *hex, const uint8_t **at, const uint8_t *end, hex_sink_t sink, void *ctx)
{
    const uint8_t *p = *at;
    uint8_t *record = hex->record;
    uint32_t digits = hex->digits;
    hex_status_t status = HEX_OK;
    do {
        uint8_t c = *p++;
        int value = hex_digit(c);
        if (value < 0) {
            status = c == '\r' || c == '\n' ? HEX_BAD_LENGTH : HEX_BAD_DIGIT;
            break;
        }
        record[digits / 2u] = (uint8_t)((record[digits / 2u] << 4) | value);
        digits++;
        if (digits == 2u * (record[0] + HEX_RECORD_OVERHEAD)) {
            hex->state = STATE_AFTER_CHECKSUM;
            status = complete_record(hex, sink, ctx);
            break;
        }
    } while (p != end);
    hex->digits = (uint16_t)digits;
    *at = p;
    return status;
}

/* One character outside a record's digits. */
static hex_status_t step(hex_stream_t *hex, uint8_t c)
{
    switch (hex->state) {
    case STATE_AFTER_CHECKSUM:
        if (c == '\r') {
            return HEX_OK;
        }
        if (c == '\n') {
            hex->state = STATE_LINE_START;
            hex->line++;
            return HEX_OK;
        }
        return HEX_BAD_LENGTH;
    default: /* at a line start, before or after the end-of-file record */
        if (c == '\r') {
            return HEX_OK;
        }
        if (c == '\n') {
            hex->line++;
            return HEX_OK;
        }
        if (hex->state == STATE_AFTER_EOF) {
            return HEX_AFTER_EOF;
        }
        if (c != ':') {
            return HEX_NO_COLON;
        }
        hex->digits = 0u;
        hex->state = STATE_RECORD;
        return HEX_OK;
    }
}

hex_status_t hex_stream_feed(hex_stream_t *hex, const uint8_t *data, size_t len, hex_sink_t sink, void *ctx)
{
    const uint8_t *end = data + len;
    while (data != end && hex->status == HEX_OK) {
        hex->status = hex->state == STATE_RECORD ? record_digits(hex, &data, end, sink, ctx)
                                                 : step(hex, *data++);
    }
    return hex->status;
}

hex_status_t hex_stream_finish(hex_stream_t *hex)
{
    if (hex->status == HEX_OK && hex->state != STATE_AFTER_EOF) {
        hex->status = hex->state == STATE_RECORD ? HEX_BAD_LENGTH : HEX_NO_EOF;
    }
    return hex->status;
}

const char *hex_status_text(hex_status_t status)
{
    return text_pick("ok\0stopped\0no ':' at line start\0not a hex digit\0wrong line length\0bad checksum\0"
                     "unknown record type\0bad record length\0data after end of file\0no end-of-file record\0",
                     status);
}
