/* Erase and program on a fake_flash_t behind flash_write_port_t, with the silicon's rules and power cuts.
 * Every page erase and every double-word program is one operation. Power can fail during any chosen operation:
 * the operation is then cut short (nothing, its first half or its second half applied, or torn as the virtual board
 * tears it) and every later one fails, until the test reboots the device (fake_flash_ops_power_on). Programming a
 * double word that is not erased fails and is counted, as PROGERR would on silicon; misaligned or out-of-range
 * requests abort: they are bugs. */
#ifndef FAKE_FLASH_OPS_H
#define FAKE_FLASH_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "fake_flash.h"
#include "flash_writer.h"

typedef enum {
    CUT_NOTHING_APPLIED,
    CUT_FIRST_HALF_APPLIED,
    CUT_SECOND_HALF_APPLIED,
    /* Every byte of the range in between (tools/Stm32Boot.VirtualBoard/Peripherals/Flash.cs, ApplyTorn): an erase
     * ORs 0x0F into each byte, a program clears only the low-nibble bits it would have cleared. */
    CUT_TORN,
} cut_mode_t;

#define NO_CUT (-1L)
#define FAKE_FLASH_LOG_SIZE 64u

typedef enum { OP_ERASE, OP_PROGRAM } op_kind_t;

typedef struct {
    op_kind_t kind;
    uint32_t addr;  /* page start for an erase, the double word for a program */
} op_record_t;

typedef struct {
    fake_flash_t *flash;
    uint32_t page_size;
    long cut_at;             /* the operation, counted from 0 since power-on, during which power fails */
    cut_mode_t cut_mode;
    bool power_lost;
    long completed;          /* operations completed since power-on */
    long erases;
    long programs;
    long program_over_data;  /* programs refused because the double word was not erased */
    op_record_t log[FAKE_FLASH_LOG_SIZE]; /* the first operations since the log was cleared */
    uint32_t log_len;
} fake_flash_ops_t;

void fake_flash_ops_init(fake_flash_ops_t *ops, fake_flash_t *flash, uint32_t page_size);
/* Power returns: counters and log cleared, no cut planned, flash contents kept. */
void fake_flash_ops_power_on(fake_flash_ops_t *ops);
void fake_flash_ops_clear_log(fake_flash_ops_t *ops);
flash_write_port_t fake_flash_write_port(fake_flash_ops_t *ops);

#endif /* FAKE_FLASH_OPS_H */
