/* The host end of the UART and the chip's clock and reset, behind an3155_port_t: everything the protocol sends
 * is collected, time moves only when the test says so, and a reset is recorded. */
#ifndef FAKE_LINK_H
#define FAKE_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "an3155.h"

#define FAKE_LINK_TX_SIZE 8192u

typedef struct {
    an3155_port_t port;
    uint8_t tx[FAKE_LINK_TX_SIZE];
    size_t tx_len;
    uint32_t now_ms;
    int baud_restarts;
    int resets;
    size_t tx_len_at_reset;  /* bytes already sent when the reset was requested */
} fake_link_t;

void fake_link_init(fake_link_t *link);

#endif /* FAKE_LINK_H */
