#include "otg_fs_host.h"

#include <stddef.h>

#include "board.h"
#include "cortex.h"
#include "gpio.h"
#include "iwdg.h"
#include "rcc.h"
#include "regs/otg_fs.h"
#include "regs/pwr.h"
#include "systick.h"

/* Time limits in milliseconds. */
#define FORCE_HOST_MODE_MS    25u    /* RM0351 OTG_GUSBCFG.FHMOD: the mode changes at least 25 ms after the write */
#define ATTACH_DEBOUNCE_MS    100u   /* USB 2.0 §7.1.7.3, TATTDB */
/* USB 2.0 §7.1.7.5: a reset from a root port lasts at least 50 ms (TDRSTR); the 10 to 20 ms that RM0351's PRST
 * description and "Host enumeration" give is TDRST, one reset of a hub's downstream port. TinyUSB's host stack holds
 * the 50 ms (usbh.c, ENUM_RESET_DELAY_MS); ST's host library for this very core holds 100 ms (USB_ResetPort in the
 * STM32L4 LL USB driver, raised over its releases from 10 to 50 to 100 ms), which is what this driver does: the
 * standard sets no maximum for a root port, and the margin covers drives slower than the standard asks at the
 * cost of 85 ms once per plug-in. */
#define PORT_RESET_MS         100u
#define CONTROL_NAK_MS        5000u  /* USB 2.0 §9.2.6.4: the longest a device may take over a standard request */
/* The core's own chores (soft reset, FIFO flush, room in the FIFO, enable after reset, channel halt) take a few
 * PHY clocks or at most the transaction on the bus, well under a frame; longer means the core is stuck. */
#define CORE_MS               10u
#define OVERCURRENT_RETRY_MS  1000u  /* VBUS stays off this long after the power switch reported a fault */

/* RM0351 host channel pseudo code: a transfer is given up when Error_count reaches 3. */
#define MAX_ERRORS            3u
/* USB 2.0 §5.5.3 and §5.8.3: control and bulk packets of full- and low-speed devices are 8 to 64 bytes. */
#define MAX_PACKET            64u

/* The 1.25 KB FIFO RAM. The receive FIFO must take a whole packet with its status entry (RM0351 "FIFO RAM
 * allocation", host mode: largest packet / 4 + 1 words) plus one word each for the "transfer completed" and
 * "channel halted" entries; the non-periodic transmit FIFO one OUT packet. Room beyond that lets the core run
 * ahead of the polling. No interrupt or isochronous endpoint is used, but the periodic FIFO needs a legal size. */
#define RX_FIFO_WORDS         128u
#define NPTX_FIFO_WORDS       128u
#define PTX_FIFO_WORDS        64u
_Static_assert(RX_FIFO_WORDS >= MAX_PACKET / 4u + 1u + 2u, "the receive FIFO must hold a whole packet");
_Static_assert(NPTX_FIFO_WORDS >= MAX_PACKET / 4u, "the non-periodic transmit FIFO must hold a whole packet");
_Static_assert(RX_FIFO_WORDS >= OTG_FIFO_MIN_WORDS && NPTX_FIFO_WORDS >= OTG_FIFO_MIN_WORDS &&
               PTX_FIFO_WORDS >= OTG_FIFO_MIN_WORDS, "RM0351: every FIFO is at least 16 words deep");
_Static_assert(RX_FIFO_WORDS + NPTX_FIFO_WORDS + PTX_FIFO_WORDS <= OTG_FS_FIFO_RAM_WORDS,
               "the three FIFOs must fit the 1.25 KB FIFO RAM");

/* Channel 0 carries every transfer: the stack never runs two at once (usb_hcd.h). */
#define CHANNEL               OTG_FS_CHANNEL(0)

/* What ended one run of the channel: its OTG_HCINTx events, or one of these. */
#define RUN_DISCONNECTED      (1u << 29)
#define RUN_EXPIRED           (1u << 30)
#define RUN_STUCK             (1u << 31)

typedef enum { STAGE_PINS, STAGE_CLOCK, STAGE_CORE, STAGE_RUNNING } stage_t;

static struct {
    stage_t stage;
    bool vbus_unwanted;    /* power(false) was the last word; VBUS is on by default */
    bool tripped;          /* the power switch reported a fault: VBUS off until tripped_ms + OVERCURRENT_RETRY_MS */
    uint32_t tripped_ms;
    bool attached;         /* PCSTS has been 1 since attached_ms */
    uint32_t attached_ms;
} host;

