/* The USB Mass Storage Bulk-Only Transport 1.0: a command block wrapper (CBW) on bulk OUT, the data stage, a
 * command status wrapper (CSW) on bulk IN. LUN 0 only, whatever GET MAX LUN says.
 *
 * Error handling as BOT 5.3 and 6.6 ask of a host: a STALLed data stage clears that endpoint's halt and still
 * reads the CSW; a STALLed CSW is read once more after clearing the halt; a CSW that is not valid or
 * meaningful (size, signature, tag, residue), a phase error, or a failed transfer ends in reset recovery:
 * Bulk-Only Mass Storage Reset, then CLEAR_FEATURE(ENDPOINT_HALT) on bulk IN and bulk OUT. */
#ifndef MSC_BOT_H
#define MSC_BOT_H

#include <stdbool.h>
#include <stdint.h>

#include "usbh.h"

/* How long a drive may NAK one transfer (it may be reading its media, or waking from sleep). */
#define MSC_BOT_TIMEOUT_MS 5000u

typedef enum {
    MSC_OK = 0,
    MSC_FAILED,           /* CSW status 1: the command failed; REQUEST SENSE says why */
    MSC_PHASE_ERROR,      /* CSW status 2, or a CSW that could not be used: reset recovery was done */
    MSC_TRANSPORT_ERROR,  /* a transfer failed (bot->dev->failure): reset recovery was done */
    MSC_DISCONNECTED,
} msc_status_t;

typedef struct {
    usbh_device_t *dev;
    uint32_t tag;
    uint8_t toggle[2];    /* DATA0/DATA1 of the bulk endpoints, [USBH_OUT] and [USBH_IN] */
    uint8_t max_lun;
    uint32_t actual;      /* data-stage bytes transferred by the last command */
    uint32_t residue;     /* dCSWDataResidue of the last command */
} msc_bot_t;

/* GET MAX LUN (a STALL means a single LUN, BOT 3.2). */
msc_status_t msc_bot_init(msc_bot_t *bot, usbh_device_t *dev);

/* One command to LUN 0: cdb of 1..16 bytes, len data bytes in (device to host) or out. */
msc_status_t msc_bot_command(msc_bot_t *bot, const uint8_t *cdb, uint8_t cdb_len, bool in, uint8_t *data,
                             uint32_t len);

#endif /* MSC_BOT_H */
