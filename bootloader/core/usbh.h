/* The USB host core (USB 2.0 chapter 9): enumerates the one device on the root port and finds its mass-storage
 * interface. Standard requests go through usb_hcd_t; the class driver (msc_bot) uses the interface and
 * endpoints found here.
 *
 * Enumeration: port reset, GET_DESCRIPTOR(device, 8 bytes) at address 0 for bMaxPacketSize0, SET_ADDRESS(1),
 * GET_DESCRIPTOR(configuration) (one request for as much of it as the buffer holds), SET_CONFIGURATION.
 * Only the first configuration is used. A hub is refused by its interface of class 0x09, which every hub has
 * (USB 2.0 §11.23.1): the root port is all this host drives. The mass-storage interface must be SCSI transparent
 * (subclass 0x06) over Bulk-Only (protocol 0x50) with one bulk IN and one bulk OUT endpoint, each of a packet size
 * full speed allows (8, 16, 32 or 64 bytes, USB 2.0 §5.8.3). */
#ifndef USBH_H
#define USBH_H

#include <stdint.h>

#include "usb_hcd.h"

#define USBH_DEVICE_ADDRESS 1u

/* Index of the bulk endpoints in usbh_device_t: a direction bit, as bit 7 of an endpoint address. */
#define USBH_OUT 0u
#define USBH_IN  1u

typedef enum {
    USBH_OK = 0,
    USBH_DISCONNECTED,
    USBH_REQUEST_FAILED,   /* a standard request failed: dev->failure says how */
    USBH_BAD_PACKET_SIZE,  /* a bulk endpoint of the mass-storage interface: dev->refused_mps */
    USBH_BAD_DESCRIPTOR,   /* a descriptor is too short, of the wrong type, or its lengths do not add up */
    USBH_HUB,
    USBH_NOT_MASS_STORAGE, /* no SCSI Bulk-Only mass-storage interface */
} usbh_status_t;

typedef struct {
    const usb_hcd_t *hcd;
    usb_speed_t speed;
    uint8_t address;
    uint8_t ep0_mps;
    uint8_t interface;     /* bInterfaceNumber of the mass-storage interface */
    uint8_t bulk[2];       /* [USBH_OUT], [USBH_IN]: endpoint addresses, IN with bit 7 set */
    uint16_t bulk_mps[2];
    hcd_status_t failure;  /* the last transfer that failed */
    uint16_t refused_mps;  /* USBH_BAD_PACKET_SIZE: the bulk wMaxPacketSize full speed does not allow */
} usbh_device_t;

/* buf receives the descriptors; size bytes of the configuration descriptor are looked at. */
usbh_status_t usbh_enumerate(usbh_device_t *dev, const usb_hcd_t *hcd, uint8_t *buf, uint16_t size);

/* The first four bytes of a SETUP packet as one number: bmRequestType, bRequest and wValue, little-endian as on
 * the wire. */
#define USBH_REQUEST(request_type, request, value) \
    ((uint32_t)(request_type) | ((uint32_t)(request) << 8) | ((uint32_t)(value) << 16))

/* A control request (USBH_REQUEST) to the device: data and *len as usb_hcd_t.control, len NULL for a request
 * without a DATA stage; a failure is kept in dev->failure. */
hcd_status_t usbh_control(usbh_device_t *dev, uint32_t request, uint16_t index, uint8_t *data, uint16_t *len);
/* CLEAR_FEATURE(ENDPOINT_HALT): the endpoint's data toggle restarts at DATA0. */
hcd_status_t usbh_clear_halt(usbh_device_t *dev, uint8_t ep);

/* "stall", "transaction error", ... */
const char *usbh_hcd_status_text(hcd_status_t status);

#endif /* USBH_H */
