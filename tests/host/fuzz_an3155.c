/* libFuzzer target: the AN3155 protocol driving the real flash writer on the device's memory map (device.h), as a
 * host sends it: whole commands with valid checksums, in any order, with silences, resets and power cuts between
 * and during them. The input is a list of steps, each picked by its first byte (modulo 11):
 *
 *   0  Write Memory     flags (bit 0: offsets count from 0x08000000, not 0x08020000), 24-bit offset, N - 1, N bytes
 *   1  Write a 256-byte block of application B (its header page, then its image): the block number
 *   2  Read Memory      flags, 24-bit offset, N - 1
 *   3  Extended Erase   N - 1 (N up to 32), N 16-bit page numbers
 *   4  Extended Erase   of a special code: 0xFFFF, 0xFFFE, 0xFFFD or a reserved one (0xFFF0 - 0xFFFF)
 *   5  Go               to the header page, the image start or the bootloader
 *   6  silence          16-bit milliseconds
 *   7  reset            the protocol and the writer forget everything; flash stays
 *   8  power cut        during the flash operation n from now (n: the next byte), applied as the byte after says
 *   9  raw bytes        N, then N bytes exactly as they are: broken frames the frame timeout drops
 *  10  Get, Get Version, Get ID or an unknown command
 * Multi-byte numbers are little-endian; an input that runs out ends the list.
 *
 * Time is an input, not a wait: a silence moves the clock from one deadline of the protocol to the next (the idle
 * commit at 100 ms, the frame timeout at 2 s), polling once at each and every millisecond only while polls have
 * work (an erase a poll), so an input's cost is its commands, not its milliseconds.
 *
 * Invariants, checked at every step: nothing outside 0x08020000 - 0x080FFFFF is ever erased or programmed, no
 * double word is programmed twice, and no page holding an image that the header in flash accepts is erased or
 * programmed (every change starts by invalidating that header); an acknowledged Read Memory returns what the host
 * wrote and erased since the device last started (the host's view); an acknowledged Go leaves an accepted image;
 * and whatever the boot check accepts, at any step, is application A as installed or application B whole.
 *
 * Built again as fuzz_an3155_signed (FUZZ_AN3155_SIGNED), under the shipped policy: signatures required, A and B
 * signed by the trusted key, and step 1's block number also picking, above B's block count, application C: B with
 * one image bit flipped and its CRCs made to match, never signed again, so only the signature tells it from B. The
 * invariants stay the same, so C (or any mix) accepted at any step is a finding: nothing unverified is committed.
 *   CC=clang cmake -S tests/host -B out/host-fuzz -G Ninja && cmake --build out/host-fuzz
 *   out/host-fuzz/fuzz_an3155 -max_total_time=60 tests/host/fuzz_corpus/fuzz_an3155 */
#include <stdlib.h>
#include <string.h>

#include "bitset.h"
#include "device.h"
#include "host.h"
#include "test_image.h"
#ifdef FUZZ_AN3155_SIGNED
#include "signed_image.h"
#endif

#define REGION_SIZE (DEV_REGION_END - DEV_HEADER_ADDR)
#define BLOCK       256u
#define STEPS       11u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t at;
} input_t;

static test_image_t app_a;  /* installed */
static test_image_t app_b;  /* the update the host may write */
#ifdef FUZZ_AN3155_SIGNED
static test_image_t app_c;  /* B tampered: its signature no longer verifies */
static test_signer_t signer;
#endif
static uint8_t view[REGION_SIZE];  /* the host's view of 0x08020000 - 0x080FFFFF */
/* Pages the host erased or wrote since the device started: the writer erases a page (stages the header page
 * erased) at its first write since reset unless the host erased it first (flash_writer.h). */
static uint32_t fresh[FLASH_WRITER_MAX_PAGES / 32u];
static flash_write_port_t chip;    /* the fake flash's own port, behind the guard */
static uint32_t flash_changes;     /* operations through the guard: the boot check is redone only after one */

static void require(bool condition)
{
    if (!condition) {
        abort();
    }
}

static uint32_t take(input_t *in, uint32_t bytes)
{
    uint32_t value = 0u;
    for (uint32_t i = 0; i < bytes; i++) {
        value |= (uint32_t)(in->at < in->size ? in->data[in->at++] : 0u) << (8u * i);
    }
    return value;
}

