#include "an3155.h"

#include <string.h>

#include "bitset.h"

/* Get's data: the bytes that follow minus one, the protocol version, then the commands in the order AN3155 lists
 * them. */
static const uint8_t get_reply[] = {
    7u, AN3155_PROTOCOL_VERSION, AN3155_CMD_GET, AN3155_CMD_GET_VERSION, AN3155_CMD_GET_ID, AN3155_CMD_READ_MEMORY,
    AN3155_CMD_GO, AN3155_CMD_WRITE_MEMORY, AN3155_CMD_EXT_ERASE,
};
_Static_assert(sizeof get_reply == 2u + 7u, "Get's count byte is the commands + version, minus one");

/* Extended Erase codes above the page counts (AN3155: 0xFFF0..0xFFFC are reserved). */
#define ERASE_MASS        0xFFFFu
#define ERASE_BANK1       0xFFFEu
#define ERASE_BANK2       0xFFFDu
#define ERASE_FIRST_CODE  0xFFF0u

static void send(an3155_t *p, const uint8_t *data, size_t len)
{
    p->port->send(p->port, data, len);
}

/* noinline: with LTO, GCC copies these small helpers into every caller, which costs flash (the bootloader's budget). */
static __attribute__((noinline)) void send_byte(an3155_t *p, uint8_t byte)
{
    /* Before the answer: a tick that comes later sends no BUSY after it, one that came earlier sent its BUSY whole. */
    p->working = false;
    send(p, &byte, 1u);
}

static __attribute__((noinline)) void expect(an3155_t *p, an3155_state_t state, uint32_t bytes)
{
    p->state = state;
    p->rx_xor = 0u;
    p->rx_len = 0u;
    p->rx_need = bytes;
}

/* ACK when accepted, NACK otherwise, and NACK too when a queued block failed to program since the last answer:
 * that failure is reported once, by this answer, whatever the command. After a NACK the next byte is a command.
 * True for ACK. */
static __attribute__((noinline)) bool answer(an3155_t *p, bool accepted)
{
    accepted = accepted && !p->failed;
    p->failed = false;
    send_byte(p, accepted ? AN3155_ACK : AN3155_NACK);
    if (!accepted) {
        expect(p, AN3155_WAIT_COMMAND, 1u);
    }
    return accepted;
}

static void finish(an3155_t *p, bool accepted)
{
    (void)answer(p, accepted);
    expect(p, AN3155_WAIT_COMMAND, 1u);
}

/* Programs the queued block, if any: 32 double-word programs (2.6 ms for 256 bytes, DS10969), or a page erase first
 * when the block is the first into a page not erased since reset. A failure is kept for the next answer. */
static __attribute__((noinline)) void drain(an3155_t *p)
{
    if (p->queued != 0u
        && flash_writer_program(p->writer, p->queued_address, p->queued_data, p->queued) != FLASH_WRITER_OK) {
        p->failed = true;
    }
    p->queued = 0u;
}

/* The data of Get, Get Version and Get ID, between their two ACKs (the first from on_command). */
static void answer_get(an3155_t *p)
{
    /* Get Version: AN3155 fixes both option bytes at 0x00, kept only for compatibility with the generic protocol. */
    uint8_t reply[3] = { AN3155_PROTOCOL_VERSION, 0x00u, 0x00u };
    if (p->command == AN3155_CMD_GET) {
        send(p, get_reply, sizeof get_reply);
        return;
    }
    if (p->command == AN3155_CMD_GET_ID) {
        reply[0] = 0x01u;
        reply[1] = (uint8_t)(p->config->product_id >> 8);
        reply[2] = (uint8_t)p->config->product_id;
    }
    send(p, reply, sizeof reply);
}

static void on_command(an3155_t *p, uint8_t complement)
{
    an3155_state_t next = AN3155_WAIT_ADDRESS;
    uint32_t bytes = 5u;
    bool accepted = (uint8_t)(p->command ^ complement) == 0xFFu;
    switch (p->command) {
    case AN3155_CMD_GET:
    case AN3155_CMD_GET_VERSION:
    case AN3155_CMD_GET_ID:
        next = AN3155_WAIT_COMMAND;
        break;
    case AN3155_CMD_READ_MEMORY:
        accepted = accepted && !p->config->read_protected;
        break;
    case AN3155_CMD_GO:
    case AN3155_CMD_WRITE_MEMORY:
        break;
    case AN3155_CMD_EXT_ERASE:
        next = AN3155_WAIT_ERASE_COUNT;
        bytes = 2u;
        break;
    default:
        accepted = false;
        break;
    }
    if (!answer(p, accepted)) {
        return;
    }
    if (next != AN3155_WAIT_COMMAND) {
        expect(p, next, bytes);
        return;
    }
    answer_get(p);
    finish(p, true);
}

