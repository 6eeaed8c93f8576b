#include "scripted_usb_device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATUS_FAILURES 0xE0u
#define CBW_SIZE        31u

static void fail(const char *why)
{
    fprintf(stderr, "scripted USB device: %s\n", why);
    abort();
}

void scripted_device_init(scripted_device_t *device, const uint8_t *script, size_t len)
{
    *device = (scripted_device_t){ .script = script, .len = len, .attached = true };
}

static uint8_t next_byte(scripted_device_t *d)
{
    if (d->at == d->len) {
        d->attached = false;
        return 0u;
    }
    return d->script[d->at++];
}

/* The next transfer's outcome; HCD_DISCONNECTED from the end of the script on. */
static hcd_status_t next_status(scripted_device_t *d, uint8_t *status_byte)
{
    if (d->gone_reported) {
        fail("a transfer after the host was told the device left");
    }
    if (!d->attached || !d->powered) {
        d->gone_reported = true;
        return HCD_DISCONNECTED;
    }
    d->transfers++;
    d->now_ms++;
    *status_byte = next_byte(d);
    if (!d->attached) {
        d->gone_reported = true;
        return HCD_DISCONNECTED;
    }
    hcd_status_t status = *status_byte < STATUS_FAILURES ? HCD_OK
                                                         : (hcd_status_t)(HCD_NAK_TIMEOUT + (*status_byte & 7u) % 7u);
    if (status == HCD_DISCONNECTED) {
        d->attached = false;
        d->gone_reported = true;
    }
    return status;
}

/* An IN data stage of at most len bytes. */
static uint32_t data_in(scripted_device_t *d, uint8_t *data, uint32_t len)
{
    uint32_t count = next_byte(d);
    count |= (uint32_t)next_byte(d) << 8;
    count %= len + 1u;
    for (uint32_t i = 0; i < count; i++) {
        data[i] = next_byte(d);
    }
    return count;
}

static bool connected(void *ctx)
{
    scripted_device_t *d = ctx;
    return d->attached && d->powered;
}

static hcd_status_t port_reset(void *ctx, usb_speed_t *speed)
{
    scripted_device_t *d = ctx;
    uint8_t status_byte;
    hcd_status_t status = next_status(d, &status_byte);
    *speed = (status_byte & 1u) != 0u ? USB_SPEED_LOW : USB_SPEED_FULL;
    return status;
}

static hcd_status_t control(void *ctx, uint8_t addr, uint16_t ep0_mps, usb_speed_t speed, const uint8_t setup[8],
                            uint8_t *data, uint16_t *len)
{
    (void)addr;
    (void)speed;
    scripted_device_t *d = ctx;
    if ((uint16_t)(setup[6] | setup[7] << 8) != *len || (*len != 0u && data == NULL)) {
        fail("a control transfer whose wLength is not its buffer's");
    }
    if (ep0_mps != 8u && ep0_mps != 16u && ep0_mps != 32u && ep0_mps != 64u) {
        fail("an EP0 packet size USB 2.0 does not allow (§5.5.3)");
    }
    uint8_t status_byte;
    hcd_status_t status = next_status(d, &status_byte);
    bool in = (setup[0] & 0x80u) != 0u;
    if (status == HCD_OK) {
        *len = in ? (uint16_t)data_in(d, data, *len) : 0u;
    }
    if (status == HCD_NAK_TIMEOUT) {
        d->now_ms += 5000u;
    }
    return status;
}

static hcd_status_t bulk(void *ctx, uint8_t addr, uint8_t ep, uint16_t mps, uint8_t *toggle, uint8_t *data,
                         uint32_t len, uint32_t *actual, uint32_t timeout_ms)
{
    (void)addr;
    scripted_device_t *d = ctx;
    *actual = 0u;
    if (mps < 8u || mps > 64u || (mps & (mps - 1u)) != 0u) {
        fail("a bulk packet size USB 2.0 does not allow at full speed (§5.8.3)");
    }
    bool in = (ep & 0x80u) != 0u;
    if (!in && (len != CBW_SIZE || memcmp(data, "USBC", 4) != 0 || data[13] != 0u || data[14] == 0u
                || data[14] > 16u)) {
        fail("a bulk OUT that is not a CBW for LUN 0 (BOT 5.1)");
    }
    if (len == 0u) {
        fail("a bulk transfer of no bytes");
    }
    uint8_t status_byte;
    hcd_status_t status = next_status(d, &status_byte);
    if (status == HCD_OK) {
        *actual = in ? data_in(d, data, len) : len;
        uint32_t packets = *actual == 0u ? 1u : (*actual + mps - 1u) / mps;
        *toggle ^= (uint8_t)(packets & 1u);
    }
    if (status == HCD_NAK_TIMEOUT) {
        d->now_ms += timeout_ms;
    }
    return status;
}

static uint32_t millis(void *ctx)
{
    return ((scripted_device_t *)ctx)->now_ms;
}

static void delay_ms(void *ctx, uint32_t ms)
{
    ((scripted_device_t *)ctx)->now_ms += ms;
}

static void power(void *ctx, bool on)
{
    ((scripted_device_t *)ctx)->powered = on;
}

usb_hcd_t scripted_device_hcd(scripted_device_t *device)
{
    return (usb_hcd_t){
        .ctx = device,
        .connected = connected,
        .port_reset = port_reset,
        .control = control,
        .bulk = bulk,
        .millis = millis,
        .delay_ms = delay_ms,
        .power = power,
    };
}
