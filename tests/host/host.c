#include "host.h"

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "device.h"
#include "image_header.h"

#define BLOCK 256u

/* As the chip's main loop: every byte received, then a poll. Time stands still: the bytes of a frame arrive at once. */
void host_send(const uint8_t *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        an3155_receive(&dev.protocol, bytes[i]);
        an3155_poll(&dev.protocol);
    }
}

void host_wait_ms(uint32_t ms)
{
    for (uint32_t i = 0; i < ms; i++) {
        dev.link.now_ms++;
        an3155_poll(&dev.protocol);
    }
}

void host_settle(void)
{
    dev.link.now_ms += AN3155_QUIET_MS;
    an3155_poll(&dev.protocol);
}

size_t host_take_reply(uint8_t *dst, size_t cap)
{
    size_t n = dev.link.tx_len < cap ? dev.link.tx_len : cap;
    memcpy(dst, dev.link.tx, n);
    memmove(dev.link.tx, dev.link.tx + n, dev.link.tx_len - n);
    dev.link.tx_len -= n;
    return n;
}

static void print_bytes(const char *label, const uint8_t *bytes, size_t len)
{
    fprintf(stderr, "    %s:", label);
    for (size_t i = 0; i < len && i < 48u; i++) {
        fprintf(stderr, " %02X", bytes[i]);
    }
    fprintf(stderr, len > 48u ? " ... (%zu bytes)\n" : "\n", len);
}

void host_expect_reply(const char *file, int line, const uint8_t *expected, size_t len)
{
    bool same = dev.link.tx_len == len && (len == 0u || memcmp(dev.link.tx, expected, len) == 0);
    check_true(file, line, "the device's reply", same);
    if (!same) {
        print_bytes("expected", expected, len);
        print_bytes("     got", dev.link.tx, dev.link.tx_len);
    }
    dev.link.tx_len = 0u;
}

/* Takes exactly one byte of reply: true for ACK. */
long host_busy_replies;

/* As stm32flash and stm32boot flash wait for an ACK: BUSY bytes before it are counted and skipped. */
static bool acked(void)
{
    uint8_t reply;
    while (host_take_reply(&reply, 1u) == 1u) {
        if (reply != AN3155_BUSY) {
            return reply == AN3155_ACK;
        }
        host_busy_replies++;
    }
    return false;
}

static bool command(uint8_t cmd)
{
    const uint8_t frame[] = { cmd, (uint8_t)~cmd };
    host_send(frame, sizeof frame);
    return acked();
}

static bool address(uint32_t addr)
{
    uint8_t frame[5] = { (uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8), (uint8_t)addr, 0u };
    frame[4] = frame[0] ^ frame[1] ^ frame[2] ^ frame[3];
    host_send(frame, sizeof frame);
    return acked();
}

bool host_sync(void)
{
    const uint8_t sync = AN3155_SYNC;
    host_send(&sync, 1u);
    return acked();
}

bool host_write(uint32_t addr, const uint8_t *data, size_t len)
{
    if (!command(AN3155_CMD_WRITE_MEMORY) || !address(addr)) {
        return false;
    }
    uint8_t frame[1u + BLOCK + 1u];
    frame[0] = (uint8_t)(len - 1u);
    memcpy(&frame[1], data, len);
    uint8_t x = 0u;
    for (size_t i = 0; i < 1u + len; i++) {
        x ^= frame[i];
    }
    frame[1u + len] = x;
    host_send(frame, len + 2u);
    return acked();
}

bool host_read(uint32_t addr, uint8_t *dst, size_t len)
{
    if (!command(AN3155_CMD_READ_MEMORY) || !address(addr)) {
        return false;
    }
    const uint8_t count[2] = { (uint8_t)(len - 1u), (uint8_t)~(len - 1u) };
    host_send(count, sizeof count);
    return acked() && host_take_reply(dst, len) == len;
}

bool host_erase(const uint16_t *pages, size_t count)
{
    if (!command(AN3155_CMD_EXT_ERASE)) {
        return false;
    }
    uint8_t frame[2u + 2u * 512u + 1u];
    size_t n = 0u;
    frame[n++] = (uint8_t)((count - 1u) >> 8);
    frame[n++] = (uint8_t)(count - 1u);
    for (size_t i = 0; i < count; i++) {
        frame[n++] = (uint8_t)(pages[i] >> 8);
        frame[n++] = (uint8_t)pages[i];
    }
    uint8_t x = 0u;
    for (size_t i = 0; i < n; i++) {
        x ^= frame[i];
    }
    frame[n++] = x;
    host_send(frame, n);
    return acked();
}

bool host_go(uint32_t addr)
{
    return command(AN3155_CMD_GO) && address(addr);
}

bool host_flash_like_stm32flash(const uint8_t *bin, size_t len)
{
    uint16_t pages[512];
    size_t page_count = (len + DEV_PAGE_SIZE - 1u) / DEV_PAGE_SIZE;
    for (size_t i = 0; i < page_count; i++) {
        pages[i] = (uint16_t)(DEV_HEADER_PAGE + i);
    }
    if (!host_erase(pages, page_count)) {
        return false;
    }
    for (size_t offset = 0; offset < len; offset += BLOCK) {
        uint8_t block[BLOCK];
        size_t n = len - offset < BLOCK ? len - offset : BLOCK;
        memcpy(block, bin + offset, n);
        while (n % 4u != 0u) {
            block[n++] = 0xFFu;
        }
        uint8_t back[BLOCK];
        uint32_t addr = DEV_HEADER_ADDR + (uint32_t)offset;
        if (!host_write(addr, block, n) || !host_read(addr, back, n) || memcmp(block, back, n) != 0) {
            return false;
        }
    }
    return true;
}

bool host_flash_header_last(const uint8_t *bin, size_t len)
{
    for (size_t offset = DEV_PAGE_SIZE; offset < len; offset += BLOCK) {
        size_t n = len - offset < BLOCK ? len - offset : BLOCK;
        if (!host_write(DEV_HEADER_ADDR + (uint32_t)offset, bin + offset, n)) {
            return false;
        }
    }
    return host_write(DEV_HEADER_ADDR, bin, IMAGE_HEADER_SIZE);
}

typedef struct {
    uint32_t offset;
    uint32_t len;
} piece_t;

static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

bool host_flash_shuffled(const uint8_t *bin, size_t len, uint32_t seed)
{
    static piece_t pieces[DEV_PAGE_SIZE + 16384u];
    uint32_t state = seed;
    size_t count = 0u;
    for (uint32_t offset = 0; offset < len; count++) {
        uint32_t n = 1u + next_random(&state) % BLOCK;
        n = n < len - offset ? n : (uint32_t)(len - offset);
        pieces[count] = (piece_t){ offset, n };
        offset += n;
    }
    for (size_t i = count - 1u; i > 0u; i--) {
        size_t j = next_random(&state) % (i + 1u);
        piece_t swap = pieces[i];
        pieces[i] = pieces[j];
        pieces[j] = swap;
    }
    for (size_t i = 0; i < count; i++) {
        if (!host_write(DEV_HEADER_ADDR + pieces[i].offset, bin + pieces[i].offset, pieces[i].len)) {
            return false;
        }
    }
    return true;
}
