/* The console commands of the demo application: version, info, update, erase-header. */
#ifndef COMMANDS_H
#define COMMANDS_H

/* Runs one input line; an empty line does nothing. */
void commands_run(const char *line);

#endif /* COMMANDS_H */
