#include "an3155.h"

#include <string.h>

#include "bitset.h"

/* Get: the protocol version, then the commands in the order AN3155 lists them. */
static const uint8_t supported_commands[] = {
    AN3155_CMD_GET, AN3155_CMD_GET_VERSION, AN3155_CMD_GET_ID, AN3155_CMD_READ_MEMORY,
    AN3155_CMD_GO, AN3155_CMD_WRITE_MEMORY, AN3155_CMD_EXT_ERASE,
};

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
    p->rx_len = 0u;
    p->rx_need = bytes;
}

static void finish(an3155_t *p, uint8_t reply)
{
    send_byte(p, reply);
    expect(p, AN3155_WAIT_COMMAND, 1u);
}

static uint8_t xor_of(const uint8_t *bytes, size_t len)
{
    uint8_t x = 0u;
    for (size_t i = 0; i < len; i++) {
        x ^= bytes[i];
    }
    return x;
}

static void answer_get(an3155_t *p)
{
    uint8_t reply[3u + sizeof supported_commands];
    reply[0] = AN3155_ACK;
    reply[1] = (uint8_t)sizeof supported_commands; /* bytes that follow, minus one: version + commands */
    reply[2] = AN3155_PROTOCOL_VERSION;
    memcpy(&reply[3], supported_commands, sizeof supported_commands);
    send(p, reply, sizeof reply);
    finish(p, AN3155_ACK);
}

static void answer_get_version(an3155_t *p)
{
    /* AN3155 fixes both option bytes at 0x00, kept only for compatibility with the generic protocol. */
    const uint8_t reply[] = { AN3155_ACK, AN3155_PROTOCOL_VERSION, 0x00u, 0x00u };
    send(p, reply, sizeof reply);
    finish(p, AN3155_ACK);
}

static void answer_get_id(an3155_t *p)
{
    const uint8_t reply[] = {
        AN3155_ACK, 0x01u, (uint8_t)(p->config->product_id >> 8), (uint8_t)p->config->product_id,
    };
    send(p, reply, sizeof reply);
    finish(p, AN3155_ACK);
}

static void on_command(an3155_t *p, uint8_t complement)
{
    if ((uint8_t)(p->command ^ complement) != 0xFFu) {
        finish(p, AN3155_NACK);
        return;
    }
    switch (p->command) {
    case AN3155_CMD_GET:
        answer_get(p);
        return;
    case AN3155_CMD_GET_VERSION:
        answer_get_version(p);
        return;
    case AN3155_CMD_GET_ID:
        answer_get_id(p);
        return;
    case AN3155_CMD_READ_MEMORY:
        if (p->config->read_protected) {
            finish(p, AN3155_NACK);
            return;
        }
        /* fall through */
    case AN3155_CMD_GO:
    case AN3155_CMD_WRITE_MEMORY:
        send_byte(p, AN3155_ACK);
        expect(p, AN3155_WAIT_ADDRESS, 5u);
        return;
    case AN3155_CMD_EXT_ERASE:
        send_byte(p, AN3155_ACK);
        expect(p, AN3155_WAIT_ERASE_COUNT, 2u);
        return;
    default:
        finish(p, AN3155_NACK);
        return;
    }
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
        finish(p, AN3155_NACK);
        return;
    }
    /* Whatever the host wrote last completes the update now. A staged header that does not commit (its image is
     * not in flash) is refused, not skipped: the ACK would start the old application as if the new one were in. */
    flash_writer_status_t commit = flash_writer_commit(p->writer);
    image_status_t after_reset = flash_writer_check_flash(p->writer);
    /* Nothing new, and the writer writes beside the running image (SlotMode swap): the reset starts that one, as Go
     * from update mode does with one slot. */
    if (after_reset != IMAGE_OK && commit == FLASH_WRITER_NOTHING_STAGED && p->config->installed != NULL) {
        image_header_t installed;
        after_reset = image_check(check, p->config->installed, &installed);
    }
    if ((commit != FLASH_WRITER_OK && commit != FLASH_WRITER_NOTHING_STAGED) || after_reset != IMAGE_OK) {
        finish(p, AN3155_NACK);
        return;
    }
    send_byte(p, AN3155_ACK);
    p->state = AN3155_RESETTING;
    /* Pages the host had erased and never needed are erased before the reset forgets them; after the ACK, which
     * must not wait for them, and outside the image, which the commit made whole. */
    erase_pending_everywhere(p, FLASH_WRITER_MAX_PAGES);
    p->port->system_reset(p->port);
}

