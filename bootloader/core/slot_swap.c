/* The swap state machine; the reasoning (why each step can be redone, why the status is never ambiguous) is in
 * slot_swap.h. */
#include "slot_swap.h"

#include <stddef.h>
#include <string.h>

#include "crc32.h"

#define PAGE         FLASH_WRITER_PAGE_SIZE
#define DOUBLE_WORD  FLASH_WRITER_DOUBLE_WORD
#define ERASED       UINT64_MAX

/* DW0..DW3 of a status area, in flash order (the target and the hosts are little-endian: low word first). */
typedef struct {
    uint64_t magic;
    uint32_t sequence, sequence_inverse;
    uint32_t pages, pages_inverse;
    uint32_t crc, crc_inverse;
} descriptor_t;

_Static_assert(sizeof(descriptor_t) == SLOT_SWAP_DESCRIPTOR_SIZE, "four double words, no padding");

/* DW0..DW2: what the CRC covers and what begin programs before DW3. */
#define DESCRIPTOR_BODY offsetof(descriptor_t, crc)

static const uint64_t record_magic = SLOT_SWAP_RECORD_MAGIC;

static uint64_t read_double_word(const image_port_t *flash, uint32_t addr)
{
    uint64_t value;
    flash->read(flash, addr, &value, sizeof value);
    return value;
}

static uint32_t area_base(const slot_swap_config_t *config, uint32_t area)
{
    return config->status + area * config->status_area_size;
}

static uint32_t record_addr(const slot_swap_config_t *config, const slot_swap_state_t *state, uint32_t step)
{
    return area_base(config, state->area) + SLOT_SWAP_DESCRIPTOR_SIZE + step * DOUBLE_WORD;
}

static bool erase(const slot_swap_config_t *config, const flash_write_port_t *write, uint32_t addr)
{
    return write->erase_page(write, (addr - config->flash_base) / PAGE);
}

/* The operation an area describes, steps_done not counted yet; kind NONE when the area is not valid. */
static slot_swap_state_t read_area(const slot_swap_config_t *config, const image_port_t *flash, uint32_t area)
{
    descriptor_t d;
    flash->read(flash, area_base(config, area), &d, sizeof d);
    slot_swap_state_t state = { .kind = SLOT_SWAP_NONE };
    slot_swap_kind_t kind = d.magic == SLOT_SWAP_MAGIC_INSTALL ? SLOT_SWAP_INSTALL
                            : d.magic == SLOT_SWAP_MAGIC_REVERT ? SLOT_SWAP_REVERT
                                                                : SLOT_SWAP_NONE;
    if (kind == SLOT_SWAP_NONE || d.sequence != (uint32_t)~d.sequence_inverse
        || d.pages != (uint32_t)~d.pages_inverse || d.crc != (uint32_t)~d.crc_inverse
        || d.crc != crc32_update(0u, &d, DESCRIPTOR_BODY) || d.pages > config->slot_pages) {
        return state;
    }
    state.kind = kind;
    state.pages = d.pages;
    state.steps = kind == SLOT_SWAP_INSTALL ? 2u * d.pages : d.pages;
    state.sequence = d.sequence;
    state.area = area;
    return state;
}

bool slot_swap_finished(const slot_swap_state_t *state)
{
    return state->steps_done >= state->steps;
}

slot_swap_state_t slot_swap_read(const slot_swap_config_t *config, const image_port_t *flash)
{
    slot_swap_state_t newest = { .kind = SLOT_SWAP_NONE, .area = 1u };
    for (uint32_t area = 0; area < 2u; area++) {
        slot_swap_state_t candidate = read_area(config, flash, area);
        if (candidate.kind != SLOT_SWAP_NONE
            && (newest.kind == SLOT_SWAP_NONE || candidate.sequence > newest.sequence)) {
            newest = candidate;
        }
    }
    while (newest.steps_done < newest.steps
           && read_double_word(flash, record_addr(config, &newest, newest.steps_done)) != ERASED) {
        newest.steps_done++;
    }
    return newest;
}

