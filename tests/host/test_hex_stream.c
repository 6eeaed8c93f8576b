/* The streaming Intel HEX parser: srec_cat's files of 16-, 32- and 255-byte records and a shuffled one give the
 * stamped image byte for byte, whatever the chunks; every error with its line; 02/04 addressing without
 * 16-bit wrap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture_files.h"
#include "hex_stream.h"

#define MEMORY_BASE 0x08020000u
#define MEMORY_SIZE 0x8000u

/* What the sink received: a window of memory plus every record's address and length. */
typedef struct {
    uint8_t memory[MEMORY_SIZE];
    uint32_t records;
    uint32_t outside;          /* records not inside the window */
    uint32_t last_addr;
    uint32_t last_len;
    uint32_t stop_after;       /* the sink refuses record number stop_after (0: never) */
} sink_t;

static sink_t sink;

static int collect(void *ctx, uint32_t addr, const uint8_t *data, uint32_t len)
{
    sink_t *s = ctx;
    s->records++;
    s->last_addr = addr;
    s->last_len = len;
    if (s->stop_after != 0u && s->records == s->stop_after) {
        return 1;
    }
    if (addr < MEMORY_BASE || addr - MEMORY_BASE > MEMORY_SIZE || len > MEMORY_SIZE - (addr - MEMORY_BASE)) {
        s->outside++;
        return 0;
    }
    memcpy(s->memory + (addr - MEMORY_BASE), data, len);
    return 0;
}

static void reset_sink(void)
{
    memset(&sink, 0, sizeof sink);
    memset(sink.memory, 0xFF, sizeof sink.memory);
}

/* Feeds text in chunks of the given size (0: all at once) and finishes. */
static hex_status_t parse(hex_stream_t *hex, const char *text, size_t len, size_t chunk)
{
    hex_stream_init(hex);
    size_t at = 0u;
    while (at < len) {
        size_t n = chunk == 0u || chunk > len - at ? len - at : chunk;
        hex_status_t status = hex_stream_feed(hex, (const uint8_t *)text + at, n, collect, &sink);
        if (status != HEX_OK) {
            return status;
        }
        at += n;
    }
    return hex_stream_finish(hex);
}

static hex_status_t parse_text(hex_stream_t *hex, const char *text)
{
    reset_sink();
    return parse(hex, text, strlen(text), 0u);
}

static void check_image(const char *app)
{
    char name[64];
    size_t header_len;
    size_t image_len;
    strcpy(name, app);
    strcat(name, ".hdr");
    uint8_t *header = fixture_read(name, &header_len);
    strcpy(name, app);
    strcat(name, ".img.bin");
    uint8_t *image = fixture_read(name, &image_len);
    CHECK_TRUE(memcmp(sink.memory, header, header_len) == 0);
    CHECK_TRUE(memcmp(sink.memory + 0x800u, image, image_len) == 0);
    /* Between the header and the image nothing was written. */
    for (uint32_t i = (uint32_t)header_len; i < 0x800u; i++) {
        CHECK_EQ_U32(0xFF, sink.memory[i]);
    }
    CHECK_EQ_U32(0, sink.outside);
    free(header);
    free(image);
}

static void srec_cat_files_in_any_chunks(void)
{
    static const struct {
        const char *hex;
        const char *app;
    } files[] = {
        { "app16.hex", "app16" }, { "app32.hex", "app32" }, { "app255.hex", "app255" },
        { "app_shuffled.hex", "app16" },
    };
    static const size_t chunks[] = { 0u, 1u, 7u, 13u, 512u };
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t len;
        char *text = (char *)fixture_read(files[f].hex, &len);
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            hex_stream_t hex;
            reset_sink();
            CHECK_EQ_STR(hex_status_text(HEX_OK), hex_status_text(parse(&hex, text, len, chunks[c])));
            check_image(files[f].app);
        }
        free(text);
    }
}