/* The boot check on flash as it is now. */
static bool accepted(image_header_t *header)
{
    static uint32_t checked_at = UINT32_MAX;
    static bool ok;
    static image_header_t found;
    if (checked_at != flash_changes) {
        ok = image_check(&dev.check, &dev.flash_port, &found) == IMAGE_OK;
        checked_at = flash_changes;
    }
    *header = found;
    return ok;
}

/* The image the header in flash accepts overlaps [addr, addr + len); the header page counts when header_too. */
static bool touches_accepted_image(uint32_t addr, uint32_t len, bool header_too)
{
    image_header_t header;
    if (!accepted(&header)) {
        return false;
    }
    bool header_page = addr < DEV_HEADER_ADDR + DEV_PAGE_SIZE && addr + len > DEV_HEADER_ADDR;
    return (header_too && header_page) || (addr < header.image_addr + header.image_size && addr + len > header.image_addr);
}

static bool guarded_erase(const flash_write_port_t *port, uint32_t page)
{
    (void)port;
    uint32_t addr = DEV_FLASH_BASE + page * DEV_PAGE_SIZE;
    require(page >= DEV_HEADER_PAGE && page <= DEV_LAST_PAGE);
    /* Erasing the header page is how an image stops being accepted. */
    require(!touches_accepted_image(addr, DEV_PAGE_SIZE, false));
    flash_changes++;
    return chip.erase_page(&chip, page);
}

static bool guarded_program(const flash_write_port_t *port, uint32_t addr, const void *data, size_t len)
{
    (void)port;
    require(addr >= DEV_HEADER_ADDR && addr < DEV_REGION_END && len <= DEV_REGION_END - addr);
    require(!touches_accepted_image(addr, (uint32_t)len, true));
    flash_changes++;
    return chip.program(&chip, addr, data, len);
}

/* Whatever the boot check accepts is A as installed or B whole: the header and every image byte. */
static void check_what_boots(void)
{
    image_header_t header;
    if (!accepted(&header)) {
        return;
    }
    const test_image_t *app = memcmp(&header, &app_a.header, sizeof header) == 0 ? &app_a : &app_b;
    require(memcmp(&header, &app->header, sizeof header) == 0
            && memcmp(device_flash_at(DEV_IMAGE_ADDR), app->bin + DEV_PAGE_SIZE, header.image_size) == 0);
}

/* The device starts (again): the host knows flash as it is and synchronises. */
static void start_device(void)
{
    device_reboot();
    memcpy(view, device_flash_at(DEV_HEADER_ADDR), sizeof view);
    memset(fresh, 0, sizeof fresh);
    check_what_boots();
    require(host_sync());
    dev.link.tx_len = 0u;
}

/* After raw bytes the host cannot tell what they did: it takes the writer's view and what it knows of each page
 * (pending pages read erased). */
static void relearn_view(void)
{
    memset(fresh, 0, sizeof fresh);
    for (uint32_t page = DEV_HEADER_PAGE; page <= DEV_LAST_PAGE; page++) {
        uint32_t addr = DEV_FLASH_BASE + page * DEV_PAGE_SIZE;
        uint8_t *dst = view + (addr - DEV_HEADER_ADDR);
        bool pending = bitset_has(dev.writer.erase_pending, page);
        if (pending) {
            memset(dst, 0xFF, DEV_PAGE_SIZE);
        } else {
            flash_writer_read(&dev.writer, addr, dst, DEV_PAGE_SIZE);
        }
        if (pending || bitset_has(dev.writer.erased_since_reset, page)
            || (page == DEV_HEADER_PAGE && dev.writer.staged_valid)) {
            bitset_add(fresh, page);
        }
    }
}

/* A page reads erased from now on. Before an image page changes, the writer erases the header page in flash: the
 * host sees that unless it has a header page of its own (staged) since the device started. */
static void erase_in_view(uint32_t page)
{
    if (page < DEV_HEADER_PAGE || page > DEV_LAST_PAGE) {
        return;
    }
    memset(view + (page - DEV_HEADER_PAGE) * DEV_PAGE_SIZE, 0xFF, DEV_PAGE_SIZE);
    bitset_add(fresh, page);
    if (page != DEV_HEADER_PAGE && !bitset_has(fresh, DEV_HEADER_PAGE)) {
        memset(view, 0xFF, DEV_PAGE_SIZE);
    }
}

static uint32_t address(input_t *in)
{
    uint32_t flags = take(in, 1u);
    uint32_t offset = take(in, 3u);
    return ((flags & 1u) != 0u ? DEV_FLASH_BASE : DEV_HEADER_ADDR) + offset;
}

