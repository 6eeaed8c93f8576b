#include "backup.h"

#include "rcc.h"
#include "regs/pwr.h"
#include "regs/rtc.h"

uint32_t backup_read(uint32_t index)
{
    return RTC->BKPR[index];
}

void backup_domain_unlock(void)
{
    if ((PWR->CR1 & PWR_CR1_DBP) == 0u) {
        rcc_periph_enable(RCC_PERIPH_PWR);
        PWR->CR1 |= PWR_CR1_DBP;
        /* The write protection lifts once DBP reads back set. */
        while ((PWR->CR1 & PWR_CR1_DBP) == 0u) {
        }
    }
}

void backup_write(uint32_t index, uint32_t value)
{
    backup_domain_unlock();
    RTC->BKPR[index] = value;
}
