/* The swap of SlotMode "swap" (slot_swap.h): installs and reverts move exactly the pages the contract names, power
 * cuts after and during every flash operation (in every way the fake flash cuts one, the virtual board's torn erase
 * and program included) and repeated cuts while resuming lose nothing, the status areas never read as anything but
 * "the previous operation, finished" or "the new one, with the steps recorded so far", they alternate, and flash
 * errors are reported and repaired by a later run. The pages hold random bytes, a share of their double words
 * erased, and every page outside the images holds junk, as a slot does after an update of another size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fake_flash.h"
#include "fake_flash_ops.h"
#include "slot_swap.h"

#define PAGE FLASH_WRITER_PAGE_SIZE
#define FLASH_BASE 0x08000000u

static struct {
    slot_swap_config_t config;
    uint32_t size;                    /* bytes of flash from FLASH_BASE */
    fake_flash_t flash;
    fake_flash_ops_t ops;
    image_port_t port;
    flash_write_port_t write;
    uint8_t buffer[PAGE];
} rig;

static uint32_t random_state;

static uint32_t next_random(void)
{
    /* xorshift32: reproducible junk. */
    random_state ^= random_state << 13;
    random_state ^= random_state >> 17;
    random_state ^= random_state << 5;
    return random_state;
}

static uint8_t *at(uint32_t addr)
{
    return rig.flash.bytes + (addr - FLASH_BASE);
}

static uint32_t primary(uint32_t i) { return rig.config.primary + i * PAGE; }
static uint32_t secondary(uint32_t i) { return rig.config.secondary + i * PAGE; }
static uint32_t previous(uint32_t i) { return rig.config.previous + i * PAGE; }

/* Random bytes over [addr, addr + len), each double word erased with probability erased_in_16 / 16. */
static void fill(uint32_t addr, uint32_t len, uint32_t erased_in_16)
{
    for (uint32_t offset = 0; offset < len; offset += 8u) {
        bool erased = next_random() % 16u < erased_in_16;
        for (uint32_t i = 0; i < 8u; i++) {
            at(addr + offset)[i] = erased ? 0xFFu : (uint8_t)next_random();
        }
    }
}

/* A flash whose every byte is junk but the status areas, which a factory image leaves erased. */
static void rig_start(uint32_t flash_size)
{
    free(rig.flash.bytes);
    rig.size = flash_size;
    rig.flash = (fake_flash_t){ .base = FLASH_BASE, .bytes = malloc(flash_size), .size = flash_size };
    CHECK_TRUE(rig.flash.bytes != NULL);
    random_state = 0x2468ACE1u;
    fill(FLASH_BASE, flash_size, 2u);
    memset(at(rig.config.status), 0xFF, 2u * rig.config.status_area_size);
    fake_flash_ops_init(&rig.ops, &rig.flash, PAGE);
    rig.port = fake_flash_port(&rig.flash);
    rig.write = fake_flash_write_port(&rig.ops);
}

/* The 1 MB part's map in swap mode (swap.md): primary 0x08020000 up to the end of bank 1, previous at bank 2's first
 * page, secondary one page higher, two status areas of two pages after it. */
static void rig_full(void)
{
    rig.config = (slot_swap_config_t){
        .flash_base = FLASH_BASE,
        .primary = 0x08020000u,
        .secondary = 0x08080800u,
        .previous = 0x08080000u,
        .slot_pages = 192u,
        .status = 0x080E0800u,
        .status_area_size = 0x1000u,
    };
    rig_start(0x100000u);
}

/* The same shape with slot_pages pages per slot: page 0 stands for the bootloader, one page of junk at the end. */
static void rig_small(uint32_t slot_pages)
{
    uint32_t records = (4u + 2u * slot_pages) * 8u;
    rig.config = (slot_swap_config_t){
        .flash_base = FLASH_BASE,
        .primary = FLASH_BASE + PAGE,
        .previous = FLASH_BASE + PAGE + slot_pages * PAGE,
        .secondary = FLASH_BASE + 2u * PAGE + slot_pages * PAGE,
        .slot_pages = slot_pages,
        .status = FLASH_BASE + 2u * PAGE + 2u * slot_pages * PAGE,
        .status_area_size = (records + PAGE - 1u) / PAGE * PAGE,
    };
    rig_start(rig.config.status + 2u * rig.config.status_area_size + PAGE - FLASH_BASE);
}

static uint8_t *snapshot(void)
{
    uint8_t *copy = malloc(rig.size);
    CHECK_TRUE(copy != NULL);
    memcpy(copy, rig.flash.bytes, rig.size);
    return copy;
}

