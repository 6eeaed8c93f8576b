/* The host end of AN3155, as stm32flash 0.7 drives it (observed on a pty), talking to `dev`.
 * Low level: send bytes, check the exact reply. High level: one command each, true when every step was ACKed
 * (a NACK, or no answer because the device lost power, gives false). */
#ifndef HOST_H
#define HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void host_send(const uint8_t *bytes, size_t len);
#define HOST_SEND(...)                                  \
    do {                                                \
        static const uint8_t bytes_[] = { __VA_ARGS__ }; \
        host_send(bytes_, sizeof bytes_);               \
    } while (0)

/* Lets time pass on the device, polling it every millisecond as the chip's main loop does. */
/* A quiet AN3155_QUIET_MS and a pass of the main loop: the device programs the Write Memory block it acknowledged last
 * (an ACK means queued, an3155.h); nothing else of the idle work (that needs 100 ms). */
void host_settle(void);
void host_wait_ms(uint32_t ms);

/* Checks that the device sent exactly these bytes since the last check, and forgets them. */
void host_expect_reply(const char *file, int line, const uint8_t *expected, size_t len);
#define EXPECT_REPLY(...)                                                  \
    do {                                                                   \
        static const uint8_t expected_[] = { __VA_ARGS__ };                \
        host_expect_reply(__FILE__, __LINE__, expected_, sizeof expected_); \
    } while (0)
#define EXPECT_SILENCE() host_expect_reply(__FILE__, __LINE__, NULL, 0u)

/* Every byte the device sent that was not checked yet, forgotten. */
size_t host_take_reply(uint8_t *dst, size_t cap);

/* BUSY (0x76) bytes the helpers below skipped while waiting for an ACK, as stm32flash does. */
extern long host_busy_replies;

bool host_sync(void);
bool host_write(uint32_t addr, const uint8_t *data, size_t len);  /* 1..256 bytes */
bool host_read(uint32_t addr, uint8_t *dst, size_t len);          /* 1..256 bytes */
bool host_erase(const uint16_t *pages, size_t count);
bool host_go(uint32_t addr);

/* Whole updates of a .bin that starts at the header page. */
/* stm32flash -w f.bin -v -S 0x08020000: erase the pages, write 256-byte blocks in order (the last padded with
 * 0xFF to a multiple of 4), read each back. */
bool host_flash_like_stm32flash(const uint8_t *bin, size_t len);
/* No erase; the image blocks first, the 64-byte header last. */
bool host_flash_header_last(const uint8_t *bin, size_t len);
/* No erase; the .bin cut into pieces of 1..256 bytes at any offset, written in a shuffled order. */
bool host_flash_shuffled(const uint8_t *bin, size_t len, uint32_t seed);

#endif /* HOST_H */
