/* A streaming Intel HEX parser: fed the file in chunks of any size (a sector at a time from the USB drive), it
 * checks every record and hands each data record to a sink with its absolute address. Nothing of the file is
 * kept but the record being read, so files of any size and records in any order cost 260 bytes of RAM.
 *
 * Records: 00 data (0..255 bytes), 01 end of file, 02 extended segment address (base = value << 4),
 * 03 start segment address, 04 extended linear address (base = value << 16), 05 start linear address. 03 and 05
 * are checked and ignored: the application's entry point is its vector table. A data byte's address is
 * base + offset + i in 32 bits: a record whose offset runs past 0xFFFF continues into the next 64 KB, as
 * srec_cat and objcopy mean it, instead of wrapping around inside its segment.
 * Lines end in LF or CR LF; empty lines are allowed; after the end-of-file record only line ends may follow. */
#ifndef HEX_STREAM_H
#define HEX_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define HEX_MAX_DATA 255u

typedef enum {
    HEX_OK = 0,
    HEX_STOPPED,       /* the sink refused a record; the sink knows why */
    HEX_NO_COLON,      /* a line does not start with ':' */
    HEX_BAD_DIGIT,     /* a character inside a record is not a hex digit */
    HEX_BAD_LENGTH,    /* the line ends before or after the byte count says */
    HEX_BAD_CHECKSUM,
    HEX_BAD_TYPE,      /* record type above 05 */
    HEX_BAD_RECORD,    /* 01 with data, 02/04 not 2 data bytes, 03/05 not 4 */
    HEX_AFTER_EOF,     /* something other than line ends after the end-of-file record */
    HEX_NO_EOF,        /* the file ended without an end-of-file record */
} hex_status_t;

/* Receives one data record: len (1..255) bytes for addresses addr.. addr + len - 1. Returns 0 to go on; any
 * other value stops the parser with HEX_STOPPED. */
typedef int (*hex_sink_t)(void *ctx, uint32_t addr, const uint8_t *data, uint32_t len);

typedef struct {
    hex_status_t status;  /* the first error; feeding stops there */
    uint32_t line;        /* 1-based line of the character read last */
    uint32_t base;        /* from the last 02 or 04 record */
    uint16_t digits;      /* hex digits received of the current record */
    uint8_t state;
    uint8_t record[1u + 2u + 1u + HEX_MAX_DATA + 1u]; /* byte count, offset, type, data, checksum */
} hex_stream_t;

void hex_stream_init(hex_stream_t *hex);
/* Parses the next chunk; returns HEX_OK or the first error (hex->line is where). */
hex_status_t hex_stream_feed(hex_stream_t *hex, const uint8_t *data, size_t len, hex_sink_t sink, void *ctx);
/* The file ended: HEX_OK only after a complete end-of-file record. */
hex_status_t hex_stream_finish(hex_stream_t *hex);
/* "bad checksum", "no end-of-file record", ... */
const char *hex_status_text(hex_status_t status);

#endif /* HEX_STREAM_H */
