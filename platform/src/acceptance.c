#include "acceptance.h"

#include "build_config.h"
#include "memory_map.h"
#include "signing_keys.h"

const image_check_config_t acceptance_check = {
    .header_addr = MM_HEADER_BASE,
    .image_addr = MM_IMAGE_BASE,
    .image_region_size = MM_IMAGE_SIZE,
    .board_id = BOARD_ID,
    .ram = {
        { MM_SRAM1_BASE, MM_SRAM1_SIZE },
        { MM_SRAM2_BASE, MM_SRAM2_SIZE },
        { MM_SRAM2_ALIAS_BASE, MM_SRAM2_SIZE },
    },
};

const rollback_config_t acceptance_rollback = { MM_ROLLBACK_OTP_BASE, MM_ROLLBACK_OTP_SIZE };

uint32_t acceptance_minimum_counter;

const image_policy_t acceptance_policy = {
    .check = &acceptance_check,
    .require_signature = REQUIRE_SIGNATURE != 0,
    .keys = signing_keys,
    .key_count = SIGNING_KEY_COUNT,
    .minimum_counter = &acceptance_minimum_counter,
};
