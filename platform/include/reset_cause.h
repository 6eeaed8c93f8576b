/* Why the chip was reset, from the reset flags of RCC_CSR (RM0351 §6.4.30), in words for the boot banner and the
 * application's `info`. Portable C (compiled for the host tests too).
 *
 * Every internal reset (software, watchdogs, option-byte load, firewall, low-power, brown-out) also drives the NRST
 * pin low for at least 20 us (RM0351 §6.1.2, "System reset": the pulse generator), so PINRSTF comes with each of
 * them; only PINRSTF alone means someone pulled NRST (the reset button, a debugger's reset line). Power-on and
 * brown-out cannot be told apart: RM0351's PWR chapter ("Power-on reset (POR)/power-down reset (PDR)/brown-out
 * reset (BOR)") makes the power-on reset the brown-out reset at its lowest threshold, BOR0, which is always active,
 * and RCC_CSR has one flag, BORRSTF, for both. */
#ifndef RESET_CAUSE_H
#define RESET_CAUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "text.h"

/* The causes flagged in csr (a raw RCC_CSR value), most specific first and comma separated, e.g. "pin",
 * "power-on/brown-out", "software", "watchdog"; PINRSTF is named only when it is the only flag; "none recorded"
 * when no flag is set (the flags were cleared and the core restarted without a reset, as a debugger can). */
void reset_cause_write(text_t *out, uint32_t csr);

/* Only the NRST pin reset the chip: no internal reset source is flagged. */
bool reset_cause_pin_only(uint32_t csr);

#endif /* RESET_CAUSE_H */
