#include "usbh.h"

#include <stdbool.h>
#include <stddef.h>

#include "byte_order.h"
#include "text.h"

#define REQUEST_TYPE_OUT         0x00u
#define REQUEST_TYPE_IN          0x80u
#define REQUEST_TYPE_ENDPOINT    0x02u
#define REQ_CLEAR_FEATURE        0x01u
#define REQ_SET_ADDRESS          0x05u
#define REQ_GET_DESCRIPTOR       0x06u
#define REQ_SET_CONFIGURATION    0x09u
#define FEATURE_ENDPOINT_HALT    0x00u

#define DESC_DEVICE              0x01u
#define DESC_CONFIGURATION       0x02u
#define DESC_INTERFACE           0x04u
#define DESC_ENDPOINT            0x05u
#define CONFIG_DESC_SIZE         9u
#define INTERFACE_DESC_SIZE      9u
#define ENDPOINT_DESC_SIZE       7u

#define CLASS_MASS_STORAGE       0x08u
#define CLASS_HUB                0x09u
#define MSC_SUBCLASS_SCSI        0x06u
#define MSC_PROTOCOL_BULK_ONLY   0x50u
#define ENDPOINT_TYPE_BULK       0x02u

/* USB 2.0 §5.8.3: a full-speed bulk endpoint moves packets of 8, 16, 32 or 64 bytes, no other size (512 is high
 * speed's); wMaxPacketSize's 11 bits could say up to 2047. The host driver's FIFOs are sized for 64-byte packets
 * (platform/src/otg_fs_host.c). */
static bool bulk_mps_allowed(uint16_t mps)
{
    return mps >= 8u && mps <= 64u && (mps & (mps - 1u)) == 0u;
}

/* USB 2.0 7.1.7.3 (TRSTRCY) and 9.2.6.3: the device may ignore requests this long after a reset and after
 * SET_ADDRESS. */
#define RESET_RECOVERY_MS        10u
#define SET_ADDRESS_RECOVERY_MS  2u

hcd_status_t usbh_control(usbh_device_t *dev, uint32_t request, uint16_t index, uint8_t *data, uint16_t *len)
{
    uint16_t none = 0u;
    if (len == NULL) {
        len = &none;
    }
    uint8_t setup[8];
    put_le32(setup, request);
    put_le32(setup + 4, index | ((uint32_t)*len << 16));
    const usb_hcd_t *hcd = dev->hcd;
    hcd_status_t status = hcd->control(hcd->ctx, dev->address, dev->ep0_mps, dev->speed, setup, data, len);
    if (status != HCD_OK) {
        dev->failure = status;
    }
    return status;
}

hcd_status_t usbh_clear_halt(usbh_device_t *dev, uint8_t ep)
{
    return usbh_control(dev, USBH_REQUEST(REQUEST_TYPE_ENDPOINT, REQ_CLEAR_FEATURE, FEATURE_ENDPOINT_HALT), ep, NULL,
                        NULL);
}

/* Reads up to *len bytes of a descriptor; false when the request failed. */
static bool get_descriptor(usbh_device_t *dev, uint8_t type, uint8_t *buf, uint16_t *len)
{
    return usbh_control(dev, USBH_REQUEST(REQUEST_TYPE_IN, REQ_GET_DESCRIPTOR, type << 8), 0u, buf, len) == HCD_OK;
}

static usbh_status_t request_failed(const usbh_device_t *dev)
{
    return dev->failure == HCD_DISCONNECTED ? USBH_DISCONNECTED : USBH_REQUEST_FAILED;
}

/* The first SCSI Bulk-Only interface (alternate setting 0) and its bulk endpoints. The buffer may have cut
 * the configuration short: a descriptor cut in half ends the walk. */