/* The erases the host asked for and nothing needed yet: the header page's first (it counts as one of max_pages),
 * then the pending image pages. */
static void erase_pending_everywhere(an3155_t *p, uint32_t max_pages)
{
    if (p->writer->header_erase_pending) {
        (void)flash_writer_erase_header(p->writer);
        max_pages--;
    }
    (void)flash_writer_erase_pending(p->writer, p->writer->config->flash_base,
                                     FLASH_WRITER_MAX_PAGES * FLASH_WRITER_PAGE_SIZE, max_pages);
}

static void go(an3155_t *p)
{
    const image_check_config_t *check = p->writer->config->policy->check;
    if (p->address != check->header_addr && p->address != check->image_addr) {
        finish(p, false);
        return;
    }
    /* The block acknowledged last is in flash first: its failure NACKs Go below. */
    drain(p);
    /* Whatever the host wrote last completes the update now. A staged header that does not commit (its image is
     * not in flash) is refused, not skipped: the ACK would start the old application as if the new one were in. */
    flash_writer_status_t commit = flash_writer_commit(p->writer);
    /* committed: the commit checked the image in flash (CRC, and signature) under the header it programmed, and
     * nothing changed since (any later image change erases that header first), so the boot check would only repeat
     * it: 11 ms for 256 KB that the host would wait for. */
    image_status_t after_reset = p->writer->committed ? IMAGE_OK : flash_writer_check_flash(p->writer);
    /* Nothing new, and the writer writes beside the running image (SlotMode swap): the reset starts that one, as Go
     * from update mode does with one slot. */
    if (after_reset != IMAGE_OK && commit == FLASH_WRITER_NOTHING_STAGED && p->config->installed != NULL) {
        image_header_t installed;
        after_reset = image_check(check, p->config->installed, &installed);
    }
    if (!answer(p, (commit == FLASH_WRITER_OK || commit == FLASH_WRITER_NOTHING_STAGED) && after_reset == IMAGE_OK)) {
        return;
    }
    p->state = AN3155_RESETTING;
    /* Pages the host had erased and never needed are erased before the reset forgets them; after the ACK, which
     * must not wait for them, and outside the image, which the commit made whole. */
    erase_pending_everywhere(p, FLASH_WRITER_MAX_PAGES);
    p->port->system_reset(p->port);
}

static void on_address(an3155_t *p)
{
    if (p->rx_xor != 0u) { /* the four bytes' XOR follows them */
        finish(p, false);
        return;
    }
    p->address = (uint32_t)p->rx[0] << 24 | (uint32_t)p->rx[1] << 16 | (uint32_t)p->rx[2] << 8 | p->rx[3];
    if (p->command == AN3155_CMD_GO) {
        go(p);
        return;
    }
    if (!answer(p, flash_writer_in_region(p->writer, p->address, 1u))) {
        return;
    }
    if (p->command == AN3155_CMD_READ_MEMORY) {
        expect(p, AN3155_WAIT_READ_COUNT, 2u);
        return;
    }
    expect(p, AN3155_WAIT_WRITE_DATA, 1u);
    /* The block acknowledged before is programmed now, while this one's bytes arrive (the DMA takes them while
     * programs stall the core): 2.6 ms against 3.1 ms for 258 bytes at 921600 Bd, so at any rate this block finds
     * the backlog empty. A failure there is this block's answer. */
    drain(p);
    /* A pending page the block lands in is erased now, while its bytes are on the line (a 256-byte block takes
     * 24.5 ms at 115200, the erase 22 ms), not after them: one erase per block, so the installed header the host
     * erased goes first, alone (through the gate), and the page at the next block's address, with this block's
     * programs. A failure shows again when the block is written. */
    flash_writer_t *w = p->writer;
    if (!w->header_erase_pending) {
        (void)flash_writer_erase_pending(w, p->address, 1u, FLASH_WRITER_MAX_PAGES);
    } else if (p->address - w->config->policy->check->header_addr >= FLASH_WRITER_PAGE_SIZE) {
        (void)flash_writer_erase_header(w);
    }
}