static void record_lengths_up_to_255(void)
{
    /* srec_cat's 255-byte blocks are cut at its own limits: the longest record it wrote is checked here. */
    size_t len;
    char *text = (char *)fixture_read("app255.hex", &len);
    uint32_t longest = 0u;
    for (char *line = text; line < text + len; line = strchr(line, '\n') + 1) {
        char count[3] = { line[1], line[2], '\0' };
        uint32_t n = (uint32_t)strtoul(count, NULL, 16);
        longest = n > longest ? n : longest;
    }
    free(text);
    CHECK_TRUE(longest > 200u);

    /* A hand-made record of 255 bytes: 0x00..0xFE at offset 0x0100. */
    static char record[1 + 2 * (5 + 255) + 2];
    uint8_t bytes[5 + 255] = { 255, 0x01, 0x00, 0x00 };
    uint8_t sum = (uint8_t)(255u + 0x01u);
    for (uint32_t i = 0; i < 255u; i++) {
        bytes[4 + i] = (uint8_t)i;
        sum = (uint8_t)(sum + i);
    }
    bytes[259] = (uint8_t)-sum;
    record[0] = ':';
    for (uint32_t i = 0; i < sizeof bytes; i++) {
        static const char digits[] = "0123456789ABCDEF";
        record[1 + 2 * i] = digits[bytes[i] >> 4];
        record[2 + 2 * i] = digits[bytes[i] & 15];
    }
    record[sizeof record - 2] = '\n';
    char text2[sizeof record + 32];
    snprintf(text2, sizeof text2, ":020000040802F0\n%s:00000001FF\n", record);
    hex_stream_t hex;
    CHECK_EQ_U32(HEX_OK, parse_text(&hex, text2));
    CHECK_EQ_U32(1, sink.records);
    CHECK_EQ_U32(0x08020100, sink.last_addr);
    CHECK_EQ_U32(255, sink.last_len);
    CHECK_EQ_U32(0xFE, sink.memory[0x100 + 254]);
}

static void linear_address_does_not_wrap_at_64k(void)
{
    hex_stream_t hex;
    /* Base 0x08010000, offset 0xFFF8, 16 bytes: the record covers 0x0801FFF8..0x08020007. */
    CHECK_EQ_U32(HEX_OK, parse_text(&hex, ":020000040801F1\n"
                                          ":10FFF800000102030405060708090A0B0C0D0E0F81\n"
                                          ":00000001FF\n"));
    CHECK_EQ_U32(0x0801FFF8, sink.last_addr);
    CHECK_EQ_U32(16, sink.last_len);
    CHECK_EQ_U32(HEX_OK, parse_text(&hex, ":020000040802F0\n:040000001122334452\n:00000001FF\n"));
    CHECK_EQ_U32(0x08020000, sink.last_addr);
    CHECK_EQ_U32(0x11, sink.memory[0]);
}

static void segment_address_is_value_times_16(void)
{
    hex_stream_t hex;
    /* Segment 0x8000: base 0x80000; offset 0xFFF0 + 16 bytes runs on to 0x8FFFF. */
    CHECK_EQ_U32(HEX_OK, parse_text(&hex, ":0200000280007C\n"
                                          ":10FFF000000102030405060708090A0B0C0D0E0F89\n"
                                          ":00000001FF\n"));
    CHECK_EQ_U32(0x0008FFF0, sink.last_addr);
    CHECK_EQ_U32(16, sink.last_len);
    /* A later 04 record replaces the segment base. */
    CHECK_EQ_U32(HEX_OK, parse_text(&hex, ":020000021000EC\n:020000040802F0\n:01001000559A\n:00000001FF\n"));
    CHECK_EQ_U32(0x08020010, sink.last_addr);
    CHECK_EQ_U32(0x55, sink.memory[0x10]);
}

static void start_address_records_are_checked_and_ignored(void)
{
    hex_stream_t hex;
    CHECK_EQ_U32(HEX_OK, parse_text(&hex, ":0400000508020901E3\n:0400000300001000E9\n:00000001FF\n"));
    CHECK_EQ_U32(0, sink.records);
    CHECK_EQ_U32(HEX_BAD_RECORD, parse_text(&hex, ":03000005080209E5\n:00000001FF\n"));
    CHECK_EQ_U32(1, hex.line);
    CHECK_EQ_U32(HEX_BAD_RECORD, parse_text(&hex, ":0100000408F3\n:00000001FF\n"));
    CHECK_EQ_U32(HEX_BAD_RECORD, parse_text(&hex, ":0100000100FE\n"));
}

