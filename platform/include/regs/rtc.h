/* RTC — real-time clock and its backup registers (RM0351, RTC registers). The firmware only uses RTC_BKPxR, which
 * sit in the backup domain: they survive a system reset and are write-protected until PWR_CR1.DBP = 1. */
#ifndef REGS_RTC_H
#define REGS_RTC_H

#include "regs/mmio.h"

#define RTC_BKP_COUNT 32u

typedef struct {
    volatile uint32_t TR;
    volatile uint32_t DR;
    volatile uint32_t CR;
    volatile uint32_t ISR;
    volatile uint32_t PRER;
    volatile uint32_t WUTR;
    uint32_t reserved0;
    volatile uint32_t ALRMAR;
    volatile uint32_t ALRMBR;
    volatile uint32_t WPR;
    volatile uint32_t SSR;
    volatile uint32_t SHIFTR;
    volatile uint32_t TSTR;
    volatile uint32_t TSDR;
    volatile uint32_t TSSSR;
    volatile uint32_t CALR;
    volatile uint32_t TAMPCR;
    volatile uint32_t ALRMASSR;
    volatile uint32_t ALRMBSSR;
    volatile uint32_t OR;
    volatile uint32_t BKPR[RTC_BKP_COUNT]; /* RTC_BKP0R .. RTC_BKP31R */
} rtc_regs_t;

REG_OFFSET_ASSERT(rtc_regs_t, TR, 0x00);
REG_OFFSET_ASSERT(rtc_regs_t, WUTR, 0x14);
REG_OFFSET_ASSERT(rtc_regs_t, ALRMAR, 0x1C);
REG_OFFSET_ASSERT(rtc_regs_t, WPR, 0x24);
REG_OFFSET_ASSERT(rtc_regs_t, TAMPCR, 0x40);
REG_OFFSET_ASSERT(rtc_regs_t, OR, 0x4C);
REG_OFFSET_ASSERT(rtc_regs_t, BKPR, 0x50);
_Static_assert(offsetof(rtc_regs_t, BKPR) + 4u * (RTC_BKP_COUNT - 1u) == 0xCC, "RTC_BKP31R must be at 0xCC");

#define RTC_BASE 0x40002800u
#define RTC ((rtc_regs_t *)RTC_BASE)

#endif /* REGS_RTC_H */