static void on_read_count(an3155_t *p)
{
    uint32_t count = p->rx[0] + 1u;
    drain(p);
    if (!answer(p, (uint8_t)(p->rx[0] ^ p->rx[1]) == 0xFFu && flash_writer_in_region(p->writer, p->address, count)
                       && flash_writer_erase_pending(p->writer, p->address, count, FLASH_WRITER_MAX_PAGES)
                              == FLASH_WRITER_OK)) {
        return;
    }
    flash_writer_read(p->writer, p->address, p->rx, count);
    send(p, p->rx, count);
    expect(p, AN3155_WAIT_COMMAND, 1u);
}

/* Called twice: after the first byte, which says how many follow, and after the last. */
static void on_write_data(an3155_t *p)
{
    if (p->rx_len == 1u) {
        p->rx_need = 1u + (p->rx[0] + 1u) + 1u;
        return;
    }
    uint32_t count = p->rx[0] + 1u;
    flash_writer_t *w = p->writer;
    /* The checksum byte is the XOR of the count byte and the data: the running XOR of the phase is then 0. */
    if (p->rx_xor != 0u || !flash_writer_in_region(w, p->address, count)) {
        finish(p, false);
        return;
    }
    /* Written at once, as before the backlog, after what is queued: a block of the header page, which is only
     * staged in RAM (so the gate below and every later image program judge the staged header as the host has
     * written it so far), and a block that may complete the update, which is programmed and followed by the commit
     * attempt (with BUSY while it verifies): its ACK means "committed", and a refusal of the whole image is its NACK,
     * as stm32flash without -g needs to learn of it. */
    if (p->address - w->config->policy->check->header_addr < FLASH_WRITER_PAGE_SIZE
        || flash_writer_may_complete(w, p->address, count)) {
        drain(p);
        finish(p, flash_writer_write(w, p->address, &p->rx[1], count) == FLASH_WRITER_OK);
        return;
    }
    /* Queued (on_address programmed the one before), unless the staged header is one the policy refuses already:
     * its refusal is this block's NACK, and nothing is queued. */
    bool accepted = flash_writer_gate(w) == FLASH_WRITER_OK;
    if (accepted && !p->failed) {
        p->queued_address = p->address;
        p->queued = count;
        memcpy(p->queued_data, &p->rx[1], count);
    }
    finish(p, accepted);
}

static void on_erase_count(an3155_t *p)
{
    p->erase_code = (uint16_t)(p->rx[0] << 8 | p->rx[1]);
    p->erase_checksum = (uint8_t)(p->rx[0] ^ p->rx[1]);
    p->erase_refused = false;
    memset(p->erase_set, 0, sizeof p->erase_set);
    if (p->erase_code >= ERASE_FIRST_CODE) {
        expect(p, AN3155_WAIT_ERASE_CHECKSUM, 1u);
    } else {
        p->erase_pages_left = p->erase_code + 1u;
        expect(p, AN3155_WAIT_ERASE_PAGES, 2u);
    }
}

static void on_erase_page(an3155_t *p)
{
    uint32_t page = (uint32_t)p->rx[0] << 8 | p->rx[1];
    p->erase_checksum ^= (uint8_t)(p->rx[0] ^ p->rx[1]);
    if (flash_writer_page_in_region(p->writer, page)) {
        bitset_add(p->erase_set, page);
    } else {
        p->erase_refused = true;
    }
    p->erase_pages_left--;
    if (p->erase_pages_left > 0u) {
        expect(p, AN3155_WAIT_ERASE_PAGES, 2u);
    } else {
        expect(p, AN3155_WAIT_ERASE_CHECKSUM, 1u);
    }
}

/* The list, or the special code's pages inside the region, is complete and checked: every page is erased as far as
 * the host can tell. The header is invalidated before any image page either way; the image pages are only marked
 * (flash_writer_erase_later) and each is erased when first needed, so the ACK does not wait for 22 ms a page. */
