#include "fixture_files.h"

#include <stdio.h>
#include <stdlib.h>

static const char *directory;

void fixture_files_init(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s USB_DISKS_DIR (the directory usb_disks.py wrote; ctest passes it)\n", argv[0]);
        exit(2);
    }
    directory = argv[1];
}

const char *fixture_path(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", directory, name);
    return path;
}

uint8_t *fixture_read(const char *name, size_t *len)
{
    const char *path = fixture_path(name);
    FILE *file = fopen(path, "rb");
    long size = -1;
    if (file != NULL && fseek(file, 0, SEEK_END) == 0) {
        size = ftell(file);
        rewind(file);
    }
    uint8_t *bytes = size >= 0 ? malloc((size_t)size + 1u) : NULL;
    if (bytes == NULL || fread(bytes, 1, (size_t)size, file) != (size_t)size) {
        fprintf(stderr, "fixture: cannot read %s (run the usb_disks fixture: ctest -R usb_disks)\n", path);
        abort();
    }
    fclose(file);
    bytes[size] = 0u; /* text files can be used as strings */
    *len = (size_t)size;
    return bytes;
}
