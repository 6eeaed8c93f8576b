/* The fault record Default_Handler leaves in RTC_BKP4R (fault_record.h): what it keeps of the exception and the
 * stacked PC, when the frame may be read at all, and how the next banner prints it. */
#include "check.h"
#include "fault_record.h"

#define SRAM1 0x20000000u
#define SRAM1_AND_ALIAS 0x00020000u

static void check_text(uint32_t record, const char *expected)
{
    char buf[64];
    text_t text;
    text_init(&text, buf, sizeof buf);
    fault_record_write(&text, record);
    CHECK_EQ_STR(expected, buf);
}

static void records_print_the_exception_and_the_pc(void)
{
    check_text(fault_record_make(3u, true, 0x08001234u), "HardFault at 0x08001234");
    check_text(fault_record_make(2u, true, 0x08020F00u), "NMI at 0x08020F00");
    check_text(fault_record_make(4u, true, 0x08000000u), "MemManage at 0x08000000");
    check_text(fault_record_make(5u, true, 0x080FFFFEu), "BusFault at 0x080FFFFE");
    check_text(fault_record_make(6u, true, 0x08000100u), "UsageFault at 0x08000100");
    check_text(fault_record_make(11u, true, 0x08000100u), "SVCall at 0x08000100");
    check_text(fault_record_make(12u, true, 0x08000100u), "DebugMonitor at 0x08000100");
    check_text(fault_record_make(14u, true, 0x08000100u), "PendSV at 0x08000100");
    check_text(fault_record_make(15u, true, 0x08000100u), "SysTick at 0x08000100");
    check_text(fault_record_make(16u + 6u, true, 0x08000F10u), "IRQ 6 at 0x08000F10");
    check_text(fault_record_make(16u + 81u, true, 0x08000F10u), "IRQ 81 at 0x08000F10");
}

static void a_pc_that_cannot_be_trusted_is_unknown(void)
{
    /* No usable frame, a PC in SRAM, a PC beyond the flash. */
    check_text(fault_record_make(3u, false, 0x08001234u), "HardFault, PC unknown");
    check_text(fault_record_make(3u, true, 0x20000100u), "HardFault, PC unknown");
    check_text(fault_record_make(5u, true, 0x08100000u), "BusFault, PC unknown");
    CHECK_TRUE(fault_record_make(2u, false, 0u) != FAULT_RECORD_NONE);
}

static void a_word_this_firmware_never_writes_is_shown_raw(void)
{
    check_text(0x07000000u, "unknown record 0x07000000");   /* reserved exception number */
    check_text(0x01000000u, "unknown record 0x01000000");   /* Reset never reaches a handler */
    check_text(0x62000000u, "unknown record 0x62000000");   /* IRQ 82: this part has 82 lines, 0..81 */
    check_text(0x03100000u, "unknown record 0x03100000");   /* an offset beyond the 1 MB flash */
}

static void the_frame_must_lie_whole_inside_sram_and_be_word_aligned(void)
{
    CHECK_TRUE(fault_record_frame_inside(SRAM1, SRAM1, SRAM1_AND_ALIAS));
    CHECK_TRUE(fault_record_frame_inside(SRAM1 + SRAM1_AND_ALIAS - 32u, SRAM1, SRAM1_AND_ALIAS));
    CHECK_TRUE(!fault_record_frame_inside(SRAM1 + SRAM1_AND_ALIAS - 28u, SRAM1, SRAM1_AND_ALIAS));
    CHECK_TRUE(!fault_record_frame_inside(SRAM1 + SRAM1_AND_ALIAS, SRAM1, SRAM1_AND_ALIAS));
    CHECK_TRUE(!fault_record_frame_inside(SRAM1 - 8u, SRAM1, SRAM1_AND_ALIAS));
    CHECK_TRUE(!fault_record_frame_inside(SRAM1 + 0x102u, SRAM1, SRAM1_AND_ALIAS));
    CHECK_TRUE(!fault_record_frame_inside(0xFFFFFFF0u, SRAM1, SRAM1_AND_ALIAS));
}

int main(void)
{
    RUN_TEST(records_print_the_exception_and_the_pc);
    RUN_TEST(a_pc_that_cannot_be_trusted_is_unknown);
    RUN_TEST(a_word_this_firmware_never_writes_is_shown_raw);
    RUN_TEST(the_frame_must_lie_whole_inside_sram_and_be_word_aligned);
    return check_summary();
}