static void on_erase_checksum(an3155_t *p)
{
    /* What the host wrote before it erased is in flash before the pages are erased (as the host sees it). */
    drain(p);
    uint16_t code = p->erase_code;
    bool accepted = p->rx[0] == p->erase_checksum && !p->erase_refused;
    if (code >= ERASE_FIRST_CODE) {
        uint32_t bank2 = p->config->bank2_first_page;
        uint32_t first = code == ERASE_BANK2 ? bank2 : 0u;
        uint32_t end = code == ERASE_BANK1 ? bank2 : FLASH_WRITER_MAX_PAGES;
        accepted = accepted && code >= ERASE_BANK2;
        for (uint32_t page = first; page < end; page++) {
            if (flash_writer_page_in_region(p->writer, page)) {
                bitset_add(p->erase_set, page);
            }
        }
    }
    for (uint32_t page = 0; accepted && page < FLASH_WRITER_MAX_PAGES; page++) {
        accepted = !bitset_has(p->erase_set, page) || flash_writer_erase_later(p->writer, page) == FLASH_WRITER_OK;
    }
    finish(p, accepted);
}

void an3155_init(an3155_t *protocol, const an3155_config_t *config, const an3155_port_t *port,
                 flash_writer_t *writer)
{
    memset(protocol, 0, sizeof *protocol);
    protocol->config = config;
    protocol->port = port;
    protocol->writer = writer;
    protocol->last_activity_ms = port->now_ms(port);
    expect(protocol, AN3155_WAIT_SYNC, 1u);
}

static void on_phase_complete(an3155_t *p)
{
    switch (p->state) {
    case AN3155_WAIT_SYNC:
        if (p->rx[0] == AN3155_SYNC) {
            finish(p, true);
        } else {
            /* Auto-baud measured something that was not the host's 0x7F: measure again. */
            p->port->restart_baud_detection(p->port);
            expect(p, AN3155_WAIT_SYNC, 1u);
        }
        return;
    case AN3155_WAIT_COMMAND:
        p->command = p->rx[0];
        expect(p, AN3155_WAIT_COMPLEMENT, 1u);
        return;
    case AN3155_WAIT_COMPLEMENT:
        on_command(p, p->rx[0]);
        return;
    case AN3155_WAIT_ADDRESS:
        on_address(p);
        return;
    case AN3155_WAIT_READ_COUNT:
        on_read_count(p);
        return;
    case AN3155_WAIT_WRITE_DATA:
        on_write_data(p);
        return;
    case AN3155_WAIT_ERASE_COUNT:
        on_erase_count(p);
        return;
    case AN3155_WAIT_ERASE_PAGES:
        on_erase_page(p);
        return;
    case AN3155_WAIT_ERASE_CHECKSUM:
        on_erase_checksum(p);
        return;
    case AN3155_RESETTING:
        return;
    }
}

void an3155_receive(an3155_t *protocol, uint8_t byte)
{
    if (protocol->state == AN3155_RESETTING) {
        return;
    }
    protocol->rx[protocol->rx_len++] = byte;
    protocol->rx_xor ^= byte;
    if (protocol->rx_len == protocol->rx_need) {
        protocol->working_since_ms = protocol->port->now_ms(protocol->port);
        protocol->working = true;
        on_phase_complete(protocol);
        protocol->working = false;
    }
    /* Measured after the work: a long erase must not count against the host's next byte. */
    protocol->last_activity_ms = protocol->port->now_ms(protocol->port);
}

void an3155_poll(an3155_t *protocol)
{
    uint32_t idle = protocol->port->now_ms(protocol->port) - protocol->last_activity_ms;
    if (idle >= AN3155_QUIET_MS) {
        /* A quiet host sends no next block to program the queued one at: programmed now. */
        drain(protocol);
    }
    switch (protocol->state) {
    case AN3155_WAIT_SYNC:
    case AN3155_RESETTING:
        return;
    case AN3155_WAIT_COMMAND:
        if (idle < AN3155_IDLE_COMMIT_MS) {
            return;
        }
        if (flash_writer_commit_pending(protocol->writer)) {
            (void)flash_writer_commit(protocol->writer);
        }
        /* One page per poll: a command arriving meanwhile waits for one erase, not for all of them. */
        erase_pending_everywhere(protocol, 1u);
        return;
    default:
        if (idle >= AN3155_FRAME_TIMEOUT_MS) {
            expect(protocol, AN3155_WAIT_COMMAND, 1u);
        }
        return;
    }
}

void an3155_tick(an3155_t *protocol, uint32_t now_ms)
{
    if (protocol->working && now_ms - protocol->working_since_ms >= AN3155_BUSY_INTERVAL_MS) {
        protocol->working_since_ms = now_ms;
        uint8_t busy = AN3155_BUSY;
        send(protocol, &busy, 1u);
    }
}
