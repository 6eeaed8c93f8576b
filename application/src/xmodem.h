/* An XMODEM receiver, CRC-16 mode with 1 KB blocks (XMODEM-1K), as Chuck Forsberg's "XMODEM/YMODEM PROTOCOL
 * REFERENCE" (10-14-88; Ward Christensen's XMODEM and Forsberg's CRC and 1k extensions) describes it. Portable C:
 * a state machine fed one received byte at a time and the time, with no I/O of its own. The caller sends what
 * xmodem_take_output() hands out, feeds every received byte to xmodem_input() and calls xmodem_poll() regularly
 * for the timeouts; an XMODEM_BLOCK event hands over one block, which is acknowledged only once the caller has
 * stored it (xmodem_accept), so the sender waits while it is written to flash.
 *
 * The protocol as received here:
 * - Handshake: the receiver sends 'C' (asks for CRC-16) and again every XMODEM_HANDSHAKE_INTERVAL_MS (the
 *   reference's figures: "times out after 3 seconds") until a block starts; no checksum fallback. No sender after
 *   XMODEM_HANDSHAKE_TRIES: failed (XMODEM_FAIL_NO_SENDER). Once a block has started, NAK asks for a block again.
 * - Blocks: SOH (128 data bytes) or STX (1024 data bytes), block number, its complement, data, CRC-16 high byte
 *   first (CRC-16/XMODEM: polynomial 0x1021, initial 0). Block numbers start at 1 and count modulo 256; the data
 *   of block k follows that of block k-1 (xmodem_t.offset).
 * - A bad block (complement, CRC), a byte that starts no block, or a block cut short (no byte for
 *   XMODEM_CHAR_TIMEOUT_MS): the receiver waits until the line has been quiet for XMODEM_CHAR_TIMEOUT_MS, then
 *   NAKs (the reference: purge before NAK, so the NAK does not land in the middle of the rest of a block).
 *   No block start for XMODEM_BLOCK_TIMEOUT_MS (10 s) after an ACK or NAK: NAK again.
 *   XMODEM_MAX_ERRORS of these in a row for one block: cancelled (XMODEM_FAIL_TOO_MANY_ERRORS).
 * - The previous block again (its ACK was lost): ACKed and not handed over again. Any other unexpected block
 *   number: the sender and receiver are out of step, the transfer is cancelled (XMODEM_FAIL_OUT_OF_SEQUENCE).
 * - EOT: NAKed once, ACKed when it comes again (the reference's "EOT NAK EOT ACK": a line hit that looks like EOT
 *   cannot end a transfer), then XMODEM_DONE.
 * - CAN CAN (two in a row where a block would start): cancelled by the sender (XMODEM_FAIL_CANCELLED). The receiver
 *   cancels with XMODEM_CANCEL_COUNT CAN bytes. */
#ifndef XMODEM_H
#define XMODEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XMODEM_SOH 0x01u
#define XMODEM_STX 0x02u
#define XMODEM_EOT 0x04u
#define XMODEM_ACK 0x06u
#define XMODEM_NAK 0x15u
#define XMODEM_CAN 0x18u
#define XMODEM_CRC_REQUEST 0x43u /* 'C' */

#define XMODEM_BLOCK_SIZE_128   128u
#define XMODEM_BLOCK_SIZE_1K    1024u

#define XMODEM_HANDSHAKE_INTERVAL_MS 3000u
/* A minute of 'C's: time for a person to start the sender after typing the command. */
#define XMODEM_HANDSHAKE_TRIES       20u
#define XMODEM_BLOCK_TIMEOUT_MS      10000u
#define XMODEM_CHAR_TIMEOUT_MS       1000u
#define XMODEM_MAX_ERRORS            10u
#define XMODEM_CANCEL_COUNT          5u