static void restore(const uint8_t *copy)
{
    memcpy(rig.flash.bytes, copy, rig.size);
    fake_flash_ops_power_on(&rig.ops);
}

static const uint8_t *page_in(const uint8_t *image, uint32_t addr)
{
    return image + (addr - FLASH_BASE);
}

/* What an install of n pages leaves outside the status areas: PREVIOUS[i] = the old PRIMARY[i], PRIMARY[i] = the old
 * SECONDARY[i], every other byte as it was. */
static uint8_t *expected_install(const uint8_t *before, uint32_t n)
{
    uint8_t *expected = malloc(rig.size);
    CHECK_TRUE(expected != NULL);
    memcpy(expected, before, rig.size);
    for (uint32_t i = 0; i < n; i++) {
        memcpy(expected + (previous(i) - FLASH_BASE), page_in(before, primary(i)), PAGE);
    }
    for (uint32_t i = 0; i < n; i++) {
        memcpy(expected + (primary(i) - FLASH_BASE), page_in(before, secondary(i)), PAGE);
    }
    return expected;
}

/* What a revert of n pages leaves: PRIMARY[i] = PREVIOUS[i]. */
static uint8_t *expected_revert(const uint8_t *before, uint32_t n)
{
    uint8_t *expected = malloc(rig.size);
    CHECK_TRUE(expected != NULL);
    memcpy(expected, before, rig.size);
    for (uint32_t i = 0; i < n; i++) {
        memcpy(expected + (primary(i) - FLASH_BASE), page_in(before, previous(i)), PAGE);
    }
    return expected;
}

/* The flash equals expected outside the status areas; prints the first difference. */
static bool flash_is(const uint8_t *expected)
{
    uint32_t status_start = rig.config.status - FLASH_BASE;
    uint32_t status_end = status_start + 2u * rig.config.status_area_size;
    for (uint32_t offset = 0; offset < rig.size; offset++) {
        if ((offset < status_start || offset >= status_end) && rig.flash.bytes[offset] != expected[offset]) {
            fprintf(stderr, "  flash differs first at 0x%08X\n", (unsigned)(FLASH_BASE + offset));
            return false;
        }
    }
    return true;
}

static uint32_t programmed_double_words(uint32_t addr, uint32_t len)
{
    uint32_t count = 0;
    static const uint8_t erased[8] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    for (uint32_t offset = 0; offset < len; offset += 8u) {
        count += memcmp(at(addr + offset), erased, 8u) != 0;
    }
    return count;
}

static slot_swap_state_t read_state(void)
{
    return slot_swap_read(&rig.config, &rig.port);
}

static slot_swap_status_t begin(slot_swap_kind_t kind, uint32_t pages, slot_swap_state_t *state)
{
    return slot_swap_begin(&rig.config, &rig.port, &rig.write, kind, pages, state);
}

static slot_swap_status_t run(slot_swap_state_t *state)
{
    return slot_swap_run(&rig.config, &rig.port, &rig.write, state, rig.buffer);
}

/* The state of a finished operation. */
static void check_finished(slot_swap_kind_t kind, uint32_t pages, uint32_t sequence, uint32_t area)
{
    slot_swap_state_t state = read_state();
    CHECK_EQ_U32(kind, state.kind);
    CHECK_EQ_U32(pages, state.pages);
    CHECK_EQ_U32(kind == SLOT_SWAP_INSTALL ? 2u * pages : pages, state.steps);
    CHECK_EQ_U32(state.steps, state.steps_done);
    CHECK_EQ_U32(sequence, state.sequence);
    CHECK_EQ_U32(area, state.area);
    CHECK_TRUE(slot_swap_finished(&state));
}

/* begin + run without cuts. */
static void swap(slot_swap_kind_t kind, uint32_t pages)
{
    slot_swap_state_t state;
    CHECK_EQ_U32(SLOT_SWAP_OK, begin(kind, pages, &state));
    CHECK_EQ_U32(kind, state.kind);
    CHECK_EQ_U32(0u, state.steps_done);
    CHECK_EQ_U32(SLOT_SWAP_OK, run(&state));
    CHECK_TRUE(slot_swap_finished(&state));
    CHECK_EQ_U32(0u, rig.ops.program_over_data);
}

