/* The bootloader's lines on USART1 (the boot banner, its verdict, what the slots did): built one at a time in one
 * buffer, a label first, then text.h's appenders, then printed whole.
 *
 * BootBanner (build/settings.json, BOOT_BANNER_QUIET): "full" prints the banner's first two lines at every reset;
 * "quiet" prints them only before a stay in update mode (main.c), so a boot with nothing to report prints nothing,
 * while every line that carries news (a refusal, a fault, a raise, a trial, the option bytes, the slots) still prints
 * as it happens. */
#ifndef BANNER_H
#define BANNER_H

#include <stdint.h>

#include "text.h"

/* Starts a line with label, e.g. banner_line("reset: "); the returned text takes the rest. */
text_t *banner_line(const char *label);

/* Prints the line started last, with its line end. */
void banner_print(void);

/* The banner's first two lines: "L475 bootloader VERSION board 0xID" and "reset: CAUSE" for the RCC_CSR value
 * reset_flags. */
void banner_header(uint32_t reset_flags);

#endif /* BANNER_H */
