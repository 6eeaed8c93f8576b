/* The option bytes as the setting Protection wants them (protection_policy.h), checked first thing at every boot:
 * programming them ends in the option byte loading reset, which must not cost this boot's requests (backup
 * registers, double-reset marker) before they are taken. Lines go to USART1 only when there is something to say. */
#ifndef PROTECTION_H
#define PROTECTION_H

#include <stdint.h>

/* rcc_csr: RCC_CSR as read at this reset, not cleared (OBLRSTF tells a boot after the option byte loading). Returns
 * unless it programmed and loaded the option bytes, which resets the chip. */
void protection_enforce(uint32_t rcc_csr);

#endif /* PROTECTION_H */