static void image_pages_count_the_header_page_and_round_the_image_up(void)
{
    CHECK_EQ_U32(1u, slot_swap_image_pages(0u));
    CHECK_EQ_U32(2u, slot_swap_image_pages(8u));
    CHECK_EQ_U32(2u, slot_swap_image_pages(PAGE));
    CHECK_EQ_U32(3u, slot_swap_image_pages(PAGE + 1u));
    CHECK_EQ_U32(192u, slot_swap_image_pages(0x5F800u));
    CHECK_EQ_U32(1u + 0x200000u, slot_swap_image_pages(0xFFFFFFFFu));
}

static void an_erased_status_reads_as_nothing_ever_swapped(void)
{
    rig_full();
    slot_swap_state_t state = read_state();
    CHECK_EQ_U32(SLOT_SWAP_NONE, state.kind);
    CHECK_EQ_U32(0u, state.steps);
    CHECK_EQ_U32(0u, state.sequence);
    CHECK_TRUE(slot_swap_finished(&state));
    uint8_t *before = snapshot();
    slot_swap_state_t copy = state;
    CHECK_EQ_U32(SLOT_SWAP_OK, run(&copy));
    CHECK_EQ_U32(0u, rig.ops.erases + rig.ops.programs);
    CHECK_TRUE(memcmp(before, rig.flash.bytes, rig.size) == 0);
    free(before);
}

/* A small image over a small one in the real map: exactly n pages move, erased double words are not programmed (a
 * later program, e.g. a start mark in the header page, still finds them erased), and the secondary no longer holds
 * the install request. */
static void an_install_of_a_small_image_moves_n_pages_and_programs_only_what_is_not_erased(void)
{
    rig_full();
    fill(primary(0), 5u * PAGE, 6u);      /* the old image: 5 pages */
    fill(secondary(0), 3u * PAGE, 6u);    /* the new image: 3 pages */
    uint32_t n = 5u;
    uint8_t *before = snapshot();
    uint8_t *expected = expected_install(before, n);
    uint32_t programs = 0;
    for (uint32_t i = 0; i < n; i++) {
        programs += programmed_double_words(primary(i), PAGE) + programmed_double_words(secondary(i), PAGE);
    }

    swap(SLOT_SWAP_INSTALL, n);

    CHECK_TRUE(flash_is(expected));
    CHECK_TRUE(memcmp(at(primary(0)), page_in(before, secondary(0)), 3u * PAGE) == 0);
    CHECK_TRUE(memcmp(at(previous(0)), page_in(before, primary(0)), 5u * PAGE) == 0);
    CHECK_TRUE(memcmp(at(secondary(0)), page_in(before, secondary(0)), PAGE) != 0);
    /* The status area's erase (2 pages) and 2n page erases; the descriptor (4 double words), the programmed double
     * words of the pages and 2n records. */
    CHECK_EQ_U32(2u + 2u * n, rig.ops.erases);
    CHECK_EQ_U32(4u + programs + 2u * n, rig.ops.programs);
    check_finished(SLOT_SWAP_INSTALL, n, 1u, 0u);
    free(before);
    free(expected);
}

/* Full-size images (192 pages, the whole slot) in the real map, then the revert: the old image returns byte for
 * byte. */
static void a_full_size_install_and_its_revert_restore_the_old_image_byte_for_byte(void)
{
    rig_full();
    uint32_t n = rig.config.slot_pages;
    fill(primary(0), n * PAGE, 2u);
    fill(secondary(0), n * PAGE, 2u);
    uint8_t *before = snapshot();
    uint8_t *expected = expected_install(before, n);

    swap(SLOT_SWAP_INSTALL, n);
    CHECK_TRUE(flash_is(expected));
    CHECK_TRUE(memcmp(at(primary(0)), page_in(before, secondary(0)), n * PAGE) == 0);
    CHECK_TRUE(memcmp(at(previous(0)), page_in(before, primary(0)), n * PAGE) == 0);
    CHECK_TRUE(memcmp(at(secondary(0)), page_in(before, secondary(0)), PAGE) != 0);
    check_finished(SLOT_SWAP_INSTALL, n, 1u, 0u);

    uint8_t *installed = snapshot();
    uint8_t *reverted = expected_revert(installed, n);
    swap(SLOT_SWAP_REVERT, n);
    CHECK_TRUE(flash_is(reverted));
    CHECK_TRUE(memcmp(at(primary(0)), page_in(before, primary(0)), n * PAGE) == 0);
    check_finished(SLOT_SWAP_REVERT, n, 2u, 1u);
    free(before);
    free(expected);
    free(installed);
    free(reverted);
}