static void relearn_view(void);

static void write_memory(uint32_t addr, const uint8_t *bytes, uint32_t len)
{
    if (!host_write(addr, bytes, len)) {
#ifdef FUZZ_AN3155_SIGNED
        /* The write that completes an image the policy refuses is NACKed after its bytes were programmed: the host
         * learns only "refused" and takes the device's view again, as after raw bytes. */
        if (!dev.ops.power_lost) {
            relearn_view();
        }
#endif
        return;
    }
    require(addr >= DEV_HEADER_ADDR && addr + len <= DEV_REGION_END);
    for (uint32_t page = (addr - DEV_FLASH_BASE) / DEV_PAGE_SIZE;
         page <= (addr + len - 1u - DEV_FLASH_BASE) / DEV_PAGE_SIZE; page++) {
        if (!bitset_has(fresh, page)) {
            erase_in_view(page);
        }
    }
    memcpy(view + (addr - DEV_HEADER_ADDR), bytes, len);
}

static void read_memory(uint32_t addr, uint32_t len)
{
    uint8_t got[BLOCK];
    if (host_read(addr, got, len) && !dev.ops.power_lost) {
        require(addr >= DEV_HEADER_ADDR && addr + len <= DEV_REGION_END);
        require(memcmp(got, view + (addr - DEV_HEADER_ADDR), len) == 0);
    }
}

static void erase_list(input_t *in)
{
    uint16_t pages[32];
    uint32_t count = take(in, 1u) % 32u + 1u;
    for (uint32_t i = 0; i < count; i++) {
        pages[i] = (uint16_t)take(in, 2u);
    }
    if (host_erase(pages, count)) {
        for (uint32_t i = 0; i < count; i++) {
            erase_in_view(pages[i]);
        }
    }
}

static void erase_special(input_t *in)
{
    static const uint16_t codes[] = { 0xFFFFu, 0xFFFEu, 0xFFFDu };
    uint32_t pick = take(in, 1u);
    /* AN3155 reserves 0xFFF0 - 0xFFFC; a smaller value would be a page count, whose list is erase_list's. */
    uint16_t code = pick % 4u < 3u ? codes[pick % 4u] : (uint16_t)(0xFFF0u | (pick >> 4));
    HOST_SEND(AN3155_CMD_EXT_ERASE, (uint8_t)~AN3155_CMD_EXT_ERASE);
    const uint8_t frame[3] = { (uint8_t)(code >> 8), (uint8_t)code, (uint8_t)((code >> 8) ^ code) };
    host_send(frame, sizeof frame);
    const uint8_t acked[2] = { AN3155_ACK, AN3155_ACK };
    if (dev.link.tx_len == 2u && memcmp(dev.link.tx, acked, 2u) == 0) {
        uint32_t first = code == 0xFFFDu ? DEV_BANK2_FIRST_PAGE : 0u;
        uint32_t last = code == 0xFFFEu ? DEV_BANK2_FIRST_PAGE - 1u : DEV_LAST_PAGE;
        for (uint32_t page = first; page <= last; page++) {
            erase_in_view(page);
        }
    }
}

static void go(input_t *in)
{
    static const uint32_t targets[] = { DEV_HEADER_ADDR, DEV_IMAGE_ADDR, DEV_FLASH_BASE };
    int resets = dev.link.resets;
    if (host_go(targets[take(in, 1u) % 3u]) && !dev.ops.power_lost) {
        image_header_t header;
        require(dev.link.resets == resets + 1 && accepted(&header));
        /* An acknowledged Go started what the host wrote: a staged header that could not commit gets NACK. */
        require(memcmp(device_flash_at(DEV_HEADER_ADDR), view, IMAGE_HEADER_SIZE) == 0);
    }
}

/* Polls at every deadline the protocol has, and every millisecond while polls find work. */
static void silence(uint32_t ms)
{
    uint32_t end = dev.link.now_ms + ms;
    while (!dev.ops.power_lost) {
        long operations = dev.ops.completed;
        an3155_state_t state = dev.protocol.state;
        an3155_poll(&dev.protocol);
        if (dev.link.now_ms == end) {
            return;
        }
        if (dev.ops.completed != operations || dev.protocol.state != state) {
            dev.link.now_ms++;
            continue;
        }
        uint32_t idle = dev.link.now_ms - dev.protocol.last_activity_ms;
        uint32_t next = end - dev.link.now_ms;
        if (idle < AN3155_IDLE_COMMIT_MS && AN3155_IDLE_COMMIT_MS - idle < next) {
            next = AN3155_IDLE_COMMIT_MS - idle;
        } else if (idle < AN3155_FRAME_TIMEOUT_MS && AN3155_FRAME_TIMEOUT_MS - idle < next) {
            next = AN3155_FRAME_TIMEOUT_MS - idle;
        }
        dev.link.now_ms += next;
    }
}

