#include "boot_request.h"

#include <stdint.h>

#include "backup.h"

_Static_assert(BOOT_REQUEST_BKP_INDEX != DOUBLE_RESET_BKP_INDEX, "the request and the marker need two registers");

void boot_request_set(void)
{
    backup_write(BOOT_REQUEST_BKP_INDEX, BOOT_REQUEST_MAGIC);
}

/* A register that already reads 0 is left alone: only writes need the PWR clock and PWR_CR1.DBP. */
static void clear(uint32_t index)
{
    if (backup_read(index) != 0u) {
        backup_write(index, 0u);
    }
}

static bool take(uint32_t index, uint32_t expected)
{
    bool present = backup_read(index) == expected;
    clear(index);
    return present;
}

bool boot_request_take(void)
{
    return take(BOOT_REQUEST_BKP_INDEX, BOOT_REQUEST_MAGIC);
}

bool double_reset_marker_take(void)
{
    return take(DOUBLE_RESET_BKP_INDEX, DOUBLE_RESET_MARKER);
}

void double_reset_marker_arm(void)
{
    backup_write(DOUBLE_RESET_BKP_INDEX, DOUBLE_RESET_MARKER);
}

void double_reset_marker_clear(void)
{
    clear(DOUBLE_RESET_BKP_INDEX);
}