/* n = max(new, old): a 3-page image over an 8-page one keeps all 8 old pages, and the revert brings all back. */
static void an_install_over_a_larger_image_keeps_all_of_it(void)
{
    rig_small(12u);
    fill(primary(0), 8u * PAGE, 4u);
    fill(secondary(0), 3u * PAGE, 4u);
    uint8_t *before = snapshot();
    uint32_t n = slot_swap_image_pages(7u * PAGE - 100u);   /* the old image: 8 pages */
    CHECK_EQ_U32(8u, n);

    swap(SLOT_SWAP_INSTALL, n);
    CHECK_TRUE(memcmp(at(primary(0)), page_in(before, secondary(0)), 3u * PAGE) == 0);
    CHECK_TRUE(memcmp(at(previous(0)), page_in(before, primary(0)), 8u * PAGE) == 0);

    swap(SLOT_SWAP_REVERT, n);
    CHECK_TRUE(memcmp(at(primary(0)), page_in(before, primary(0)), 8u * PAGE) == 0);
    check_finished(SLOT_SWAP_REVERT, n, 2u, 1u);
    free(before);
}

/* Several operations in a row take the areas in turn with rising sequences, each leaving the data its kind says. */
static void operations_in_a_row_alternate_the_areas_and_count_up(void)
{
    rig_small(6u);
    static const struct {
        slot_swap_kind_t kind;
        uint32_t new_pages;   /* install: pages written to the secondary first */
        uint32_t n;
    } ops[] = {
        { SLOT_SWAP_INSTALL, 4u, 6u }, { SLOT_SWAP_REVERT, 0u, 6u }, { SLOT_SWAP_INSTALL, 6u, 6u },
        { SLOT_SWAP_INSTALL, 2u, 6u }, { SLOT_SWAP_REVERT, 0u, 6u }, { SLOT_SWAP_INSTALL, 5u, 5u },
    };
    fill(primary(0), 6u * PAGE, 4u);
    for (uint32_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        if (ops[k].new_pages != 0u) {
            fill(secondary(0), ops[k].new_pages * PAGE, 4u);
        }
        uint8_t *before = snapshot();
        uint8_t *expected = ops[k].kind == SLOT_SWAP_INSTALL ? expected_install(before, ops[k].n)
                                                             : expected_revert(before, ops[k].n);
        swap(ops[k].kind, ops[k].n);
        CHECK_TRUE(flash_is(expected));
        check_finished(ops[k].kind, ops[k].n, k + 1u, k % 2u);
        free(before);
        free(expected);
    }
}

/* Begin's flash operations in order: the other area's pages erased, DW0..DW2, then DW3; nothing else. */
static void begin_erases_the_other_area_and_programs_the_descriptor_crc_last(void)
{
    rig_small(4u);
    swap(SLOT_SWAP_INSTALL, 4u);           /* area 0 the newest: begin takes area 1 */
    uint32_t area1 = rig.config.status + rig.config.status_area_size;
    fake_flash_ops_power_on(&rig.ops);
    slot_swap_state_t state;
    CHECK_EQ_U32(SLOT_SWAP_OK, begin(SLOT_SWAP_REVERT, 3u, &state));
    CHECK_EQ_U32(SLOT_SWAP_REVERT, state.kind);
    CHECK_EQ_U32(3u, state.pages);
    CHECK_EQ_U32(3u, state.steps);
    CHECK_EQ_U32(0u, state.steps_done);
    CHECK_EQ_U32(2u, state.sequence);
    CHECK_EQ_U32(1u, state.area);
    CHECK_EQ_U32(1u, rig.config.status_area_size / PAGE);
    static const struct {
        op_kind_t kind;
        uint32_t offset;
    } expected[] = { { OP_ERASE, 0u }, { OP_PROGRAM, 0u }, { OP_PROGRAM, 8u }, { OP_PROGRAM, 16u },
                     { OP_PROGRAM, 24u } };
    CHECK_EQ_U32(sizeof expected / sizeof expected[0], rig.ops.log_len);
    for (uint32_t k = 0; k < rig.ops.log_len && k < sizeof expected / sizeof expected[0]; k++) {
        CHECK_EQ_U32(expected[k].kind, rig.ops.log[k].kind);
        CHECK_EQ_U32(area1 + expected[k].offset, rig.ops.log[k].addr);
    }
    uint64_t magic;
    memcpy(&magic, at(area1), sizeof magic);
    CHECK_TRUE(magic == SLOT_SWAP_MAGIC_REVERT);
}

