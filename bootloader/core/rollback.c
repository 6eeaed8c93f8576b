#include "rollback.h"

#include <stdbool.h>
#include <string.h>

#include "byte_order.h"
#include "text.h"

#define ERASED_WORD 0xFFFFFFFFu

typedef struct {
    rollback_state_t state;
    bool has_erased;
    uint32_t first_erased;   /* address of the first erased double word, when has_erased */
} scan_t;

static scan_t scan(const rollback_config_t *config, const image_port_t *port)
{
    scan_t scan = { .state = { .capacity = config->size / ROLLBACK_RECORD_SIZE } };
    for (uint32_t i = 0; i < scan.state.capacity; i++) {
        uint32_t addr = config->base + i * ROLLBACK_RECORD_SIZE;
        uint8_t bytes[ROLLBACK_RECORD_SIZE];
        port->read(port, addr, bytes, sizeof bytes);
        uint32_t low = le32(bytes), high = le32(bytes + 4);
        if (low == ERASED_WORD && high == ERASED_WORD) {
            if (!scan.has_erased) {
                scan.has_erased = true;
                scan.first_erased = addr;
            }
            continue;
        }
        scan.state.used++;
        if (high == ~low && low > scan.state.minimum) {
            scan.state.minimum = low;
        }
    }
    return scan;
}

rollback_state_t rollback_read(const rollback_config_t *config, const image_port_t *port)
{
    return scan(config, port).state;
}

rollback_status_t rollback_raise(const rollback_config_t *config, const image_port_t *port,
                                 const flash_write_port_t *write, uint32_t counter)
{
    scan_t now = scan(config, port);
    if (counter <= now.state.minimum) {
        return ROLLBACK_NOT_HIGHER;
    }
    if (!now.has_erased) {
        return ROLLBACK_FULL;
    }
    uint8_t record[ROLLBACK_RECORD_SIZE];
    put_le32(record, counter);
    put_le32(record + 4, ~counter);
    if (!write->program(write, now.first_erased, record, sizeof record)) {
        return ROLLBACK_FLASH_ERROR;
    }
    /* The program reported success; only what reads back counts at the next boot. */
    uint8_t back[ROLLBACK_RECORD_SIZE];
    port->read(port, now.first_erased, back, sizeof back);
    return memcmp(back, record, sizeof record) == 0 ? ROLLBACK_RAISED : ROLLBACK_FLASH_ERROR;
}

const char *rollback_status_text(rollback_status_t status)
{
    return text_pick("raised\0not higher\0OTP full\0flash error\0", status);
}