/* A word stored at any byte address (one STR: the Cortex-M4 allows it, ARMv7-M A3.2.1), as a byte array's element. */
typedef uint32_t __attribute__((aligned(1), may_alias)) unaligned_word_t;

/* Where the IN packet in flight lands while the receive FIFO is drained; got is its size once it is in. */
static struct {
    uint8_t *buf;
    uint16_t room;
    uint16_t got;
    bool overflow;
} rx;

static void sleep_ms(uint32_t ms)
{
    uint32_t start = systick_ms();
    /* The next 1 kHz tick may come right after start: ms + 1 ticks guarantee ms whole milliseconds. */
    while (systick_ms() - start <= ms) {
        cortex_wfi();
    }
}

static bool wait_bits(volatile uint32_t *reg, uint32_t mask, uint32_t value)
{
    uint32_t start = systick_ms();
    while ((*reg & mask) != value) {
        if (systick_ms() - start > CORE_MS) {
            return false;
        }
    }
    return true;
}

/* OTG_GRSTCTL: TXFFLSH / RXFFLSH clear themselves once the FIFO is empty; no channel may be using it. */
static bool flush(uint32_t request)
{
    OTG_FS->GRSTCTL = request;
    return wait_bits(&OTG_FS->GRSTCTL, request & (OTG_GRSTCTL_TXFFLSH | OTG_GRSTCTL_RXFFLSH), 0u);
}

static void apply_vbus(void)
{
    bool on = !host.vbus_unwanted && !host.tripped;
    gpio_write(BOARD_USB_VBUS_EN, on ? BOARD_USB_VBUS_EN_ON : !BOARD_USB_VBUS_EN_ON);
    if (host.stage == STAGE_RUNNING) {
        /* PPWR tells the core the port has power; without it the core sees no device. Writing HPRT back must not
         * set its rc_w1 flags or PENA (a 1 there disables the port). */
        uint32_t hprt = OTG_FS_HOST->HPRT & ~OTG_HPRT_W1C_AND_PENA;
        OTG_FS_HOST->HPRT = on ? (hprt | OTG_HPRT_PPWR) : (hprt & ~OTG_HPRT_PPWR);
    }
}

/* RM0351 "Core initialization" then "Host initialization", polled: no interrupt is unmasked in GAHBCFG. */
static bool core_start(void)
{
    rcc_periph_enable(RCC_PERIPH_OTG_FS);
    /* OTG_GRSTCTL: a soft reset may start only while the AHB master is idle; CSRST clears itself when done. It also
     * clears every channel and FIFO a previous device may have left behind. */
    if (!wait_bits(&OTG_FS->GRSTCTL, OTG_GRSTCTL_AHBIDL, OTG_GRSTCTL_AHBIDL)) {
        return false;
    }
    OTG_FS->GRSTCTL = OTG_GRSTCTL_CSRST;
    if (!wait_bits(&OTG_FS->GRSTCTL, OTG_GRSTCTL_CSRST, 0u)) {
        return false;
    }
    /* The embedded PHY is powered down out of reset. VBDEN stays 0: nothing senses VBUS on PA9. */
    OTG_FS->GCCFG = OTG_GCCFG_PWRDWN;
    /* A host only: neither HNP nor SRP, host mode forced whatever the ID pin says, in effect after 25 ms. */
    OTG_FS->GUSBCFG = (OTG_FS->GUSBCFG & ~(OTG_GUSBCFG_SRPCAP | OTG_GUSBCFG_HNPCAP | OTG_GUSBCFG_FDMOD))
                    | OTG_GUSBCFG_FHMOD;
    sleep_ms(FORCE_HOST_MODE_MS);
    if ((OTG_FS->GINTSTS & OTG_GINTSTS_CMOD) == 0u) {
        return false;
    }

    /* 48 MHz PHY clock: RM0351 OTG_HCFG allows it for low-speed devices too, so the speed found after a port reset
     * never changes FSLSPCS (which would take a second reset). */
    OTG_FS_HOST->HCFG = (OTG_FS_HOST->HCFG & ~OTG_HCFG_FSLSPCS_Msk) | OTG_HCFG_FSLSPCS_48MHZ;
    OTG_FS->GRXFSIZ = RX_FIFO_WORDS;
    OTG_FS->HNPTXFSIZ = (NPTX_FIFO_WORDS << OTG_FIFO_DEPTH_Pos) | RX_FIFO_WORDS;
    OTG_FS->HPTXFSIZ = (PTX_FIFO_WORDS << OTG_FIFO_DEPTH_Pos) | (RX_FIFO_WORDS + NPTX_FIFO_WORDS);
    if (!flush(OTG_GRSTCTL_TXFFLSH | OTG_GRSTCTL_TXFNUM_ALL) || !flush(OTG_GRSTCTL_RXFFLSH)) {
        return false;
    }
    /* "Channel initialization": the events of interest unmasked, although only the polling sees them. */
    OTG_FS->GINTMSK = OTG_GINTSTS_HPRTINT | OTG_GINTSTS_HCINT | OTG_GINTSTS_DISCINT;
    OTG_FS_HOST->HAINTMSK = 1u;
    CHANNEL->HCINTMSK = OTG_HCINT_ALL;
    OTG_FS->GINTSTS = 0xFFFFFFFFu;

    host.stage = STAGE_RUNNING;
    host.attached = false;
    apply_vbus();
    return true;
}