typedef enum {
    XMODEM_RUNNING = 0,  /* nothing for the caller yet */
    XMODEM_BLOCK,        /* a new block: data[0..len), at offset; call xmodem_accept() or xmodem_cancel() */
    XMODEM_DONE,         /* the sender ended the transfer and it was acknowledged */
    XMODEM_FAILED,       /* see xmodem_t.failure */
} xmodem_event_t;

typedef enum {
    XMODEM_FAIL_NONE = 0,
    XMODEM_FAIL_NO_SENDER,          /* nobody answered the handshake */
    XMODEM_FAIL_TOO_MANY_ERRORS,    /* XMODEM_MAX_ERRORS bad blocks or timeouts in a row */
    XMODEM_FAIL_OUT_OF_SEQUENCE,    /* a block number neither expected nor the previous one */
    XMODEM_FAIL_CANCELLED,          /* the sender sent CAN CAN */
    XMODEM_FAIL_LOCAL,              /* the caller cancelled (xmodem_cancel) */
} xmodem_failure_t;

typedef enum {
    XMODEM_STATE_HANDSHAKE,   /* 'C' sent, no block yet */
    XMODEM_STATE_WAIT_START,  /* ACK or NAK sent, waiting for SOH / STX / EOT / CAN */
    XMODEM_STATE_FRAME,       /* inside a block */
    XMODEM_STATE_PURGE,       /* after an error: waiting for a quiet line */
    XMODEM_STATE_DELIVERED,   /* a block is with the caller */
    XMODEM_STATE_DONE,
    XMODEM_STATE_FAILED,
} xmodem_state_t;

typedef struct {
    xmodem_state_t state;
    xmodem_failure_t failure;
    /* The block handed over with XMODEM_BLOCK. */
    uint8_t data[XMODEM_BLOCK_SIZE_1K];
    size_t len;
    uint32_t offset;          /* bytes of the transfer before this block */
    uint32_t blocks;          /* blocks accepted so far */
    /* Inside a frame. */
    size_t frame_at;          /* bytes of the frame after SOH/STX received */
    uint8_t number;
    uint8_t complement;
    uint16_t crc;
    uint8_t expected;         /* number of the next new block */
    uint32_t last_ms;         /* when the state's timer started */
    uint32_t tries;           /* handshake 'C's sent */
    uint32_t errors;          /* errors in a row for the expected block */
    bool can_seen;            /* a CAN where a block would start */
    bool eot_seen;            /* an EOT was NAKed */
    bool handshaking;         /* no block start received yet: the receiver asks with 'C', later with NAK */
    uint8_t out[XMODEM_CANCEL_COUNT];
    size_t out_len;
} xmodem_t;

/* Starts a transfer: the first 'C' is waiting in the output. */
void xmodem_init(xmodem_t *x, uint32_t now_ms);

/* One received byte. */
xmodem_event_t xmodem_input(xmodem_t *x, uint8_t byte, uint32_t now_ms);

/* The timeouts; call at least every few milliseconds, and when no byte is waiting. */
xmodem_event_t xmodem_poll(xmodem_t *x, uint32_t now_ms);

/* The caller stored the block handed over: ACK it and wait for the next. */
void xmodem_accept(xmodem_t *x, uint32_t now_ms);

/* The caller gives up (e.g. the block could not be stored): CAN bytes go out, the transfer fails. */
void xmodem_cancel(xmodem_t *x);

/* Moves the bytes waiting to be sent into dst; returns how many. */
size_t xmodem_take_output(xmodem_t *x, uint8_t *dst, size_t cap);

/* "no sender", "too many errors", "block out of sequence", "cancelled by the sender", "cancelled". */
const char *xmodem_failure_text(xmodem_failure_t failure);

/* CRC-16/XMODEM (polynomial 0x1021, initial 0, no reflection, no final XOR) of len bytes, continuing crc. */
uint16_t xmodem_crc16(uint16_t crc, const uint8_t *data, size_t len);

#endif /* XMODEM_H */
