#include "an3155_port.h"

#include "cortex.h"
#include "systick.h"
#include "usart1.h"
#include "usb_drive.h"

static void send(const an3155_port_t *port, const uint8_t *data, size_t len)
{
    (void)port;
    usart1_write(data, len);
}

static uint32_t now_ms(const an3155_port_t *port)
{
    (void)port;
    return systick_ms();
}

static void restart_baud_detection(const an3155_port_t *port)
{
    (void)port;
    usart1_autobaud_restart();
}

static void system_reset(const an3155_port_t *port)
{
    (void)port;
    /* The host closes the port once it has Go's ACK: the ACK must be on the wire, stop bit included, before the
     * reset silences the USART. */
    usart1_flush();
    /* Like every hand-over: the drive's power off first (usb_drive.h). */
    usb_drive_off();
    cortex_system_reset();
}

const an3155_port_t an3155_usart1_port = {
    .send = send,
    .now_ms = now_ms,
    .restart_baud_detection = restart_baud_detection,
    .system_reset = system_reset,
    .context = NULL,
};