/* The bring-up, one step per call while the LSE starts (see otg_fs_host.h). */
static bool running(void)
{
    if (host.stage == STAGE_PINS) {
        gpio_config_output(BOARD_USB_VBUS_EN, !BOARD_USB_VBUS_EN_ON);
        gpio_config_input(BOARD_USB_OVERCURRENT, GPIO_PULL_UP);
        gpio_config_alternate(BOARD_USB_DM, BOARD_USB_AF);
        gpio_config_alternate(BOARD_USB_DP, BOARD_USB_AF);
        /* RM0351 PWR_CR2.USV: the USB transceiver supply stays isolated until software declares VDDUSB valid. */
        rcc_periph_enable(RCC_PERIPH_PWR);
        PWR->CR2 |= PWR_CR2_USV;
        host.stage = STAGE_CLOCK;
    }
    if (host.stage == STAGE_CLOCK) {
        if (!rcc_clk48_start()) {
            return false;
        }
        host.stage = STAGE_CORE;
    }
    return host.stage == STAGE_RUNNING || core_start();
}

/* RM0351 expects the application to disable every channel when the device leaves, but the halt of a channel
 * whose device is gone may never be reported: the next connected() resets the whole core instead. */
static hcd_status_t forget_device(void)
{
    host.stage = STAGE_CORE;
    return HCD_DISCONNECTED;
}

static bool port_usable(void)
{
    return (OTG_FS_HOST->HPRT & (OTG_HPRT_PCSTS | OTG_HPRT_PENA)) == (OTG_HPRT_PCSTS | OTG_HPRT_PENA) &&
           (OTG_FS->GINTSTS & OTG_GINTSTS_DISCINT) == 0u;
}

/* The STMPS2141 pulls its fault output low on over-current or overheating; it limits the current itself, but a
 * device that keeps tripping it gets its VBUS cut, and another try a second later. */
static void watch_overcurrent(void)
{
    if (!host.tripped) {
        if (gpio_read(BOARD_USB_OVERCURRENT) == BOARD_USB_OVERCURRENT_ACTIVE) {
            host.tripped = true;
            host.tripped_ms = systick_ms();
            apply_vbus();
        }
    } else if (systick_ms() - host.tripped_ms >= OVERCURRENT_RETRY_MS) {
        host.tripped = false;
        apply_vbus();
    }
}

static bool connected(void *ctx)
{
    (void)ctx;
    if (host.stage == STAGE_RUNNING && (OTG_FS->GINTSTS & OTG_GINTSTS_DISCINT) != 0u) {
        (void)forget_device();
    }
    if (!running()) {
        return false;
    }
    watch_overcurrent();
    if ((OTG_FS_HOST->HPRT & OTG_HPRT_PCSTS) == 0u) {
        host.attached = false;
        return false;
    }
    if (!host.attached) {
        host.attached = true;
        host.attached_ms = systick_ms();
    }
    return systick_ms() - host.attached_ms >= ATTACH_DEBOUNCE_MS;
}