static usbh_status_t find_mass_storage(usbh_device_t *dev, const uint8_t *config, uint16_t len)
{
    bool found = false;
    bool in_interface = false;
    for (uint32_t at = 0; at + 2u <= len; at += config[at]) {
        const uint8_t *d = config + at;
        if (d[0] < 2u) {
            return USBH_BAD_DESCRIPTOR;
        }
        if (at + d[0] > len) {
            break;
        }
        if (d[1] == DESC_INTERFACE && d[0] >= INTERFACE_DESC_SIZE) {
            if (d[5] == CLASS_HUB) {
                return USBH_HUB;
            }
            in_interface = !found && d[3] == 0u && d[5] == CLASS_MASS_STORAGE && d[6] == MSC_SUBCLASS_SCSI
                           && d[7] == MSC_PROTOCOL_BULK_ONLY;
            if (in_interface) {
                found = true;
                dev->interface = d[2];
            }
        } else if (d[1] == DESC_ENDPOINT && d[0] >= ENDPOINT_DESC_SIZE && in_interface
                   && (d[3] & 0x03u) == ENDPOINT_TYPE_BULK) {
            uint32_t in = d[2] >> 7;
            dev->bulk[in] = d[2];
            dev->bulk_mps[in] = (uint16_t)(le16(d + 4) & 0x7FFu);
        }
    }
    if (!found) {
        return USBH_NOT_MASS_STORAGE;
    }
    if (dev->bulk[USBH_IN] == 0u || dev->bulk[USBH_OUT] == 0u) {
        return USBH_BAD_DESCRIPTOR;
    }
    for (uint32_t in = 0; in < 2u; in++) {
        if (!bulk_mps_allowed(dev->bulk_mps[in])) {
            dev->refused_mps = dev->bulk_mps[in];
            return USBH_BAD_PACKET_SIZE;
        }
    }
    return USBH_OK;
}

usbh_status_t usbh_enumerate(usbh_device_t *dev, const usb_hcd_t *hcd, uint8_t *buf, uint16_t size)
{
    *dev = (usbh_device_t){ .hcd = hcd, .ep0_mps = 8u };
    hcd_status_t status = hcd->port_reset(hcd->ctx, &dev->speed);
    if (status != HCD_OK) {
        dev->failure = status;
        return request_failed(dev);
    }
    hcd->delay_ms(hcd->ctx, RESET_RECOVERY_MS);

    /* Eight bytes fit one packet of any EP0 size and hold all this host needs of the device descriptor:
     * bMaxPacketSize0. */
    uint16_t len = 8u;
    if (!get_descriptor(dev, DESC_DEVICE, buf, &len)) {
        return request_failed(dev);
    }
    uint8_t mps = buf[7];
    if (len < 8u || buf[1] != DESC_DEVICE || (mps != 8u && mps != 16u && mps != 32u && mps != 64u)) {
        return USBH_BAD_DESCRIPTOR;
    }
    dev->ep0_mps = mps;

    if (usbh_control(dev, USBH_REQUEST(REQUEST_TYPE_OUT, REQ_SET_ADDRESS, USBH_DEVICE_ADDRESS), 0u, NULL, NULL)
        != HCD_OK) {
        return request_failed(dev);
    }
    dev->address = USBH_DEVICE_ADDRESS;
    hcd->delay_ms(hcd->ctx, SET_ADDRESS_RECOVERY_MS);

    /* One request for as much as the buffer holds: a device answers with wTotalLength bytes at most, ending early
     * with a short packet (USB 2.0 §9.3.5), so the usual 9-byte read of wTotalLength first is not needed. */
    len = size;
    if (!get_descriptor(dev, DESC_CONFIGURATION, buf, &len)) {
        return request_failed(dev);
    }
    uint16_t total = (uint16_t)le16(buf + 2);
    if (len < CONFIG_DESC_SIZE || buf[1] != DESC_CONFIGURATION || total < CONFIG_DESC_SIZE) {
        return USBH_BAD_DESCRIPTOR;
    }
    len = total < len ? total : len;
    uint8_t configuration = buf[5];
    usbh_status_t found = find_mass_storage(dev, buf, len);
    if (found != USBH_OK) {
        return found;
    }

    if (usbh_control(dev, USBH_REQUEST(REQUEST_TYPE_OUT, REQ_SET_CONFIGURATION, configuration), 0u, NULL, NULL)
        != HCD_OK) {
        return request_failed(dev);
    }
    return USBH_OK;
}

const char *usbh_hcd_status_text(hcd_status_t status)
{
    return text_pick("ok\0NAK timeout\0stall\0transaction error\0babble\0data toggle error\0disconnected\0timeout\0",
                     status);
}
