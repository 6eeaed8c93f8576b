#include "fault_record.h"

#define EXCEPTION_SHIFT   24u
#define FIRST_IRQ         16u
/* RM0351 Table 57 (STM32L47x/L48x): 82 interrupt lines after the 16 system exceptions. */
#define EXCEPTION_COUNT   (FIRST_IRQ + 82u)
#define FIRST_NAMED       2u
/* Exceptions 2..15 (ARMv7-M B1.5.2); "-" marks the reserved numbers. */
#define SYSTEM_NAMES "NMI\0HardFault\0MemManage\0BusFault\0UsageFault\0-\0-\0-\0-\0SVCall\0DebugMonitor\0-\0PendSV\0SysTick\0"

uint32_t fault_record_make(uint32_t exception, bool pc_known, uint32_t pc)
{
    uint32_t offset = pc - FAULT_RECORD_FLASH_BASE;
    if (!pc_known || offset >= FAULT_RECORD_FLASH_SIZE) {
        offset = FAULT_RECORD_PC_UNKNOWN;
    }
    return exception << EXCEPTION_SHIFT | offset;
}

bool fault_record_frame_inside(uint32_t sp, uint32_t base, uint32_t size)
{
    return sp % 4u == 0u && sp >= base && sp - base <= size && size - (sp - base) >= FAULT_RECORD_FRAME_SIZE;
}

void fault_record_write(text_t *out, uint32_t record)
{
    uint32_t exception = record >> EXCEPTION_SHIFT;
    uint32_t offset = record & FAULT_RECORD_PC_UNKNOWN;
    const char *name = exception >= FIRST_NAMED && exception < FIRST_IRQ
                     ? text_pick(SYSTEM_NAMES, exception - FIRST_NAMED) : "-";
    bool known = exception >= FIRST_IRQ ? exception < EXCEPTION_COUNT : name[0] != '-';
    if (!known || (offset != FAULT_RECORD_PC_UNKNOWN && offset >= FAULT_RECORD_FLASH_SIZE)) {
        text_str(out, "unknown record ");
        text_hex32(out, record);
        return;
    }
    if (exception >= FIRST_IRQ) {
        text_str(out, "IRQ ");
        text_u32(out, exception - FIRST_IRQ);
    } else {
        text_str(out, name);
    }
    if (offset == FAULT_RECORD_PC_UNKNOWN) {
        text_str(out, ", PC unknown");
        return;
    }
    text_str(out, " at ");
    text_hex32(out, FAULT_RECORD_FLASH_BASE + offset);
}