static void errors_name_their_line(void)
{
    static const struct {
        const char *text;
        hex_status_t status;
        uint32_t line;
    } cases[] = {
        { ":020000040802F0\n:10000000000102030405060708090A0B0C0D0E0F79\n", HEX_BAD_CHECKSUM, 2 },
        { ":020000040802F0\r\n\r\n:100000000001020304050607" "08090A0B0C0D0E0F78\r\n"
          "X00000001FF\r\n", HEX_NO_COLON, 4 },
        { ":0200000408G2F0\n", HEX_BAD_DIGIT, 1 },
        { ":02000004080\n", HEX_BAD_LENGTH, 1 },
        { ":020000040802F000\n", HEX_BAD_LENGTH, 1 },
        { ":020000040802F0 \n", HEX_BAD_LENGTH, 1 },
        { ":00000006FA\n", HEX_BAD_TYPE, 1 },
        { ":00000001FF\n\n:00000001FF\n", HEX_AFTER_EOF, 3 },
        { ":020000040802F0\n", HEX_NO_EOF, 2 },
        { "", HEX_NO_EOF, 1 },
        { ":020000040802F0\n:1000", HEX_BAD_LENGTH, 2 },
        { " :00000001FF\n", HEX_NO_COLON, 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hex_stream_t hex;
        hex_status_t status = parse_text(&hex, cases[i].text);
        check_eq_named(__FILE__, __LINE__, cases[i].text, cases[i].status, hex_status_text(cases[i].status), status,
                       hex_status_text(status));
        CHECK_EQ_U32(cases[i].line, hex.line);
    }
}

static void blank_lines_lower_case_and_missing_last_newline_are_fine(void)
{
    hex_stream_t hex;
    CHECK_EQ_U32(HEX_OK, parse_text(&hex, "\n\r\n:020000040802f0\n:0400000011223344" "52\n\n:00000001FF"));
    CHECK_EQ_U32(0x44, sink.memory[3]);
    CHECK_EQ_U32(HEX_OK, parse_text(&hex, ":00000001FF\r\n\r\n\n"));
}

static void a_refusing_sink_stops_the_parser(void)
{
    hex_stream_t hex;
    reset_sink();
    sink.stop_after = 2u;
    const char *text = ":020000040802F0\n:0100000011EE\n:0100010022DC\n:0100020033CA\n:00000001FF\n";
    hex_stream_init(&hex);
    CHECK_EQ_U32(HEX_STOPPED, hex_stream_feed(&hex, (const uint8_t *)text, strlen(text), collect, &sink));
    CHECK_EQ_U32(3, hex.line);
    CHECK_EQ_U32(2, sink.records);
    /* Nothing more is parsed. */
    CHECK_EQ_U32(HEX_STOPPED, hex_stream_feed(&hex, (const uint8_t *)text, strlen(text), collect, &sink));
    CHECK_EQ_U32(HEX_STOPPED, hex_stream_finish(&hex));
    CHECK_EQ_U32(2, sink.records);
}

static void empty_data_records_reach_no_sink(void)
{
    hex_stream_t hex;
    CHECK_EQ_U32(HEX_OK, parse_text(&hex, ":00000000" "00\n:00000001FF\n"));
    CHECK_EQ_U32(0, sink.records);
}

/* The texts follow hex_status_t in order (packed, text_pick): each status must name itself. */
static void status_texts(void)
{
    CHECK_EQ_STR("ok", hex_status_text(HEX_OK));
    CHECK_EQ_STR("stopped", hex_status_text(HEX_STOPPED));
    CHECK_EQ_STR("no ':' at line start", hex_status_text(HEX_NO_COLON));
    CHECK_EQ_STR("not a hex digit", hex_status_text(HEX_BAD_DIGIT));
    CHECK_EQ_STR("wrong line length", hex_status_text(HEX_BAD_LENGTH));
    CHECK_EQ_STR("bad checksum", hex_status_text(HEX_BAD_CHECKSUM));
    CHECK_EQ_STR("unknown record type", hex_status_text(HEX_BAD_TYPE));
    CHECK_EQ_STR("bad record length", hex_status_text(HEX_BAD_RECORD));
    CHECK_EQ_STR("data after end of file", hex_status_text(HEX_AFTER_EOF));
    CHECK_EQ_STR("no end-of-file record", hex_status_text(HEX_NO_EOF));
    CHECK_EQ_STR("?", hex_status_text((hex_status_t)(HEX_NO_EOF + 1)));
}

int main(int argc, char **argv)
{
    fixture_files_init(argc, argv);
    RUN_TEST(srec_cat_files_in_any_chunks);
    RUN_TEST(record_lengths_up_to_255);
    RUN_TEST(linear_address_does_not_wrap_at_64k);
    RUN_TEST(segment_address_is_value_times_16);
    RUN_TEST(start_address_records_are_checked_and_ignored);
    RUN_TEST(errors_name_their_line);
    RUN_TEST(blank_lines_lower_case_and_missing_last_newline_are_fine);
    RUN_TEST(a_refusing_sink_stops_the_parser);
    RUN_TEST(empty_data_records_reach_no_sink);
    RUN_TEST(status_texts);
    return check_summary();
}