/* Hand-made descriptors: each rule of validity on its own makes an area invalid. */
static void an_area_is_valid_only_with_its_magic_both_halves_its_crc_and_n_within_the_slot(void)
{
    rig_small(4u);
    swap(SLOT_SWAP_INSTALL, 4u);
    swap(SLOT_SWAP_REVERT, 4u);             /* area 1, sequence 2: newest */
    check_finished(SLOT_SWAP_REVERT, 4u, 2u, 1u);
    uint8_t *good = snapshot();
    uint32_t area1 = rig.config.status + rig.config.status_area_size;

    /* Each damage leaves area 0's finished install the newest: one bit of the magic, of a value or of its inverse
     * (value|~value broken), or the same bit of a value and its inverse (only the CRC notices). */
    static const struct {
        uint32_t first, second;   /* bytes of the descriptor whose bit 0 flips; second == first: one byte */
    } damages[] = { { 0, 0 }, { 7, 7 }, { 8, 8 }, { 12, 12 }, { 16, 16 }, { 20, 20 }, { 24, 24 }, { 28, 28 },
                    { 8, 12 }, { 16, 20 }, { 24, 28 } };
    for (size_t k = 0; k < sizeof damages / sizeof damages[0]; k++) {
        restore(good);
        at(area1 + damages[k].first)[0] ^= 0x01u;
        if (damages[k].second != damages[k].first) {
            at(area1 + damages[k].second)[0] ^= 0x01u;
        }
        check_finished(SLOT_SWAP_INSTALL, 4u, 1u, 0u);
    }

    /* n above slot_pages with a consistent CRC and inverses: not valid either. */
    restore(good);
    rig.config.slot_pages = 3u;
    slot_swap_state_t state = read_state();
    CHECK_EQ_U32(SLOT_SWAP_NONE, state.kind);
    rig.config.slot_pages = 4u;

    /* The higher sequence wins whichever area holds it. */
    restore(good);
    memset(at(area1), 0xFF, rig.config.status_area_size);
    check_finished(SLOT_SWAP_INSTALL, 4u, 1u, 0u);
    free(good);
}

static void begin_refuses_while_the_newest_operation_is_unfinished(void)
{
    rig_small(4u);
    fill(secondary(0), 4u * PAGE, 4u);
    slot_swap_state_t state;
    CHECK_EQ_U32(SLOT_SWAP_OK, begin(SLOT_SWAP_INSTALL, 4u, &state));
    rig.ops.cut_at = rig.ops.completed + 20;   /* power fails in the first steps */
    rig.ops.cut_mode = CUT_NOTHING_APPLIED;
    CHECK_EQ_U32(SLOT_SWAP_FLASH_ERROR, run(&state));
    fake_flash_ops_power_on(&rig.ops);
    uint8_t *before = snapshot();

    slot_swap_state_t refused;
    CHECK_EQ_U32(SLOT_SWAP_UNFINISHED, begin(SLOT_SWAP_REVERT, 4u, &refused));
    CHECK_EQ_U32(0u, rig.ops.erases + rig.ops.programs);
    CHECK_TRUE(memcmp(before, rig.flash.bytes, rig.size) == 0);
    CHECK_EQ_U32(SLOT_SWAP_INSTALL, refused.kind);
    CHECK_EQ_U32(1u, refused.sequence);
    CHECK_TRUE(!slot_swap_finished(&refused));
    CHECK_EQ_U32(SLOT_SWAP_OK, run(&refused));
    check_finished(SLOT_SWAP_INSTALL, 4u, 1u, 0u);
    free(before);
}

/* The operation under test and the newest one before it. */
typedef struct {
    slot_swap_kind_t kind;
    uint32_t pages;
    slot_swap_state_t prior;
} planned_t;

static const cut_mode_t all_cut_modes[] = { CUT_NOTHING_APPLIED, CUT_FIRST_HALF_APPLIED, CUT_SECOND_HALF_APPLIED,
                                            CUT_TORN };
#define CUT_MODES (sizeof all_cut_modes / sizeof all_cut_modes[0])

/* After a reset the areas say either "the prior operation, finished" (the new one not begun, or its descriptor not
 * whole yet) or "the new operation" with the steps recorded before the cut, plus the one whose record the cut tore;
 * and once the new one showed, it never goes away. */
static bool state_is_consistent(const planned_t *plan, const slot_swap_state_t *state, bool seen_new,
                                uint32_t recorded)
{
    if (!seen_new && state->kind == plan->prior.kind && state->sequence == plan->prior.sequence
        && state->area == plan->prior.area && state->pages == plan->prior.pages
        && state->steps_done == plan->prior.steps) {
        return true;
    }
    return state->kind == plan->kind && state->pages == plan->pages && state->sequence == plan->prior.sequence + 1u
           && state->area == (plan->prior.area ^ 1u) && state->steps_done >= recorded
           && state->steps_done <= recorded + 1u && state->steps_done <= state->steps;
}

