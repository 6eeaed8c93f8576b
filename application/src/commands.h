/* The console commands of the demo application: version, info, update, erase-header, erase-page N,
 * receive (SlotMode swap: an update over XMODEM-1K into the secondary slot, update_slot.h). */
#ifndef COMMANDS_H
#define COMMANDS_H

/* Runs one input line; an empty line does nothing. */
void commands_run(const char *line);

/* Prints prefix followed by the fw_version of the header in flash, as one console line. */
void commands_print_version(const char *prefix);

#endif /* COMMANDS_H */