static void on_address(an3155_t *p)
{
    if (xor_of(p->rx, 4u) != p->rx[4]) {
        finish(p, AN3155_NACK);
        return;
    }
    p->address = (uint32_t)p->rx[0] << 24 | (uint32_t)p->rx[1] << 16 | (uint32_t)p->rx[2] << 8 | p->rx[3];
    if (p->command == AN3155_CMD_GO) {
        go(p);
        return;
    }
    if (!flash_writer_in_region(p->writer, p->address, 1u)) {
        finish(p, AN3155_NACK);
        return;
    }
    send_byte(p, AN3155_ACK);
    if (p->command == AN3155_CMD_READ_MEMORY) {
        expect(p, AN3155_WAIT_READ_COUNT, 2u);
        return;
    }
    expect(p, AN3155_WAIT_WRITE_DATA, 1u);
    /* A pending page the block lands in is erased now, while its bytes are on the line (a 256-byte block takes
     * 24.5 ms at 115200, the erase 22 ms), not after them. A failure shows again when the block is written. */
    (void)flash_writer_erase_pending(p->writer, p->address, 1u, FLASH_WRITER_MAX_PAGES);
}

static void on_read_count(an3155_t *p)
{
    uint32_t count = p->rx[0] + 1u;
    if ((uint8_t)(p->rx[0] ^ p->rx[1]) != 0xFFu || !flash_writer_in_region(p->writer, p->address, count)
        || flash_writer_erase_pending(p->writer, p->address, count, FLASH_WRITER_MAX_PAGES) != FLASH_WRITER_OK) {
        finish(p, AN3155_NACK);
        return;
    }
    send_byte(p, AN3155_ACK);
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
    if (xor_of(p->rx, 1u + count) != p->rx[1u + count] || !flash_writer_in_region(p->writer, p->address, count)) {
        finish(p, AN3155_NACK);
        return;
    }
    flash_writer_status_t status = flash_writer_write(p->writer, p->address, &p->rx[1], count);
    finish(p, status == FLASH_WRITER_OK ? AN3155_ACK : AN3155_NACK);
}

/* Erases the region's pages among first..last; the header is invalidated before any image page either way. The
 * image pages are only marked (flash_writer_erase_later): each is erased when first needed, so the ACK does not
 * wait for 22 ms a page. */
static void erase_span(an3155_t *p, uint32_t first, uint32_t last)
{
    for (uint32_t page = first; page <= last; page++) {
        flash_writer_status_t status = flash_writer_erase_later(p->writer, page);
        if (status != FLASH_WRITER_OK && status != FLASH_WRITER_OUT_OF_RANGE) {
            finish(p, AN3155_NACK);
            return;
        }
    }
    finish(p, AN3155_ACK);
}

static void erase_special(an3155_t *p, uint16_t code, uint8_t checksum)
{
    if (checksum != (uint8_t)((code >> 8) ^ code)) {
        finish(p, AN3155_NACK);
        return;
    }
    uint32_t bank2 = p->config->bank2_first_page;
    switch (code) {
    case ERASE_MASS:
        erase_span(p, 0u, FLASH_WRITER_MAX_PAGES - 1u);
        return;
    case ERASE_BANK1:
        erase_span(p, 0u, bank2 - 1u);
        return;
    case ERASE_BANK2:
        erase_span(p, bank2, FLASH_WRITER_MAX_PAGES - 1u);
        return;
    default:
        finish(p, AN3155_NACK);
        return;
    }
}

static void erase_listed(an3155_t *p)
{
    for (uint32_t page = 0; page < FLASH_WRITER_MAX_PAGES; page++) {
        if (bitset_has(p->erase_set, page)
            && flash_writer_erase_later(p->writer, page) != FLASH_WRITER_OK) {
            finish(p, AN3155_NACK);
            return;
        }
    }
    finish(p, AN3155_ACK);
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

static void on_erase_checksum(an3155_t *p)
{
    if (p->erase_code >= ERASE_FIRST_CODE) {
        erase_special(p, p->erase_code, p->rx[0]);
    } else if (p->rx[0] != p->erase_checksum || p->erase_refused) {
        finish(p, AN3155_NACK);
    } else {
        erase_listed(p);
    }
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
            finish(p, AN3155_ACK);
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