/* The boot sequence reduced to the swap, through resets: resume the new operation when the areas show it, else begin
 * it; power fails at cuts[k] (operations counted from the k-th power-on) in modes[k]. False if the status ever read
 * inconsistent or the operation did not complete. */
static bool complete(const planned_t *plan, const long *cuts, const cut_mode_t *modes, size_t count)
{
    bool seen_new = false;
    uint32_t recorded = 0;
    for (size_t boot = 0; boot <= count; boot++) {
        fake_flash_ops_power_on(&rig.ops);
        if (boot < count) {
            rig.ops.cut_at = cuts[boot];
            rig.ops.cut_mode = modes[boot];
        }
        slot_swap_state_t state = read_state();
        if (!state_is_consistent(plan, &state, seen_new, recorded)) {
            fprintf(stderr, "  boot %zu: read kind %d, sequence %u, steps %u of %u (recorded %u)\n", boot,
                    (int)state.kind, (unsigned)state.sequence, (unsigned)state.steps_done, (unsigned)state.steps,
                    (unsigned)recorded);
            return false;
        }
        bool is_new = state.sequence == plan->prior.sequence + 1u;
        seen_new = seen_new || is_new;
        slot_swap_status_t status = is_new ? SLOT_SWAP_OK : begin(plan->kind, plan->pages, &state);
        if (status == SLOT_SWAP_OK) {
            status = run(&state);
        }
        if (status == SLOT_SWAP_OK) {
            slot_swap_state_t after = read_state();
            return !rig.ops.power_lost && rig.ops.program_over_data == 0 && slot_swap_finished(&after)
                   && after.sequence == plan->prior.sequence + 1u;
        }
        if (!rig.ops.power_lost) {
            fprintf(stderr, "  boot %zu: status %d without a power cut\n", boot, (int)status);
            return false;
        }
        recorded = state.sequence == plan->prior.sequence + 1u ? state.steps_done : 0u;
    }
    fprintf(stderr, "  not complete after the last cut\n");
    return false;
}

/* Power fails at every operation of begin + run, in every mode, and again during the resume (at an operation that
 * walks over the resume's first hundred); the third boot runs without cuts. Returns the operations of an uncut run. */
static long cut_everywhere(const char *name, const uint8_t *before, const planned_t *plan, const uint8_t *expected)
{
    restore(before);
    CHECK_TRUE(complete(plan, NULL, NULL, 0u));
    CHECK_TRUE(flash_is(expected));
    long total = rig.ops.completed;
    int failures = 0;
    for (size_t m = 0; m < CUT_MODES; m++) {
        for (long cut = 0; cut < total && failures < 5; cut++) {
            restore(before);
            long cuts[2] = { cut, (cut * 7 + (long)m) % 101 };
            cut_mode_t modes[2] = { all_cut_modes[m], all_cut_modes[(m + (size_t)cut) % CUT_MODES] };
            if (!complete(plan, cuts, modes, 2u) || !flash_is(expected)) {
                fprintf(stderr, "  %s: cut at operation %ld (mode %zu), then at %ld (mode %d)\n", name, cut, m,
                        cuts[1], (int)modes[1]);
                failures++;
            }
        }
    }
    CHECK_EQ_U32(0u, (uint32_t)failures);
    return total;
}