/* RM0351 "Host enumeration" and "Host initialization" steps 5 to 10. The reset recovery time (USB 2.0 §7.1.7.5,
 * TRSTRCY) is the stack's to wait (usbh.c), as for any host controller. */
static hcd_status_t port_reset(void *ctx, usb_speed_t *speed)
{
    (void)ctx;
    if (host.stage != STAGE_RUNNING || (OTG_FS_HOST->HPRT & OTG_HPRT_PCSTS) == 0u ||
        (OTG_FS->GINTSTS & OTG_GINTSTS_DISCINT) != 0u) {
        return HCD_DISCONNECTED;
    }
    uint32_t hprt = OTG_FS_HOST->HPRT & ~OTG_HPRT_W1C_AND_PENA;
    OTG_FS_HOST->HPRT = hprt | OTG_HPRT_PRST;
    sleep_ms(PORT_RESET_MS);
    OTG_FS_HOST->HPRT = hprt & ~OTG_HPRT_PRST;
    uint32_t start = systick_ms();
    while (!port_usable()) {
        if ((OTG_FS_HOST->HPRT & OTG_HPRT_PCSTS) == 0u || (OTG_FS->GINTSTS & OTG_GINTSTS_DISCINT) != 0u) {
            return forget_device();
        }
        if (systick_ms() - start > CORE_MS) {
            (void)forget_device();
            return HCD_TIMEOUT;
        }
    }
    OTG_FS_HOST->HPRT = (OTG_FS_HOST->HPRT & ~OTG_HPRT_W1C_AND_PENA) | OTG_HPRT_PENCHNG;
    bool low = ((OTG_FS_HOST->HPRT & OTG_HPRT_PSPD_Msk) >> OTG_HPRT_PSPD_Pos) == OTG_HPRT_PSPD_LOW;
    *speed = low ? USB_SPEED_LOW : USB_SPEED_FULL;
    /* OTG_HFIR takes a value only once the port is enabled: one frame of the 48 MHz PHY clock at either speed. */
    OTG_FS_HOST->HFIR = OTG_HFIR_FRIVL_48MHZ;
    return HCD_OK;
}

/* Pops the receive FIFO until it is empty (RM0351 "Reading the receive FIFO"). Only "IN data packet" entries carry
 * bytes; popping the others is what raises XFRC, DTERR or CHH in OTG_HCINTx. */
static void rx_drain(void)
{
    while ((OTG_FS->GINTSTS & OTG_GINTSTS_RXFLVL) != 0u) {
        uint32_t status = OTG_FS->GRXSTSP;
        if (((status & OTG_GRXSTSP_PKTSTS_Msk) >> OTG_GRXSTSP_PKTSTS_Pos) != OTG_PKTSTS_IN_DATA) {
            continue;
        }
        uint32_t count = (status & OTG_GRXSTSP_BCNT_Msk) >> OTG_GRXSTSP_BCNT_Pos;
        uint32_t i = 0u;
        /* A packet that fits goes in whole words, a FIFO load and a store each (the Cortex-M4 stores a word at any
         * address: ARMv7-M A3.2.1, with CCR.UNALIGN_TRP left 0); its last 1 to 3 bytes, and a packet that does not
         * fit, byte by byte below. */
        if (count <= (uint32_t)(rx.room - rx.got)) {
            for (; i + 4u <= count; i += 4u) {
                *(unaligned_word_t *)(rx.buf + rx.got) = OTG_FS_FIFO(0);
                rx.got = (uint16_t)(rx.got + 4u);
            }
        }
        uint32_t word = 0u;
        for (; i < count; i++, word >>= 8) {
            if (i % 4u == 0u) {
                word = OTG_FS_FIFO(0);
            }
            if (rx.got < rx.room) {
                rx.buf[rx.got++] = (uint8_t)word;
            } else {
                rx.overflow = true;
            }
        }
    }
}

/* Waits for words free in the non-periodic transmit FIFO and a free entry in its request queue (OTG_HNPTXSTS): every
 * request the core takes from the application (an IN token per CHENA, an OUT packet per last FIFO word, a
 * zero-length OUT per CHENA, a channel halt per CHDIS with CHENA) needs one (RM0351 "Host programming model"). */
static bool wait_tx_room(uint32_t words)
{
    uint32_t start = systick_ms();
    for (;;) {
        uint32_t status = OTG_FS->HNPTXSTS;
        if ((status & OTG_HNPTXSTS_NPTXFSAV_Msk) >= words && (status & OTG_HNPTXSTS_NPTQXSAV_Msk) != 0u) {
            return true;
        }
        if (systick_ms() - start > CORE_MS) {
            return false;
        }
    }
}

