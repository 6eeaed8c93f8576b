#include "xmodem.h"

#include <string.h>

#include "text.h"

static void queue(xmodem_t *x, uint8_t byte)
{
    if (x->out_len < sizeof x->out) {
        x->out[x->out_len++] = byte;
    }
}

static void enter(xmodem_t *x, xmodem_state_t state, uint32_t now_ms)
{
    x->state = state;
    x->last_ms = now_ms;
}

static xmodem_event_t fail(xmodem_t *x, xmodem_failure_t failure, bool send_cancel)
{
    x->out_len = 0u;
    if (send_cancel) {
        for (uint32_t i = 0; i < XMODEM_CANCEL_COUNT; i++) {
            queue(x, XMODEM_CAN);
        }
    }
    x->failure = failure;
    x->state = XMODEM_STATE_FAILED;
    return XMODEM_FAILED;
}

/* Asks for the expected block (again): 'C' until a block has started, NAK after. */
static xmodem_event_t ask(xmodem_t *x, uint32_t now_ms)
{
    queue(x, x->handshaking ? XMODEM_CRC_REQUEST : XMODEM_NAK);
    enter(x, x->handshaking ? XMODEM_STATE_HANDSHAKE : XMODEM_STATE_WAIT_START, now_ms);
    return XMODEM_RUNNING;
}

/* A bad or cut block, or line noise: counted, and answered once the line is quiet. */
static xmodem_event_t error(xmodem_t *x, uint32_t now_ms)
{
    if (++x->errors >= XMODEM_MAX_ERRORS) {
        return fail(x, XMODEM_FAIL_TOO_MANY_ERRORS, true);
    }
    enter(x, XMODEM_STATE_PURGE, now_ms);
    return XMODEM_RUNNING;
}

/* No byte for a whole timeout: the line is quiet already, so the answer goes out at once. */
static xmodem_event_t timeout(xmodem_t *x, uint32_t now_ms)
{
    if (++x->errors >= XMODEM_MAX_ERRORS) {
        return fail(x, XMODEM_FAIL_TOO_MANY_ERRORS, true);
    }
    return ask(x, now_ms);
}

void xmodem_init(xmodem_t *x, uint32_t now_ms)
{
    memset(x, 0, sizeof *x);
    x->expected = 1u;
    x->handshaking = true;
    x->tries = 1u;
    ask(x, now_ms);
}

static xmodem_event_t block_start(xmodem_t *x, uint8_t byte, uint32_t now_ms)
{
    bool can = byte == XMODEM_CAN;
    bool cancelled = can && x->can_seen;
    x->can_seen = can;
    switch (byte) {
    case XMODEM_SOH:
    case XMODEM_STX:
        x->len = byte == XMODEM_SOH ? XMODEM_BLOCK_SIZE_128 : XMODEM_BLOCK_SIZE_1K;
        x->frame_at = 0u;
        x->eot_seen = false;
        /* The sender has started: from now on a block is asked for again with NAK. */
        x->handshaking = false;
        enter(x, XMODEM_STATE_FRAME, now_ms);
        return XMODEM_RUNNING;
    case XMODEM_EOT:
        if (!x->eot_seen) {
            x->eot_seen = true;
            queue(x, XMODEM_NAK);
            enter(x, x->state, now_ms);
            return XMODEM_RUNNING;
        }
        queue(x, XMODEM_ACK);
        x->state = XMODEM_STATE_DONE;
        return XMODEM_DONE;
    case XMODEM_CAN:
        return cancelled ? fail(x, XMODEM_FAIL_CANCELLED, false) : XMODEM_RUNNING;
    default:
        return error(x, now_ms);
    }
}

/* The whole frame is in: CRC, complement, then the number. */
static xmodem_event_t frame_complete(xmodem_t *x, uint32_t now_ms)
{
    if ((uint8_t)(x->number + x->complement) != 0xFFu || xmodem_crc16(0u, x->data, x->len) != x->crc) {
        return error(x, now_ms);
    }
    if (x->number == (uint8_t)(x->expected - 1u) && x->blocks > 0u) {
        /* The sender missed our ACK and sent the block again: it is stored already. */
        queue(x, XMODEM_ACK);
        enter(x, XMODEM_STATE_WAIT_START, now_ms);
        return XMODEM_RUNNING;
    }
    if (x->number != x->expected) {
        return fail(x, XMODEM_FAIL_OUT_OF_SEQUENCE, true);
    }
    x->state = XMODEM_STATE_DELIVERED;
    return XMODEM_BLOCK;
}