static void a_power_cut_at_or_during_any_operation_of_an_install_or_a_revert_loses_nothing(void)
{
    rig_small(8u);
    /* History: both areas valid (an install in area 0, its revert in area 1), so the install erases the older,
     * valid, area 0 and a torn erase there is among the cuts. */
    fill(primary(0), 8u * PAGE, 10u);
    fill(secondary(0), 3u * PAGE, 10u);
    swap(SLOT_SWAP_INSTALL, 8u);
    swap(SLOT_SWAP_REVERT, 8u);
    fill(secondary(0), 6u * PAGE, 10u);   /* the new image; the old one (8 pages) in the primary */
    uint8_t *old_image = malloc(8u * PAGE);
    uint8_t *new_image = malloc(6u * PAGE);
    memcpy(old_image, at(primary(0)), 8u * PAGE);
    memcpy(new_image, at(secondary(0)), 6u * PAGE);

    uint8_t *before = snapshot();
    uint8_t *expected = expected_install(before, 8u);
    planned_t install = { .kind = SLOT_SWAP_INSTALL, .pages = 8u, .prior = read_state() };
    CHECK_EQ_U32(2u, install.prior.sequence);
    long total = cut_everywhere("install", before, &install, expected);
    CHECK_TRUE(total > 16 * 8);
    CHECK_TRUE(memcmp(at(primary(0)), new_image, 6u * PAGE) == 0);
    CHECK_TRUE(memcmp(at(previous(0)), old_image, 8u * PAGE) == 0);
    check_finished(SLOT_SWAP_INSTALL, 8u, 3u, 0u);

    uint8_t *installed = snapshot();
    uint8_t *reverted = expected_revert(installed, 8u);
    planned_t revert = { .kind = SLOT_SWAP_REVERT, .pages = 8u, .prior = read_state() };
    total = cut_everywhere("revert", installed, &revert, reverted);
    CHECK_TRUE(total > 8 * 8);
    CHECK_TRUE(memcmp(at(primary(0)), old_image, 8u * PAGE) == 0);
    check_finished(SLOT_SWAP_REVERT, 8u, 4u, 1u);

    free(old_image);
    free(new_image);
    free(before);
    free(expected);
    free(installed);
    free(reverted);
}

/* Many cuts in a row, at varying depths into each resume, some of them torn; then power stays. */
static void repeated_cuts_while_resuming_lose_nothing(void)
{
    rig_small(8u);
    fill(primary(0), 7u * PAGE, 6u);
    fill(secondary(0), 8u * PAGE, 6u);
    uint8_t *before = snapshot();
    uint8_t *expected = expected_install(before, 8u);
    planned_t plan = { .kind = SLOT_SWAP_INSTALL, .pages = 8u, .prior = read_state() };
    CHECK_EQ_U32(SLOT_SWAP_NONE, plan.prior.kind);
    long cuts[40];
    cut_mode_t modes[40];
    for (size_t k = 0; k < 40u; k++) {
        cuts[k] = (long)((k * 37u) % 180u);
        modes[k] = all_cut_modes[k % CUT_MODES];
    }
    CHECK_TRUE(complete(&plan, cuts, modes, 40u));
    CHECK_TRUE(flash_is(expected));
    check_finished(SLOT_SWAP_INSTALL, 8u, 1u, 0u);
    free(before);
    free(expected);
}

/* A torn erase of the older area during begin leaves it invalid, never the newest, and a second begin uses it. */
static void a_torn_erase_of_the_older_area_never_makes_it_the_newest(void)
{
    rig_small(4u);
    swap(SLOT_SWAP_INSTALL, 4u);   /* area 0, sequence 1 */
    swap(SLOT_SWAP_REVERT, 4u);    /* area 1, sequence 2 */
    uint32_t area0 = rig.config.status;
    uint8_t descriptor[SLOT_SWAP_DESCRIPTOR_SIZE];
    memcpy(descriptor, at(area0), sizeof descriptor);

    fake_flash_ops_power_on(&rig.ops);
    rig.ops.cut_at = 0;            /* begin's first operation: the erase of area 0 */
    rig.ops.cut_mode = CUT_TORN;
    slot_swap_state_t state;
    CHECK_EQ_U32(SLOT_SWAP_FLASH_ERROR, begin(SLOT_SWAP_INSTALL, 4u, &state));
    for (uint32_t i = 0; i < sizeof descriptor; i++) {
        CHECK_EQ_U32(descriptor[i] | 0x0Fu, at(area0)[i]);
    }
    fake_flash_ops_power_on(&rig.ops);
    check_finished(SLOT_SWAP_REVERT, 4u, 2u, 1u);

    swap(SLOT_SWAP_INSTALL, 4u);
    check_finished(SLOT_SWAP_INSTALL, 4u, 3u, 0u);
}

/* A flash operation that reports an error on its own (no power cut) at each operation of begin + run.
 * The three ways it fails: nothing done, the operation done all the same, or a program that reports success but did
 * nothing (only a read-back finds it). */
typedef enum { FAIL_NOT_APPLIED, FAIL_APPLIED, FAIL_SILENTLY } failure_t;

typedef struct {
    const flash_write_port_t *inner;
    long calls;
    long fail_at;
    failure_t failure;
} failing_t;

static bool fails_now(failing_t *f)
{
    return f->calls++ == f->fail_at;
}

static bool failing_erase(const flash_write_port_t *port, uint32_t page)
{
    failing_t *f = port->context;
    if (fails_now(f)) {
        if (f->failure == FAIL_APPLIED) {
            (void)f->inner->erase_page(f->inner, page);
        }
        return false;
    }
    return f->inner->erase_page(f->inner, page);
}