/* RM0351 "Writing the transmit FIFO": room for the whole packet and a request queue entry first, then whole words
 * (the last one padded); the last word written queues the OUT transaction. */
static bool write_packet(const uint8_t *data, uint16_t len)
{
    if (!wait_tx_room((len + 3u) / 4u)) {
        return false;
    }
    uint32_t word = 0u;
    for (uint32_t i = 0u; i < len; i++) {
        word |= (uint32_t)data[i] << (8u * (i % 4u));
        if (i % 4u == 3u || i + 1u == len) {
            OTG_FS_FIFO(0) = word;
            word = 0u;
        }
    }
    return true;
}

/* Drains the receive FIFO and gathers the channel's OTG_HCINTx events until one of until is among them, or the port
 * is gone (RUN_DISCONNECTED). Once wait_ms has passed, late joins the events; it is one of until. */
static uint32_t poll_channel(uint32_t events, uint32_t until, uint32_t wait_ms, uint32_t late)
{
    otg_fs_channel_regs_t *ch = CHANNEL;
    uint32_t start = systick_ms();
    while ((events & until) == 0u) {
        if (!port_usable()) {
            return events | RUN_DISCONNECTED;
        }
        rx_drain();
        uint32_t hcint = ch->HCINT;
        if (hcint != 0u) {
            /* A transaction ended on the bus (data, NAK, error): the progress point of a long transfer, which a
             * drive may NAK for seconds while the watchdog's period is half a second. */
            iwdg_refresh();
        }
        events |= hcint;
        if (systick_ms() - start > wait_ms) {
            events |= late;
        }
    }
    return events;
}

/* One packet on the channel: "Channel initialization", then the slave-mode "Bulk and control OUT/SETUP" or "IN
 * transactions" of RM0351, until the transaction ends or wait_ms passes. Every outcome but an OUT packet's XFRC
 * (after which the core disables the channel itself) leaves the channel enabled, and the application disables it,
 * NAK included: slave mode has no retry of its own, a NAKed IN token leaves an enabled but silent channel, and
 * RM0351's interrupt routines answer NAK with "Disable Channel", then "Re-initialize Channel" once CHH came, which
 * packet() does by running the packet again.
 * The halt (RM0351 "Halting a channel"): the disable request takes an entry of the request queue, so there must be
 * one free before CHDIS goes with CHENA; the core flushes the channel's posted requests, lets a transaction already
 * on the bus finish, then reports CHH (an IN channel's through a "channel halted" entry of the receive FIFO). */
static uint32_t run_packet(uint32_t hcchar, uint32_t pid, const uint8_t *out, uint16_t len, uint32_t wait_ms)
{
    otg_fs_channel_regs_t *ch = CHANNEL;
    bool in = (hcchar & OTG_HCCHAR_EPDIR) != 0u;
    /* OTG_HCTSIZx: an IN transfer size is a whole number of max packets; the short packet ends it early. */
    uint32_t size = in ? (hcchar & OTG_HCCHAR_MPSIZ_Msk) >> OTG_HCCHAR_MPSIZ_Pos : len;
    ch->HCINT = OTG_HCINT_ALL;
    ch->HCTSIZ = (size << OTG_HCTSIZ_XFRSIZ_Pos) | (1u << OTG_HCTSIZ_PKTCNT_Pos) | (pid << OTG_HCTSIZ_DPID_Pos);
    /* The enable itself queues the IN token or a zero-length OUT packet. */
    if (!wait_tx_room(0u)) {
        return RUN_STUCK;
    }
    ch->HCCHAR = hcchar | OTG_HCCHAR_CHENA;

    uint32_t ends = OTG_HCINT_XFRC | OTG_HCINT_CHH | OTG_HCINT_STALL | OTG_HCINT_NAK | OTG_HCINT_TXERR |
                    OTG_HCINT_BBERR | OTG_HCINT_FRMOR | OTG_HCINT_DTERR | RUN_EXPIRED | RUN_STUCK;
    uint32_t events = 0u;
    if (!in && len != 0u && !write_packet(out, len)) {
        events = RUN_STUCK;
    }
    events = poll_channel(events, ends, wait_ms, RUN_EXPIRED);
    if ((events & (RUN_DISCONNECTED | RUN_STUCK)) == 0u && (ch->HCCHAR & OTG_HCCHAR_CHENA) != 0u) {
        if (!wait_tx_room(0u)) {
            return events | RUN_STUCK;
        }
        ch->HCCHAR |= OTG_HCCHAR_CHDIS | OTG_HCCHAR_CHENA;
        events = poll_channel(events, OTG_HCINT_CHH | RUN_STUCK, CORE_MS, RUN_STUCK);
    }
    ch->HCINT = OTG_HCINT_ALL;
    return events;
}

