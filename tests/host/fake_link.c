#include "fake_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void send(const an3155_port_t *port, const uint8_t *data, size_t len)
{
    fake_link_t *link = port->context;
    if (len > sizeof link->tx - link->tx_len) {
        fprintf(stderr, "fake link: more than %zu bytes sent without the test reading them\n", sizeof link->tx);
        abort();
    }
    memcpy(link->tx + link->tx_len, data, len);
    link->tx_len += len;
}

static uint32_t now_ms(const an3155_port_t *port)
{
    const fake_link_t *link = port->context;
    return link->now_ms;
}

static void restart_baud_detection(const an3155_port_t *port)
{
    fake_link_t *link = port->context;
    link->baud_restarts++;
}

static void system_reset(const an3155_port_t *port)
{
    fake_link_t *link = port->context;
    link->resets++;
    link->tx_len_at_reset = link->tx_len;
}

void fake_link_init(fake_link_t *link)
{
    memset(link, 0, sizeof *link);
    link->port = (an3155_port_t){
        .send = send,
        .now_ms = now_ms,
        .restart_baud_detection = restart_baud_detection,
        .system_reset = system_reset,
        .context = link,
    };
}
