/* The application's XMODEM-1K receiver (application/src/xmodem.c) against a scripted sender, in virtual time:
 * the exchanges of the XMODEM/YMODEM protocol reference, and each of its error paths. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "xmodem.h"

static xmodem_t rx;
static uint32_t now;

/* What the receiver sent since the last call, as a string of bytes (NUL-free: none of its bytes is 0). */
static const char *sent(void)
{
    static char buf[sizeof rx.out + 1u];
    size_t n = xmodem_take_output(&rx, (uint8_t *)buf, sizeof buf - 1u);
    buf[n] = '\0';
    return buf;
}

static void fill(uint8_t *data, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++) {
        data[i] = (uint8_t)(seed * 31u + i * 7u);
    }
}

/* A whole frame as a sender puts it on the line; the number of events of each kind comes back. */
typedef struct {
    uint32_t blocks;
    uint32_t done;
    uint32_t failed;
} events_t;

static void count(events_t *events, xmodem_event_t event)
{
    events->blocks += event == XMODEM_BLOCK;
    events->done += event == XMODEM_DONE;
    events->failed += event == XMODEM_FAILED;
}

static events_t send_bytes(const uint8_t *bytes, size_t len)
{
    events_t events = { 0 };
    for (size_t i = 0; i < len; i++) {
        now += 1u;
        count(&events, xmodem_input(&rx, bytes[i], now));
    }
    return events;
}

static size_t frame(uint8_t *out, uint8_t start, uint8_t number, const uint8_t *data, size_t len)
{
    out[0] = start;
    out[1] = number;
    out[2] = (uint8_t)~number;
    memcpy(out + 3, data, len);
    uint16_t crc = xmodem_crc16(0u, data, len);
    out[3 + len] = (uint8_t)(crc >> 8);
    out[4 + len] = (uint8_t)crc;
    return len + 5u;
}

static events_t send_block(uint8_t start, uint8_t number, const uint8_t *data)
{
    uint8_t buf[XMODEM_BLOCK_SIZE_1K + 5u];
    size_t len = start == XMODEM_STX ? XMODEM_BLOCK_SIZE_1K : XMODEM_BLOCK_SIZE_128;
    return send_bytes(buf, frame(buf, start, number, data, len));
}

static events_t send_byte(uint8_t byte)
{
    return send_bytes(&byte, 1u);
}

static events_t wait_ms(uint32_t ms)
{
    events_t events = { 0 };
    for (uint32_t i = 0; i < ms; i++) {
        now += 1u;
        count(&events, xmodem_poll(&rx, now));
    }
    return events;
}

static void start(void)
{
    now = 5000u;
    xmodem_init(&rx, now);
    CHECK_EQ_STR("C", sent());
}

static void test_crc16_check_value(void)
{
    /* The catalogue's check value of CRC-16/XMODEM. */
    CHECK_EQ_U32(0x31C3u, xmodem_crc16(0u, (const uint8_t *)"123456789", 9u));
}

static void test_good_transfer_of_1k_and_128_byte_blocks(void)
{
    static uint8_t one[XMODEM_BLOCK_SIZE_1K];
    static uint8_t two[XMODEM_BLOCK_SIZE_128];
    fill(one, sizeof one, 1u);
    fill(two, sizeof two, 2u);
    start();

    events_t e = send_block(XMODEM_STX, 1u, one);
    CHECK_EQ_U32(1u, e.blocks);
    CHECK_EQ_STR("", sent()); /* no ACK before the caller stored it */
    CHECK_EQ_U32(1024u, rx.len);
    CHECK_EQ_U32(0u, rx.offset);
    CHECK_TRUE(memcmp(rx.data, one, sizeof one) == 0);
    CHECK_EQ_U32(0u, wait_ms(30000u).failed); /* the flash may take its time: no timer runs meanwhile */
    xmodem_accept(&rx, now);
    CHECK_EQ_STR("\x06", sent());

    e = send_block(XMODEM_SOH, 2u, two);
    CHECK_EQ_U32(1u, e.blocks);
    CHECK_EQ_U32(128u, rx.len);
    CHECK_EQ_U32(1024u, rx.offset);
    CHECK_TRUE(memcmp(rx.data, two, sizeof two) == 0);
    xmodem_accept(&rx, now);
    CHECK_EQ_STR("\x06", sent());

    /* EOT NAK EOT ACK. */
    e = send_byte(XMODEM_EOT);
    CHECK_EQ_U32(0u, e.done);
    CHECK_EQ_STR("\x15", sent());
    e = send_byte(XMODEM_EOT);
    CHECK_EQ_U32(1u, e.done);
    CHECK_EQ_STR("\x06", sent());
    CHECK_EQ_U32(2u, rx.blocks);
    CHECK_EQ_U32(1152u, rx.offset); /* bytes accepted in all */
}