/* One packet with RM0351's retry rules: a NAK (or a frame overrun, or a halt without outcome) tries again until
 * timeout_ms has passed and resets the error count; TXERR and DTERR try again up to MAX_ERRORS times in a row;
 * STALL and babble end it. OUT sends the len bytes at buf (only read); IN receives up to len bytes into buf,
 * rx.got of them. */
static hcd_status_t packet(uint32_t hcchar, uint32_t pid, uint8_t *buf, uint16_t len, uint32_t timeout_ms)
{
    bool in = (hcchar & OTG_HCCHAR_EPDIR) != 0u;
    uint32_t errors = 0u;
    uint32_t toggle_errors = 0u;
    uint32_t start = systick_ms();
    for (;;) {
        if (host.stage != STAGE_RUNNING) {
            return HCD_DISCONNECTED;
        }
        if (!port_usable()) {
            return forget_device();
        }
        rx.buf = buf;
        rx.room = in ? len : 0u;
        rx.got = 0u;
        rx.overflow = false;
        uint32_t elapsed = systick_ms() - start;
        uint32_t events = run_packet(hcchar, pid, buf, len, elapsed < timeout_ms ? timeout_ms - elapsed : 0u);

        if ((events & RUN_DISCONNECTED) != 0u) {
            return forget_device();
        }
        if ((events & RUN_STUCK) != 0u) {
            (void)forget_device();
            return HCD_TIMEOUT;
        }
        if ((events & OTG_HCINT_XFRC) != 0u) {
            return rx.overflow ? HCD_BABBLE : HCD_OK;
        }
        if ((events & OTG_HCINT_STALL) != 0u) {
            return HCD_STALL;
        }
        if ((events & OTG_HCINT_BBERR) != 0u) {
            return HCD_BABBLE;
        }
        if ((events & OTG_HCINT_TXERR) != 0u) {
            if (++errors == MAX_ERRORS) {
                return HCD_XACT_ERROR;
            }
        } else if ((events & OTG_HCINT_DTERR) != 0u) {
            /* The device sent the previous packet again (our ACK got lost): the data was dropped, ask again. */
            if (++toggle_errors == MAX_ERRORS) {
                return HCD_TOGGLE_ERROR;
            }
        } else {
            errors = 0u;
            if (systick_ms() - start >= timeout_ms) {
                return (events & OTG_HCINT_NAK) != 0u ? HCD_NAK_TIMEOUT : HCD_TIMEOUT;
            }
        }
        /* An OUT packet goes again from its first byte: drop whatever the core still holds of it. */
        if (!in && !flush(OTG_GRSTCTL_TXFFLSH | OTG_GRSTCTL_TXFNUM_ALL)) {
            (void)forget_device();
            return HCD_TIMEOUT;
        }
    }
}

/* Packets of up to mps bytes until len bytes have moved or, IN, a short packet ended the transfer; *toggle
 * follows every packet that went through, so it stays right when a later packet fails. */
static hcd_status_t stream(uint32_t hcchar, uint16_t mps, uint8_t *toggle, uint8_t *data, uint32_t len,
                           uint32_t *actual, uint32_t timeout_ms)
{
    bool in = (hcchar & OTG_HCCHAR_EPDIR) != 0u;
    uint32_t done = 0u;
    hcd_status_t status;
    do {
        uint16_t chunk = (uint16_t)(len - done < mps ? len - done : mps);
        status = packet(hcchar, *toggle != 0u ? OTG_DPID_DATA1 : OTG_DPID_DATA0, data + done, chunk, timeout_ms);
        if (status != HCD_OK) {
            break;
        }
        *toggle ^= 1u;
        uint32_t moved = in ? rx.got : chunk;
        done += moved;
        if (in && moved < mps) {
            break;
        }
    } while (done < len);
    *actual = done;
    return status;
}

