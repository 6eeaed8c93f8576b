#include "reset_cause.h"

#include "regs/rcc.h"

/* RCC_CSR bits 31 down to 24, one text each (RM0351 §6.4.30); the pin (bit 26) is handled on its own. */
#define FLAG_TEXTS "low-power\0window watchdog\0watchdog\0software\0power-on/brown-out\0pin\0option-byte load\0firewall\0"
#define TOP_FLAG_BIT 31u
#define FLAG_COUNT 8u

bool reset_cause_pin_only(uint32_t csr)
{
    return (csr & RCC_CSR_RESET_FLAGS) == RCC_CSR_PINRSTF;
}

void reset_cause_write(text_t *out, uint32_t csr)
{
    uint32_t flags = csr & RCC_CSR_RESET_FLAGS;
    if (flags == 0u) {
        text_str(out, "none recorded");
        return;
    }
    if (!reset_cause_pin_only(csr)) {
        flags &= ~RCC_CSR_PINRSTF;
    }
    const char *separator = "";
    for (uint32_t i = 0; i < FLAG_COUNT; i++) {
        if ((flags & (1u << (TOP_FLAG_BIT - i))) != 0u) {
            text_str(out, separator);
            text_str(out, text_pick(FLAG_TEXTS, i));
            separator = ", ";
        }
    }
}
