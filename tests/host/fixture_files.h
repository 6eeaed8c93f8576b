/* The files the usb_disks fixture (usb_disks.py) writes: disk images, HEX files and the images they hold. The
 * suites that read them take the fixture's directory as their only argument. */
#ifndef FIXTURE_FILES_H
#define FIXTURE_FILES_H

#include <stddef.h>
#include <stdint.h>

/* Takes the directory from argv[1]; exits with a message when it is missing. */
void fixture_files_init(int argc, char **argv);
/* The path of a fixture file (valid until the next call). */
const char *fixture_path(const char *name);
/* The whole file in a heap buffer the caller frees, with a NUL after it; aborts with a message when it cannot
 * be read. */
uint8_t *fixture_read(const char *name, size_t *len);

#endif /* FIXTURE_FILES_H */