xmodem_event_t xmodem_input(xmodem_t *x, uint8_t byte, uint32_t now_ms)
{
    switch (x->state) {
    case XMODEM_STATE_HANDSHAKE:
    case XMODEM_STATE_WAIT_START:
        return block_start(x, byte, now_ms);
    case XMODEM_STATE_FRAME: {
        size_t at = x->frame_at++;
        x->last_ms = now_ms;
        if (at == 0u) {
            x->number = byte;
        } else if (at == 1u) {
            x->complement = byte;
        } else if (at < 2u + x->len) {
            x->data[at - 2u] = byte;
        } else if (at == 2u + x->len) {
            x->crc = (uint16_t)(byte << 8);
        } else {
            x->crc |= byte;
            return frame_complete(x, now_ms);
        }
        return XMODEM_RUNNING;
    }
    case XMODEM_STATE_PURGE:
        x->last_ms = now_ms;
        return XMODEM_RUNNING;
    case XMODEM_STATE_DELIVERED:
    case XMODEM_STATE_DONE:
        return XMODEM_RUNNING;
    case XMODEM_STATE_FAILED:
    default:
        return XMODEM_FAILED;
    }
}

xmodem_event_t xmodem_poll(xmodem_t *x, uint32_t now_ms)
{
    uint32_t quiet = now_ms - x->last_ms;
    switch (x->state) {
    case XMODEM_STATE_HANDSHAKE:
        if (quiet < XMODEM_HANDSHAKE_INTERVAL_MS) {
            return XMODEM_RUNNING;
        }
        if (x->tries >= XMODEM_HANDSHAKE_TRIES) {
            return fail(x, XMODEM_FAIL_NO_SENDER, true);
        }
        x->tries++;
        return ask(x, now_ms);
    case XMODEM_STATE_WAIT_START:
        return quiet < XMODEM_BLOCK_TIMEOUT_MS ? XMODEM_RUNNING : timeout(x, now_ms);
    case XMODEM_STATE_FRAME:
        return quiet < XMODEM_CHAR_TIMEOUT_MS ? XMODEM_RUNNING : timeout(x, now_ms);
    case XMODEM_STATE_PURGE:
        return quiet < XMODEM_CHAR_TIMEOUT_MS ? XMODEM_RUNNING : ask(x, now_ms);
    case XMODEM_STATE_FAILED:
        return XMODEM_FAILED;
    case XMODEM_STATE_DONE:
        return XMODEM_DONE;
    case XMODEM_STATE_DELIVERED:
    default:
        return XMODEM_RUNNING;
    }
}

void xmodem_accept(xmodem_t *x, uint32_t now_ms)
{
    if (x->state != XMODEM_STATE_DELIVERED) {
        return;
    }
    x->offset += (uint32_t)x->len;
    x->expected++;
    x->blocks++;
    x->errors = 0u;
    queue(x, XMODEM_ACK);
    enter(x, XMODEM_STATE_WAIT_START, now_ms);
}

void xmodem_cancel(xmodem_t *x)
{
    if (x->state != XMODEM_STATE_FAILED) {
        (void)fail(x, XMODEM_FAIL_LOCAL, true);
    }
}

size_t xmodem_take_output(xmodem_t *x, uint8_t *dst, size_t cap)
{
    size_t n = x->out_len < cap ? x->out_len : cap;
    memcpy(dst, x->out, n);
    memmove(x->out, x->out + n, x->out_len - n);
    x->out_len -= n;
    return n;
}

const char *xmodem_failure_text(xmodem_failure_t failure)
{
    return text_pick("none\0no sender\0too many errors\0block out of sequence\0cancelled by the sender\0cancelled\0",
                     failure);
}

uint16_t xmodem_crc16(uint16_t crc, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)(data[i] << 8);
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc & 0x8000u) != 0u ? (uint16_t)(crc << 1 ^ 0x1021u) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}