static void test_corrupted_block_is_nacked_after_a_quiet_line_and_resent(void)
{
    static uint8_t data[XMODEM_BLOCK_SIZE_1K];
    uint8_t buf[sizeof data + 5u];
    fill(data, sizeof data, 3u);
    start();

    size_t len = frame(buf, XMODEM_STX, 1u, data, sizeof data);
    buf[500] ^= 0x10u; /* a line hit */
    CHECK_EQ_U32(0u, send_bytes(buf, len).blocks);
    CHECK_EQ_U32(0u, wait_ms(XMODEM_CHAR_TIMEOUT_MS - 1u).blocks);
    CHECK_EQ_STR("", sent()); /* the purge: not before the line was quiet for a second */
    wait_ms(1u);
    CHECK_EQ_STR("\x15", sent()); /* the sender has started: NAK, no second handshake */

    CHECK_EQ_U32(1u, send_block(XMODEM_STX, 1u, data).blocks);
    xmodem_accept(&rx, now);
    CHECK_EQ_STR("\x06", sent());

    /* After the first block a bad CRC gets NAK. */
    len = frame(buf, XMODEM_STX, 2u, data, sizeof data);
    buf[len - 1u] ^= 0x01u;
    CHECK_EQ_U32(0u, send_bytes(buf, len).blocks);
    wait_ms(XMODEM_CHAR_TIMEOUT_MS);
    CHECK_EQ_STR("\x15", sent());
    CHECK_EQ_U32(1u, send_block(XMODEM_STX, 2u, data).blocks);
    CHECK_EQ_U32(1024u, rx.offset);
}

static void test_bad_complement_is_nacked(void)
{
    static uint8_t data[XMODEM_BLOCK_SIZE_128];
    uint8_t buf[sizeof data + 5u];
    start();
    size_t len = frame(buf, XMODEM_SOH, 1u, data, sizeof data);
    buf[2] = 0x00u;
    CHECK_EQ_U32(0u, send_bytes(buf, len).blocks);
    wait_ms(XMODEM_CHAR_TIMEOUT_MS);
    CHECK_EQ_STR("\x15", sent());
}

static void test_duplicate_block_is_acked_and_ignored(void)
{
    static uint8_t one[XMODEM_BLOCK_SIZE_1K];
    static uint8_t two[XMODEM_BLOCK_SIZE_1K];
    fill(one, sizeof one, 4u);
    fill(two, sizeof two, 5u);
    start();
    CHECK_EQ_U32(1u, send_block(XMODEM_STX, 1u, one).blocks);
    xmodem_accept(&rx, now);
    CHECK_EQ_STR("\x06", sent());

    /* The ACK was lost: the sender repeats block 1. */
    CHECK_EQ_U32(0u, send_block(XMODEM_STX, 1u, one).blocks);
    CHECK_EQ_STR("\x06", sent());

    CHECK_EQ_U32(1u, send_block(XMODEM_STX, 2u, two).blocks);
    CHECK_EQ_U32(1024u, rx.offset);
    CHECK_TRUE(memcmp(rx.data, two, sizeof two) == 0);
    CHECK_EQ_U32(1u, rx.blocks);
}

