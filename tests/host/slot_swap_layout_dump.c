/* Prints the swap status format's constants (slot_swap.h) as "name value" lines, in decimal. The C# tools read the
 * status areas from flash dumps (`stm32boot info`); BootStateLayoutMatchesCTests compares this output with them. */
#include <stdio.h>

#include "slot_swap.h"

#define VALUE(name) printf("%s %llu\n", #name, (unsigned long long)(name))

int main(void)
{
    VALUE(SLOT_SWAP_MAGIC_INSTALL);
    VALUE(SLOT_SWAP_MAGIC_REVERT);
    VALUE(SLOT_SWAP_RECORD_MAGIC);
    VALUE(SLOT_SWAP_DESCRIPTOR_SIZE);
    return 0;
}
