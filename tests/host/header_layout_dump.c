/* Prints "name offset size" for every field of image_header_t, in layout order, one per line, in decimal.
 * The C# image header tests compare this output with their own layout. */
#include <stddef.h>
#include <stdio.h>

#include "image_header.h"

#define FIELD(name) printf("%s %zu %zu\n", #name, offsetof(image_header_t, name), sizeof(((image_header_t *)0)->name))

int main(void)
{
    FIELD(magic);
    FIELD(header_version);
    FIELD(header_size);
    FIELD(fw_version);
    FIELD(image_addr);
    FIELD(image_size);
    FIELD(image_crc32);
    FIELD(board_id);
    FIELD(flags);
    FIELD(reserved);
    FIELD(header_crc32);
    return 0;
}