static void test_wrong_block_number_cancels(void)
{
    static uint8_t data[XMODEM_BLOCK_SIZE_1K];
    start();
    CHECK_EQ_U32(1u, send_block(XMODEM_STX, 1u, data).blocks);
    xmodem_accept(&rx, now);
    sent();
    events_t e = send_block(XMODEM_STX, 3u, data);
    CHECK_EQ_U32(0u, e.blocks);
    CHECK_EQ_U32(1u, e.failed);
    CHECK_EQ_U32(XMODEM_FAIL_OUT_OF_SEQUENCE, rx.failure);
    CHECK_EQ_STR("\x18\x18\x18\x18\x18", sent());
    CHECK_EQ_STR("block out of sequence", xmodem_failure_text(rx.failure));
}

static void test_first_block_must_be_block_1(void)
{
    static uint8_t data[XMODEM_BLOCK_SIZE_128];
    start();
    /* YMODEM's block 0 (a file name) is no XMODEM block. */
    CHECK_EQ_U32(1u, send_block(XMODEM_SOH, 0u, data).failed);
    CHECK_EQ_U32(XMODEM_FAIL_OUT_OF_SEQUENCE, rx.failure);
}

static void test_handshake_repeats_every_3_s_then_gives_up(void)
{
    start();
    CHECK_EQ_U32(0u, wait_ms(XMODEM_HANDSHAKE_INTERVAL_MS - 1u).failed);
    CHECK_EQ_STR("", sent());
    wait_ms(1u);
    CHECK_EQ_STR("C", sent());
    for (uint32_t i = 2u; i < XMODEM_HANDSHAKE_TRIES; i++) {
        CHECK_EQ_U32(0u, wait_ms(XMODEM_HANDSHAKE_INTERVAL_MS).failed);
        CHECK_EQ_STR("C", sent());
    }
    CHECK_EQ_U32(1u, wait_ms(XMODEM_HANDSHAKE_INTERVAL_MS).failed);
    CHECK_EQ_U32(XMODEM_FAIL_NO_SENDER, rx.failure);
    CHECK_EQ_STR("\x18\x18\x18\x18\x18", sent());
}

static void test_no_block_for_10_s_is_nacked_until_too_many_errors(void)
{
    static uint8_t data[XMODEM_BLOCK_SIZE_1K];
    start();
    CHECK_EQ_U32(1u, send_block(XMODEM_STX, 1u, data).blocks);
    xmodem_accept(&rx, now);
    CHECK_EQ_STR("\x06", sent());
    for (uint32_t i = 1u; i < XMODEM_MAX_ERRORS; i++) {
        wait_ms(XMODEM_BLOCK_TIMEOUT_MS - 1u);
        CHECK_EQ_STR("", sent());
        wait_ms(1u);
        CHECK_EQ_STR("\x15", sent());
    }
    CHECK_EQ_U32(1u, wait_ms(XMODEM_BLOCK_TIMEOUT_MS).failed);
    CHECK_EQ_U32(XMODEM_FAIL_TOO_MANY_ERRORS, rx.failure);
    CHECK_EQ_STR("\x18\x18\x18\x18\x18", sent());
}

static void test_block_cut_short_is_nacked_after_1_s(void)
{
    static uint8_t data[XMODEM_BLOCK_SIZE_1K];
    uint8_t buf[sizeof data + 5u];
    start();
    CHECK_EQ_U32(1u, send_block(XMODEM_STX, 1u, data).blocks);
    xmodem_accept(&rx, now);
    sent();
    size_t len = frame(buf, XMODEM_STX, 2u, data, sizeof data);
    send_bytes(buf, len / 2u);
    wait_ms(XMODEM_CHAR_TIMEOUT_MS - 1u);
    CHECK_EQ_STR("", sent());
    wait_ms(1u);
    CHECK_EQ_STR("\x15", sent());
    CHECK_EQ_U32(1u, send_block(XMODEM_STX, 2u, data).blocks);
}

