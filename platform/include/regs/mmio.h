/* Helpers shared by the register headers: every register block is a struct laid over its base address, and
 * every member offset is pinned with a static assertion so that a slip in a reserved gap cannot go unnoticed. */
#ifndef REGS_MMIO_H
#define REGS_MMIO_H

#include <stddef.h>
#include <stdint.h>

#define REG_OFFSET_ASSERT(type, member, offset) \
    _Static_assert(offsetof(type, member) == (offset), #type "." #member " must be at offset " #offset)

#endif /* REGS_MMIO_H */
