#include "fake_flash_ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOUBLE_WORD 8u

void fake_flash_ops_init(fake_flash_ops_t *ops, fake_flash_t *flash, uint32_t page_size)
{
    memset(ops, 0, sizeof *ops);
    ops->flash = flash;
    ops->page_size = page_size;
    fake_flash_ops_power_on(ops);
}

void fake_flash_ops_power_on(fake_flash_ops_t *ops)
{
    fake_flash_t *flash = ops->flash;
    uint32_t page_size = ops->page_size;
    memset(ops, 0, sizeof *ops);
    ops->flash = flash;
    ops->page_size = page_size;
    ops->cut_at = NO_CUT;
}

void fake_flash_ops_clear_log(fake_flash_ops_t *ops)
{
    ops->log_len = 0u;
}

static uint8_t *locate(fake_flash_ops_t *ops, uint32_t addr, uint32_t len)
{
    fake_flash_t *flash = ops->flash;
    if (addr < flash->base || addr - flash->base > flash->size || len > flash->size - (addr - flash->base)) {
        fprintf(stderr, "fake flash: operation on %u bytes at 0x%08X lies outside the flash\n", (unsigned)len,
                (unsigned)addr);
        abort();
    }
    return flash->bytes + (addr - flash->base);
}

static void record(fake_flash_ops_t *ops, op_kind_t kind, uint32_t addr)
{
    if (ops->log_len < FAKE_FLASH_LOG_SIZE) {
        ops->log[ops->log_len++] = (op_record_t){ kind, addr };
    }
}

/* Applies the part of an operation that a cut in the current mode leaves behind: dst receives src's bytes in
 * the applied half, or every byte torn. Returns true when the operation may complete. */
static bool survive(fake_flash_ops_t *ops, op_kind_t kind, uint8_t *dst, const uint8_t *src, uint32_t len)
{
    if (ops->power_lost) {
        return false;
    }
    if (ops->completed != ops->cut_at) {
        return true;
    }
    ops->power_lost = true;
    uint32_t half = len / 2u;
    if (ops->cut_mode == CUT_FIRST_HALF_APPLIED) {
        memcpy(dst, src, half);
    } else if (ops->cut_mode == CUT_SECOND_HALF_APPLIED) {
        memcpy(dst + half, src + half, len - half);
    } else if (ops->cut_mode == CUT_TORN) {
        for (uint32_t i = 0; i < len; i++) {
            dst[i] = kind == OP_ERASE ? (uint8_t)(dst[i] | 0x0Fu) : (uint8_t)(dst[i] & (src[i] | 0xF0u));
        }
    }
    return false;
}

static bool erase_page(const flash_write_port_t *port, uint32_t page)
{
    fake_flash_ops_t *ops = port->context;
    uint32_t addr = ops->flash->base + page * ops->page_size;
    uint8_t *dst = locate(ops, addr, ops->page_size);
    uint8_t erased[4096];
    if (ops->page_size > sizeof erased) {
        fprintf(stderr, "fake flash: pages of %u bytes are larger than the model supports\n",
                (unsigned)ops->page_size);
        abort();
    }
    memset(erased, 0xFF, ops->page_size);
    if (!survive(ops, OP_ERASE, dst, erased, ops->page_size)) {
        return false;
    }
    memcpy(dst, erased, ops->page_size);
    record(ops, OP_ERASE, addr);
    ops->completed++;
    ops->erases++;
    return true;
}

static bool program(const flash_write_port_t *port, uint32_t addr, const void *data, size_t len)
{
    fake_flash_ops_t *ops = port->context;
    if (addr % DOUBLE_WORD != 0u || len % DOUBLE_WORD != 0u || len == 0u) {
        fprintf(stderr, "fake flash: program of %zu bytes at 0x%08X is not whole double words\n", len,
                (unsigned)addr);
        abort();
    }
    const uint8_t *src = data;
    for (size_t offset = 0; offset < len; offset += DOUBLE_WORD) {
        uint8_t *dst = locate(ops, addr + (uint32_t)offset, DOUBLE_WORD);
        for (uint32_t i = 0; i < DOUBLE_WORD; i++) {
            if (dst[i] != 0xFFu) {
                ops->program_over_data++;
                return false;
            }
        }
        if (!survive(ops, OP_PROGRAM, dst, src + offset, DOUBLE_WORD)) {
            return false;
        }
        memcpy(dst, src + offset, DOUBLE_WORD);
        record(ops, OP_PROGRAM, addr + (uint32_t)offset);
        ops->completed++;
        ops->programs++;
    }
    return true;
}

flash_write_port_t fake_flash_write_port(fake_flash_ops_t *ops)
{
    return (flash_write_port_t){ .erase_page = erase_page, .program = program, .context = ops };
}
