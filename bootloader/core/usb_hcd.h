/* The seam between the host controller driver and the portable USB stack (TinyUSB's hcd/usbh split).
 * platform/ implements it for the OTG_FS core in host mode (RM0351 chapter 47); the host tests implement it
 * with a USB mass-storage device emulated in C. Everything above it (usbh, msc_bot, scsi, fat, usb_update)
 * knows transfers only, never registers.
 *
 * Every transfer function blocks until the transfer is complete or has failed; none of them is called while
 * another one runs. The driver handles one device on the root port: no hubs, no split transactions. */
#ifndef USB_HCD_H
#define USB_HCD_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    HCD_OK = 0,
    HCD_NAK_TIMEOUT,   /* the endpoint kept answering NAK for longer than the transfer's timeout */
    HCD_STALL,         /* the endpoint answered STALL: halted, or the request is not supported */
    HCD_XACT_ERROR,    /* CRC, bit stuffing, or no handshake (RM0351: TXERR) after the driver's retries */
    HCD_BABBLE,        /* the device sent more than the packet or the buffer could take */
    HCD_TOGGLE_ERROR,  /* the DATA0/DATA1 sequence broke (RM0351: DTERR) */
    HCD_DISCONNECTED,  /* the device left the port during the transfer, or before it started */
    HCD_TIMEOUT,       /* the channel did not halt in time: the driver gave up on it */
} hcd_status_t;

typedef enum { USB_SPEED_FULL = 0, USB_SPEED_LOW = 1 } usb_speed_t;

typedef struct usb_hcd {
    void *ctx;
    bool (*connected)(void *ctx);                                   /* a device is attached to the port */
    hcd_status_t (*port_reset)(void *ctx, usb_speed_t *speed);      /* bus reset (>= 10 ms), port enabled, speed */
    /* Control transfer on EP0 of device addr: SETUP (8 bytes), optional DATA stage (direction from bmRequestType,
       *len in = wLength/buffer size, out = bytes transferred), STATUS stage. Retries NAKs up to a timeout.
       The stack always passes a valid len (0 and data NULL when there is no DATA stage). */
    hcd_status_t (*control)(void *ctx, uint8_t addr, uint16_t ep0_mps, usb_speed_t speed, const uint8_t setup[8],
                            uint8_t *data, uint16_t *len);
    /* Bulk transfer on endpoint ep (bit 7 = IN) with max packet size mps; *toggle is the endpoint's DATA0/1 state,
       updated on success; IN stops at a short packet; *actual = bytes transferred. Retries NAKs for up to
       timeout_ms (a drive may NAK while it reads its media). */
    hcd_status_t (*bulk)(void *ctx, uint8_t addr, uint8_t ep, uint16_t mps, uint8_t *toggle, uint8_t *data,
                         uint32_t len, uint32_t *actual, uint32_t timeout_ms);
    uint32_t (*millis)(void *ctx);
    void (*delay_ms)(void *ctx, uint32_t ms);
    void (*power)(void *ctx, bool on);                               /* VBUS switch (PD12 on this board) */
} usb_hcd_t;

#endif /* USB_HCD_H */
