/* The bootloader's lines on USART1 (the boot banner, its verdict, what the slots did): built one at a time in one
 * buffer, a label first, then text.h's appenders, then printed whole. */
#ifndef BANNER_H
#define BANNER_H

#include "text.h"

/* Starts a line with label, e.g. banner_line("reset: "); the returned text takes the rest. */
text_t *banner_line(const char *label);

/* Prints the line started last, with its line end. */
void banner_print(void);

#endif /* BANNER_H */
