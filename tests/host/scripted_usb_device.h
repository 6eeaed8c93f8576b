/* A USB device on the root port whose every answer comes from a script of bytes (a fuzzer's input), behind
 * usb_hcd_t: its descriptors, GET MAX LUN, INQUIRY, READ CAPACITY, CSWs and sense data, STALLs, NAK timeouts,
 * transfer errors and the moment it is pulled out are whatever the script says. Transfer by transfer, in order:
 *
 *   port reset     a status byte; when it says OK, its bit 0 set means a low-speed device
 *   control, bulk  a status byte; an IN transfer that is OK then takes a little-endian 16-bit count (modulo the
 *                  host's length + 1: never more than asked, as a host controller stops at the buffer) and as many
 *                  data bytes (zeros once the script has run out)
 *
 * A status byte below 0xE0 is HCD_OK, the others name the failures of usb_hcd.h in turn (HCD_NAK_TIMEOUT first).
 * HCD_DISCONNECTED, or the end of the script, pulls the device out: connected() false and every later transfer
 * HCD_DISCONNECTED, so a run ends after at most one transfer per script byte. Time is virtual: 1 ms a transfer,
 * a NAK timeout its whole timeout, delays as asked.
 *
 * It aborts on what no device would survive and no host controller could do: a wLength other than the buffer's,
 * a DATA stage without a buffer, a bulk packet size USB 2.0 does not allow at full speed (8 to 64, a power of two),
 * a bulk OUT that is not a 31-byte CBW for LUN 0 (BOT 5.1), a transfer after the host was told the device left. */
#ifndef SCRIPTED_USB_DEVICE_H
#define SCRIPTED_USB_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usb_hcd.h"

typedef struct {
    const uint8_t *script;
    size_t len;
    size_t at;
    bool attached;
    bool powered;
    bool gone_reported;  /* a transfer returned HCD_DISCONNECTED */
    uint32_t now_ms;
    uint32_t transfers;
} scripted_device_t;

void scripted_device_init(scripted_device_t *device, const uint8_t *script, size_t len);
usb_hcd_t scripted_device_hcd(scripted_device_t *device);

#endif /* SCRIPTED_USB_DEVICE_H */