static uint32_t channel_chars(uint8_t addr, uint8_t ep, bool in, uint32_t type, uint16_t mps, usb_speed_t speed)
{
    /* MCNT is unused by non-periodic channels, but 0 is reserved (RM0351 OTG_HCCHARx): one transaction. */
    return ((uint32_t)mps << OTG_HCCHAR_MPSIZ_Pos) | ((uint32_t)(ep & 0x0Fu) << OTG_HCCHAR_EPNUM_Pos) |
           (in ? OTG_HCCHAR_EPDIR : 0u) | (speed == USB_SPEED_LOW ? OTG_HCCHAR_LSDEV : 0u) |
           (type << OTG_HCCHAR_EPTYP_Pos) | (1u << OTG_HCCHAR_MCNT_Pos) |
           ((uint32_t)(addr & 0x7Fu) << OTG_HCCHAR_DAD_Pos);
}

/* USB 2.0 §8.5.3: SETUP (PID SETUP, 8 bytes), a DATA stage from DATA1 when wLength is not 0, and a zero-length
 * STATUS stage (DATA1) in the other direction: IN when there was no DATA stage. */
static hcd_status_t control(void *ctx, uint8_t addr, uint16_t ep0_mps, usb_speed_t speed, const uint8_t setup[8],
                            uint8_t *data, uint16_t *len)
{
    (void)ctx;
    uint16_t room = *len;
    *len = 0u;
    if (ep0_mps == 0u || ep0_mps > MAX_PACKET) {
        return HCD_XACT_ERROR;
    }
    uint16_t wlength = (uint16_t)(setup[6] | (setup[7] << 8));
    bool data_in = (setup[0] & 0x80u) != 0u;
    uint32_t out_chars = channel_chars(addr, 0u, false, OTG_EPTYP_CONTROL, ep0_mps, speed);
    uint32_t in_chars = out_chars | OTG_HCCHAR_EPDIR;

    /* packet() only reads the buffer of an OUT packet: setup stays as it is. */
    hcd_status_t status = packet(out_chars, OTG_DPID_SETUP, (uint8_t *)setup, 8u, CONTROL_NAK_MS);
    if (status == HCD_OK && wlength != 0u) {
        uint8_t toggle = 1u;
        uint32_t actual;
        status = stream(data_in ? in_chars : out_chars, ep0_mps, &toggle, data, room < wlength ? room : wlength,
                        &actual, CONTROL_NAK_MS);
        *len = (uint16_t)actual;
    }
    if (status == HCD_OK) {
        status = packet(wlength == 0u || !data_in ? in_chars : out_chars, OTG_DPID_DATA1, NULL, 0u, CONTROL_NAK_MS);
    }
    return status;
}

static hcd_status_t bulk(void *ctx, uint8_t addr, uint8_t ep, uint16_t mps, uint8_t *toggle, uint8_t *data,
                         uint32_t len, uint32_t *actual, uint32_t timeout_ms)
{
    (void)ctx;
    *actual = 0u;
    if (mps == 0u || mps > MAX_PACKET) {
        return HCD_XACT_ERROR;
    }
    bool in = (ep & 0x80u) != 0u;
    /* Bulk endpoints exist only on full-speed devices. */
    uint32_t chars = channel_chars(addr, ep, in, OTG_EPTYP_BULK, mps, USB_SPEED_FULL);
    return stream(chars, mps, toggle, data, len, actual, timeout_ms);
}

static uint32_t millis(void *ctx)
{
    (void)ctx;
    return systick_ms();
}

static void delay_ms(void *ctx, uint32_t ms)
{
    (void)ctx;
    sleep_ms(ms);
}

static void power(void *ctx, bool on)
{
    (void)ctx;
    host.vbus_unwanted = !on;
    /* Before the bring-up configured PD12 there is nothing to switch; the bring-up applies the wish. */
    if (host.stage != STAGE_PINS) {
        apply_vbus();
    }
}

const usb_hcd_t otg_fs_host_hcd = {
    .ctx = NULL,
    .connected = connected,
    .port_reset = port_reset,
    .control = control,
    .bulk = bulk,
    .millis = millis,
    .delay_ms = delay_ms,
    .power = power,
};
