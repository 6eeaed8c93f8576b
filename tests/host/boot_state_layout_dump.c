/* Prints the boot-attempt state's layout and magics (boot_state.h) as "name value" lines, in decimal. The C# tools
 * read the state from flash dumps (`stm32boot info`); BootStateLayoutMatchesCTests compares this output with them. */
#include <stdio.h>

#include "boot_state.h"

#define VALUE(name) printf("%s %llu\n", #name, (unsigned long long)(name))

int main(void)
{
    VALUE(BOOT_STATE_OFFSET);
    VALUE(BOOT_STATE_SIZE);
    VALUE(BOOT_STATE_DOUBLE_WORD);
    VALUE(BOOT_STATE_TRIAL_SLOT);
    VALUE(BOOT_STATE_FIRST_START);
    VALUE(BOOT_STATE_FIRST_CONFIRM);
    VALUE(BOOT_STATE_MAX_ATTEMPTS);
    VALUE(BOOT_STATE_TRIAL_MAGIC);
    VALUE(BOOT_STATE_START_MAGIC);
    VALUE(BOOT_STATE_CONFIRM_MAGIC);
    return 0;
}
