/* The cause of the last fault or unexpected exception, as Default_Handler (vectors.c, shared by both images)
 * leaves it in a backup register (boot_request.h) before it resets the chip, and as the next boot banner prints
 * it, e.g. "fault: HardFault at 0x08001234". Portable C (compiled for the host tests too).
 *
 * One 32-bit word: bits 31..24 the exception number as IPSR gives it (2 NMI, 3 HardFault, ... 16 + n for IRQ n),
 * bits 23..0 the stacked PC's offset from the flash base, or FAULT_RECORD_PC_UNKNOWN when the stack pointer did not
 * point at a whole exception frame inside SRAM, or the stacked PC lies outside the flash. 0 is no record: no
 * exception has the number 0. */
#ifndef FAULT_RECORD_H
#define FAULT_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "text.h"

#define FAULT_RECORD_NONE        0u
#define FAULT_RECORD_PC_UNKNOWN  0xFFFFFFu
/* RM0351 §2.2 memory map: the main flash, 1 MB from 0x08000000. */
#define FAULT_RECORD_FLASH_BASE  0x08000000u
#define FAULT_RECORD_FLASH_SIZE  0x00100000u
/* ARMv7-M B1.5.6: the basic exception frame is 8 words, the return address (PC) the seventh. */
#define FAULT_RECORD_FRAME_SIZE  32u
#define FAULT_RECORD_FRAME_PC    6u

/* The record of exception number exception (IPSR) whose stacked PC is pc, when pc_known. */
uint32_t fault_record_make(uint32_t exception, bool pc_known, uint32_t pc);

/* A whole exception frame at sp lies inside [base, base + size) and sp is word aligned: its PC can be read without
 * a second fault. */
bool fault_record_frame_inside(uint32_t sp, uint32_t base, uint32_t size);

/* What the banner prints after "fault: ", e.g. "HardFault at 0x08001234", "IRQ 6 at 0x08000F10", "BusFault, PC
 * unknown"; a word that is no record this firmware writes (another user of the register) is shown raw. */
void fault_record_write(text_t *out, uint32_t record);

#endif /* FAULT_RECORD_H */
