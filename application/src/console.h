/* The line editor of the USART1 console: echoes what is typed, handles backspace, and ends a line at CR or
 * LF (a CR LF pair ends one line, not two). */
#ifndef CONSOLE_H
#define CONSOLE_H

#include "text.h"

#define CONSOLE_PROMPT "> "
#define CONSOLE_LINE_MAX 80u

/* Feeds the bytes received so far; returns the finished line, or NULL while it is incomplete. A line longer
 * than CONSOLE_LINE_MAX is reported and comes back empty. */
const char *console_read_line(void);

void console_print(const char *text);
void console_print_line(const char *text);
void console_print_text_line(const text_t *line);

#endif /* CONSOLE_H */