slot_swap_status_t slot_swap_begin(const slot_swap_config_t *config, const image_port_t *flash,
                                   const flash_write_port_t *write, slot_swap_kind_t kind, uint32_t pages,
                                   slot_swap_state_t *state)
{
    slot_swap_state_t newest = slot_swap_read(config, flash);
    if (!slot_swap_finished(&newest)) {
        /* Erasing the other area is harmless, but the new operation would hide this one, whose pages are half
         * moved: the caller must run it first. */
        *state = newest;
        return SLOT_SWAP_UNFINISHED;
    }
    uint32_t area = newest.area ^ 1u;
    uint32_t base = area_base(config, area);
    bool ok = true;
    for (uint32_t offset = 0; ok && offset < config->status_area_size; offset += PAGE) {
        ok = erase(config, write, base + offset);
    }
    descriptor_t d = {
        .magic = kind == SLOT_SWAP_REVERT ? SLOT_SWAP_MAGIC_REVERT : SLOT_SWAP_MAGIC_INSTALL,
        .sequence = newest.sequence + 1u,
        .sequence_inverse = ~(newest.sequence + 1u),
        .pages = pages,
        .pages_inverse = ~pages,
    };
    d.crc = crc32_update(0u, &d, DESCRIPTOR_BODY);
    d.crc_inverse = ~d.crc;
    /* DW3 last: until it is whole the area is not valid, and the finished operation stays the newest. */
    ok = ok && write->program(write, base, &d, DESCRIPTOR_BODY)
         && write->program(write, base + DESCRIPTOR_BODY, &d.crc, DOUBLE_WORD);
    *state = slot_swap_read(config, flash);
    return ok && state->area == area && state->sequence == d.sequence && state->steps_done == 0u
               ? SLOT_SWAP_OK
               : SLOT_SWAP_FLASH_ERROR;
}

/* Copies one page through RAM: erase, program what is not erased, read back every double word. */
static bool copy_page(const slot_swap_config_t *config, const image_port_t *flash, const flash_write_port_t *write,
                      uint32_t from, uint32_t to, uint8_t *buffer)
{
    flash->read(flash, from, buffer, PAGE);
    if (!erase(config, write, to)) {
        return false;
    }
    for (uint32_t offset = 0; offset < PAGE; offset += DOUBLE_WORD) {
        uint64_t value;
        memcpy(&value, buffer + offset, sizeof value);
        /* An all-0xFF double word is left erased: programmed, it could never be programmed again. */
        if ((value != ERASED && !write->program(write, to + offset, &value, DOUBLE_WORD))
            || read_double_word(flash, to + offset) != value) {
            return false;
        }
    }
    return true;
}

slot_swap_status_t slot_swap_run(const slot_swap_config_t *config, const image_port_t *flash,
                                 const flash_write_port_t *write, slot_swap_state_t *state,
                                 uint8_t page_buffer[FLASH_WRITER_PAGE_SIZE])
{
    for (; state->steps_done < state->steps; state->steps_done++) {
        uint32_t step = state->steps_done;
        uint32_t record = record_addr(config, state, step);
        /* Recorded already: a record whose program reported an error may still have programmed bits, and then
         * reads as done after a reset too; it must not be programmed twice. */
        if (read_double_word(flash, record) != ERASED) {
            continue;
        }
        uint32_t from = config->previous;
        uint32_t to = config->primary;
        uint32_t page = step;
        if (state->kind == SLOT_SWAP_INSTALL) {
            page = step / 2u;
            if (step % 2u == 0u) {
                from = config->primary;
                to = config->previous;
            } else {
                from = config->secondary;
            }
        }
        from += page * PAGE;
        to += page * PAGE;
        /* The record is read back like the copy: a step taken for done that is not would be redone after the next
         * step destroyed its source. */
        if (!copy_page(config, flash, write, from, to, page_buffer)
            || !write->program(write, record, &record_magic, DOUBLE_WORD)
            || read_double_word(flash, record) != record_magic) {
            return SLOT_SWAP_FLASH_ERROR;
        }
    }
    return SLOT_SWAP_OK;
}

uint32_t slot_swap_image_pages(uint32_t image_size)
{
    return 1u + image_size / PAGE + (image_size % PAGE != 0u);
}
