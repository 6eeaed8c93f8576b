#include "msc_bot.h"

#include <stddef.h>
#include <string.h>

#include "byte_order.h"

#define CBW_SIGNATURE           0x43425355u /* "USBC" */
#define CSW_SIGNATURE           0x53425355u /* "USBS" */
#define CBW_SIZE                31u
#define CSW_SIZE                13u
#define CBW_FLAG_IN             0x80u
#define CSW_STATUS_FAILED       1u

#define REQUEST_TYPE_CLASS_OUT  0x21u /* class, interface, host to device */
#define REQUEST_TYPE_CLASS_IN   0xA1u
#define REQ_BULK_ONLY_RESET     0xFFu
#define REQ_GET_MAX_LUN         0xFEu

msc_status_t msc_bot_init(msc_bot_t *bot, usbh_device_t *dev)
{
    *bot = (msc_bot_t){ .dev = dev };
    uint8_t max_lun = 0u;
    uint16_t len = 1u;
    hcd_status_t status = usbh_control(dev, USBH_REQUEST(REQUEST_TYPE_CLASS_IN, REQ_GET_MAX_LUN, 0u), dev->interface,
                                       &max_lun, &len);
    if (status == HCD_DISCONNECTED) {
        return MSC_DISCONNECTED;
    }
    /* Many single-LUN drives STALL the request; any answer but one byte means a single LUN too. */
    bot->max_lun = status == HCD_OK && len == 1u ? max_lun : 0u;
    return MSC_OK;
}

static hcd_status_t bulk(msc_bot_t *bot, bool in, uint8_t *data, uint32_t len, uint32_t *actual)
{
    usbh_device_t *dev = bot->dev;
    const usb_hcd_t *hcd = dev->hcd;
    hcd_status_t status = hcd->bulk(hcd->ctx, dev->address, dev->bulk[in], dev->bulk_mps[in], &bot->toggle[in], data,
                                    len, actual, MSC_BOT_TIMEOUT_MS);
    if (status != HCD_OK) {
        dev->failure = status;
    }
    return status;
}

static hcd_status_t clear_halt(msc_bot_t *bot, bool in)
{
    bot->toggle[in] = 0u;
    return usbh_clear_halt(bot->dev, bot->dev->bulk[in]);
}

/* BOT 5.3.4. The failure that led here stays the one reported. */
static msc_status_t reset_recovery(msc_bot_t *bot, msc_status_t result)
{
    usbh_device_t *dev = bot->dev;
    hcd_status_t failure = dev->failure;
    hcd_status_t status = usbh_control(dev, USBH_REQUEST(REQUEST_TYPE_CLASS_OUT, REQ_BULK_ONLY_RESET, 0u),
                                       dev->interface, NULL, NULL);
    if (status != HCD_DISCONNECTED) {
        status = clear_halt(bot, true);
    }
    if (status != HCD_DISCONNECTED) {
        status = clear_halt(bot, false);
    }
    dev->failure = failure;
    return status == HCD_DISCONNECTED ? MSC_DISCONNECTED : result;
}

static msc_status_t transfer_failed(msc_bot_t *bot, hcd_status_t status)
{
    return status == HCD_DISCONNECTED ? MSC_DISCONNECTED : reset_recovery(bot, MSC_TRANSPORT_ERROR);
}

msc_status_t msc_bot_command(msc_bot_t *bot, const uint8_t *cdb, uint8_t cdb_len, bool in, uint8_t *data,
                             uint32_t len)
{
    /* The CBW's buffer takes the CSW afterwards. */
    uint8_t wrapper[CBW_SIZE];
    memset(wrapper, 0, sizeof wrapper);
    put_le32(wrapper, CBW_SIGNATURE);
    put_le32(wrapper + 4, ++bot->tag);
    put_le32(wrapper + 8, len);
    wrapper[12] = in ? CBW_FLAG_IN : 0u;
    wrapper[14] = cdb_len; /* byte 13, the LUN, stays 0 */
    memcpy(wrapper + 15, cdb, cdb_len);
    uint32_t actual;
    hcd_status_t status = bulk(bot, false, wrapper, CBW_SIZE, &actual);
    if (status != HCD_OK) {
        return transfer_failed(bot, status);
    }

    bot->actual = 0u;
    if (len != 0u) {
        status = bulk(bot, in, data, len, &bot->actual);
        /* BOT 6.7.2/6.7.3: a STALLed data stage is cleared and the CSW read as usual. */
        if (status == HCD_STALL) {
            status = clear_halt(bot, in);
        }
        if (status != HCD_OK) {
            return transfer_failed(bot, status);
        }
    }

    status = bulk(bot, true, wrapper, CSW_SIZE, &actual);
    if (status == HCD_STALL) {
        /* BOT 6.7.2 (5.3.3): clear the halt and try once more. */
        status = clear_halt(bot, true);
        if (status == HCD_OK) {
            status = bulk(bot, true, wrapper, CSW_SIZE, &actual);
        }
    }
    if (status != HCD_OK) {
        return transfer_failed(bot, status);
    }
    bot->residue = le32(wrapper + 8);
    bool valid = actual == CSW_SIZE && le32(wrapper) == CSW_SIGNATURE && le32(wrapper + 4) == bot->tag;
    if (!valid || wrapper[12] > CSW_STATUS_FAILED || bot->residue > len) {
        return reset_recovery(bot, MSC_PHASE_ERROR);
    }
    return wrapper[12] == CSW_STATUS_FAILED ? MSC_FAILED : MSC_OK;
}
