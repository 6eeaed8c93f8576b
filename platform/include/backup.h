/* RTC backup registers RTC_BKP0R..RTC_BKP31R: 32-bit words that survive a system reset. Reading needs
 * nothing; writing enables the PWR clock and sets PWR_CR1.DBP on first use (RM0351, PWR_CR1.DBP: after reset the
 * backup domain is write-protected; the RTC clock itself need not run). */
#ifndef BACKUP_H
#define BACKUP_H

#include <stdint.h>

uint32_t backup_read(uint32_t index);
void backup_write(uint32_t index, uint32_t value);

/* Lifts the backup domain's write protection (PWR clock on, PWR_CR1.DBP set and read back): RTC backup
 * registers and RCC_BDCR ignore writes until then. */
void backup_domain_unlock(void);

#endif /* BACKUP_H */
