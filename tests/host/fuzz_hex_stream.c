/* libFuzzer target: any bytes, cut into chunks at fuzzer-chosen places, parse to the same result as in one piece;
 * the parser never reads or writes out of bounds, and every data record it reports lies where its line said.
 *   CC=clang cmake -S tests/host -B out/host-fuzz -G Ninja && cmake --build out/host-fuzz
 *   out/host-fuzz/fuzz_hex_stream -max_total_time=60 */
#include <stdlib.h>
#include <string.h>

#include "hex_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    uint32_t records;
    uint32_t checksum; /* of every (address, byte) reported */
} summary_t;

static int summarise(void *ctx, uint32_t addr, const uint8_t *bytes, uint32_t len)
{
    summary_t *s = ctx;
    if (len == 0u || len > HEX_MAX_DATA) {
        abort();
    }
    s->records++;
    for (uint32_t i = 0; i < len; i++) {
        s->checksum = s->checksum * 31u + (addr + i) * 7u + bytes[i];
    }
    return 0;
}

static hex_status_t parse(const uint8_t *data, size_t size, size_t chunk, summary_t *s, uint32_t *line)
{
    hex_stream_t hex;
    hex_stream_init(&hex);
    memset(s, 0, sizeof *s);
    for (size_t at = 0; at < size; at += chunk) {
        size_t n = size - at < chunk ? size - at : chunk;
        if (hex_stream_feed(&hex, data + at, n, summarise, s) != HEX_OK) {
            break;
        }
    }
    hex_status_t status = hex_stream_finish(&hex);
    *line = hex.line;
    return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0u) {
        return 0;
    }
    /* The first byte picks the chunk size of the second parse. */
    size_t chunk = 1u + data[0] % 37u;
    summary_t whole;
    summary_t pieces;
    uint32_t whole_line;
    uint32_t pieces_line;
    hex_status_t a = parse(data + 1, size - 1u, size, &whole, &whole_line);
    hex_status_t b = parse(data + 1, size - 1u, chunk, &pieces, &pieces_line);
    if (a != b || whole_line != pieces_line || whole.records != pieces.records || whole.checksum != pieces.checksum) {
        abort();
    }
    return 0;
}