static void test_noise_is_purged_before_the_nak(void)
{
    static uint8_t data[XMODEM_BLOCK_SIZE_1K];
    start();
    CHECK_EQ_U32(1u, send_block(XMODEM_STX, 1u, data).blocks);
    xmodem_accept(&rx, now);
    sent();
    /* Garbage where a block would start, then more of it within the second: one NAK, after the line is quiet. */
    send_bytes((const uint8_t *)"\x7F\x33", 2u);
    wait_ms(500u);
    send_bytes((const uint8_t *)"\x55", 1u);
    wait_ms(XMODEM_CHAR_TIMEOUT_MS - 1u);
    CHECK_EQ_STR("", sent());
    wait_ms(1u);
    CHECK_EQ_STR("\x15", sent());
    CHECK_EQ_U32(1u, rx.errors);
}

static void test_can_can_from_the_sender_cancels(void)
{
    static uint8_t data[XMODEM_BLOCK_SIZE_1K];
    start();
    /* CAN inside a block is data. */
    memset(data, XMODEM_CAN, sizeof data);
    CHECK_EQ_U32(1u, send_block(XMODEM_STX, 1u, data).blocks);
    xmodem_accept(&rx, now);
    sent();
    events_t e = send_byte(XMODEM_CAN);
    CHECK_EQ_U32(0u, e.failed);
    e = send_byte(XMODEM_CAN);
    CHECK_EQ_U32(1u, e.failed);
    CHECK_EQ_U32(XMODEM_FAIL_CANCELLED, rx.failure);
    CHECK_EQ_STR("", sent());
    CHECK_EQ_STR("cancelled by the sender", xmodem_failure_text(rx.failure));
}

static void test_noise_before_the_first_block_keeps_the_handshake(void)
{
    static uint8_t data[XMODEM_BLOCK_SIZE_128];
    start();
    send_bytes((const uint8_t *)"\r\n", 2u);
    wait_ms(XMODEM_CHAR_TIMEOUT_MS);
    CHECK_EQ_STR("C", sent());
    CHECK_EQ_U32(1u, send_block(XMODEM_SOH, 1u, data).blocks);
}

static void test_single_can_then_a_block_goes_on(void)
{
    static uint8_t data[XMODEM_BLOCK_SIZE_128];
    start();
    CHECK_EQ_U32(0u, send_byte(XMODEM_CAN).failed);
    CHECK_EQ_U32(1u, send_block(XMODEM_SOH, 1u, data).blocks);
}

static void test_caller_cancel_sends_can(void)
{
    static uint8_t data[XMODEM_BLOCK_SIZE_1K];
    start();
    CHECK_EQ_U32(1u, send_block(XMODEM_STX, 1u, data).blocks);
    xmodem_cancel(&rx);
    CHECK_EQ_STR("\x18\x18\x18\x18\x18", sent());
    CHECK_EQ_U32(XMODEM_FAIL_LOCAL, rx.failure);
    CHECK_EQ_U32(XMODEM_FAILED, xmodem_poll(&rx, now));
}

int main(void)
{
    RUN_TEST(test_crc16_check_value);
    RUN_TEST(test_good_transfer_of_1k_and_128_byte_blocks);
    RUN_TEST(test_corrupted_block_is_nacked_after_a_quiet_line_and_resent);
    RUN_TEST(test_bad_complement_is_nacked);
    RUN_TEST(test_duplicate_block_is_acked_and_ignored);
    RUN_TEST(test_wrong_block_number_cancels);
    RUN_TEST(test_first_block_must_be_block_1);
    RUN_TEST(test_handshake_repeats_every_3_s_then_gives_up);
    RUN_TEST(test_no_block_for_10_s_is_nacked_until_too_many_errors);
    RUN_TEST(test_block_cut_short_is_nacked_after_1_s);
    RUN_TEST(test_noise_is_purged_before_the_nak);
    RUN_TEST(test_can_can_from_the_sender_cancels);
    RUN_TEST(test_noise_before_the_first_block_keeps_the_handshake);
    RUN_TEST(test_single_can_then_a_block_goes_on);
    RUN_TEST(test_caller_cancel_sends_can);
    return check_summary();
}