static void raw_bytes(input_t *in)
{
    uint32_t count = take(in, 1u);
    for (uint32_t i = 0; i < count && in->at < in->size; i++) {
        uint8_t byte = (uint8_t)take(in, 1u);
        host_send(&byte, 1u);
    }
    dev.link.tx_len = 0u;
    silence(AN3155_FRAME_TIMEOUT_MS);
    relearn_view();
}

static void simple_command(input_t *in)
{
    static const uint8_t commands[] = { AN3155_CMD_GET, AN3155_CMD_GET_VERSION, AN3155_CMD_GET_ID, 0x63u };
    uint8_t command = commands[take(in, 1u) % 4u];
    const uint8_t frame[2] = { command, (uint8_t)~command };
    host_send(frame, sizeof frame);
}

static void step(input_t *in)
{
    uint8_t block[BLOCK];
    switch (take(in, 1u) % STEPS) {
    case 0: {
        uint32_t addr = address(in);
        uint32_t len = take(in, 1u) + 1u;
        for (uint32_t i = 0; i < len; i++) {
            block[i] = (uint8_t)take(in, 1u);
        }
        write_memory(addr, block, len);
        break;
    }
    case 1: {
        uint32_t blocks = (uint32_t)(app_b.bin_len + BLOCK - 1u) / BLOCK;
        uint32_t pick = take(in, 1u);
        const test_image_t *app = &app_b;
#ifdef FUZZ_AN3155_SIGNED
        app = pick / blocks % 2u == 0u ? &app_b : &app_c;
#endif
        uint32_t offset = pick % blocks * BLOCK;
        uint32_t len = app->bin_len - offset < BLOCK ? (uint32_t)(app->bin_len - offset) : BLOCK;
        write_memory(DEV_HEADER_ADDR + offset, app->bin + offset, len);
        break;
    }
    case 2: {
        uint32_t addr = address(in);
        read_memory(addr, take(in, 1u) + 1u);
        break;
    }
    case 3:
        erase_list(in);
        break;
    case 4:
        erase_special(in);
        break;
    case 5:
        go(in);
        break;
    case 6:
        silence(take(in, 2u));
        break;
    case 7:
        start_device();
        break;
    case 8:
        dev.ops.cut_at = dev.ops.completed + (long)take(in, 1u);
        dev.ops.cut_mode = (cut_mode_t)(take(in, 1u) % 3u);
        break;
    case 9:
        raw_bytes(in);
        break;
    default:
        simple_command(in);
        break;
    }
    dev.link.tx_len = 0u;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool built;
    if (!built) {
        test_image_build(&app_a, 3000u, 1u);
        test_image_build(&app_b, 5000u, 2u);
#ifdef FUZZ_AN3155_SIGNED
        test_signer_init(&signer, 1u, "fuzzkey!");
        signed_image_sign(&app_a, &signer, 1u);
        signed_image_sign(&app_b, &signer, 1u);
        app_c = app_b;
        app_c.bin[DEV_PAGE_SIZE + 1000u] ^= 0x01u;
        test_image_seal(&app_c);
#endif
        built = true;
    }
    device_factory_fresh();
#ifdef FUZZ_AN3155_SIGNED
    dev.policy.require_signature = true;
    dev.policy.keys = &signer.trusted;
    dev.policy.key_count = 1u;
#endif
    chip = dev.write_port;
    dev.write_port = (flash_write_port_t){ .erase_page = guarded_erase, .program = guarded_program };
    test_image_install(&app_a);
    flash_changes++;
    start_device();
    input_t in = { data, size, 0u };
    while (in.at < in.size) {
        int resets = dev.link.resets;
        step(&in);
        require(dev.ops.program_over_data == 0);
        check_what_boots();
        if (dev.ops.power_lost || dev.link.resets != resets) {
            /* Power returns, or Go's reset: the device starts again. */
            start_device();
        }
    }
    return 0;
}