static bool failing_program(const flash_write_port_t *port, uint32_t addr, const void *data, size_t len)
{
    failing_t *f = port->context;
    if (fails_now(f)) {
        if (f->failure == FAIL_APPLIED) {
            (void)f->inner->program(f->inner, addr, data, len);
        }
        return f->failure == FAIL_SILENTLY;
    }
    return f->inner->program(f->inner, addr, data, len);
}

static void flash_errors_are_reported_and_a_later_run_completes(void)
{
    rig_small(4u);
    swap(SLOT_SWAP_INSTALL, 4u);           /* a finished operation before, in area 0 */
    fill(secondary(0), 4u * PAGE, 10u);
    uint8_t *before = snapshot();
    uint8_t *expected = expected_install(before, 4u);
    failing_t failing = { .inner = &rig.write, .fail_at = -1 };
    flash_write_port_t port = { .erase_page = failing_erase, .program = failing_program, .context = &failing };

    slot_swap_state_t state;
    CHECK_EQ_U32(SLOT_SWAP_OK, slot_swap_begin(&rig.config, &rig.port, &port, SLOT_SWAP_INSTALL, 4u, &state));
    CHECK_EQ_U32(SLOT_SWAP_OK, slot_swap_run(&rig.config, &rig.port, &port, &state, rig.buffer));
    long total = failing.calls;
    CHECK_TRUE(flash_is(expected));

    int failures = 0;
    for (failure_t failure = FAIL_NOT_APPLIED; failure <= FAIL_SILENTLY; failure++) {
        for (long fail_at = 0; fail_at < total && failures < 5; fail_at++) {
            restore(before);
            failing = (failing_t){ .inner = &rig.write, .fail_at = fail_at, .failure = failure };
            slot_swap_status_t status =
                slot_swap_begin(&rig.config, &rig.port, &port, SLOT_SWAP_INSTALL, 4u, &state);
            if (status == SLOT_SWAP_OK) {
                status = slot_swap_run(&rig.config, &rig.port, &port, &state, rig.buffer);
            }
            bool reported = status == SLOT_SWAP_FLASH_ERROR;
            /* The same session goes on: resume the new operation if the areas show it, else begin again. */
            failing.fail_at = -1;
            status = state.sequence == 2u ? SLOT_SWAP_OK
                                          : slot_swap_begin(&rig.config, &rig.port, &port, SLOT_SWAP_INSTALL, 4u,
                                                            &state);
            if (status == SLOT_SWAP_OK) {
                status = slot_swap_run(&rig.config, &rig.port, &port, &state, rig.buffer);
            }
            slot_swap_state_t after = read_state();
            if (!reported || status != SLOT_SWAP_OK || !flash_is(expected) || rig.ops.program_over_data != 0u
                || after.sequence != 2u || !slot_swap_finished(&after)) {
                fprintf(stderr, "  failure %d at operation %ld: reported %d, then status %d\n", (int)failure,
                        fail_at, (int)reported, (int)status);
                failures++;
            }
        }
    }
    CHECK_EQ_U32(0u, (uint32_t)failures);
    free(before);
    free(expected);
}

int main(void)
{
    RUN_TEST(image_pages_count_the_header_page_and_round_the_image_up);
    RUN_TEST(an_erased_status_reads_as_nothing_ever_swapped);
    RUN_TEST(an_install_of_a_small_image_moves_n_pages_and_programs_only_what_is_not_erased);
    RUN_TEST(a_full_size_install_and_its_revert_restore_the_old_image_byte_for_byte);
    RUN_TEST(an_install_over_a_larger_image_keeps_all_of_it);
    RUN_TEST(operations_in_a_row_alternate_the_areas_and_count_up);
    RUN_TEST(begin_erases_the_other_area_and_programs_the_descriptor_crc_last);
    RUN_TEST(an_area_is_valid_only_with_its_magic_both_halves_its_crc_and_n_within_the_slot);
    RUN_TEST(begin_refuses_while_the_newest_operation_is_unfinished);
    RUN_TEST(a_power_cut_at_or_during_any_operation_of_an_install_or_a_revert_loses_nothing);
    RUN_TEST(repeated_cuts_while_resuming_lose_nothing);
    RUN_TEST(a_torn_erase_of_the_older_area_never_makes_it_the_newest);
    RUN_TEST(flash_errors_are_reported_and_a_later_run_completes);
    free(rig.flash.bytes);
    return check_summary();
}
