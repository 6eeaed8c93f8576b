/* Generated from build/settings.json by `stm32boot generate`. Do not edit: change the settings and rebuild. */
#ifndef BUILD_CONFIG_H
#define BUILD_CONFIG_H

#define FW_VERSION_MAJOR 1u
#define FW_VERSION_MINOR 0u
#define FW_VERSION_PATCH 0u
#define FW_VERSION_BUILD 1u
#define FW_VERSION_STRING "1.0.0.1"
#define BOOTLOADER_VERSION_STRING "1.0.0"
#define BOARD_ID 0x04150001u
#define DOUBLE_RESET_WINDOW_MS 500u
#define USB_FIRMWARE_NAME "FIRMWARE.HEX"
#define ALLOW_DOWNGRADE 0
#define USB_BOOT_WINDOW_MS 0u
#define BOOT_ATTEMPTS 3u
#define PROTECT_WRP 0
#define PROTECT_RDP1 0
#define REQUIRE_SIGNATURE 1
#define VERIFY_SIGNATURE_AT_BOOT 0
#define SLOT_MODE_SWAP 0
#define BOOT_BANNER_QUIET 0

#endif /* BUILD_CONFIG_H */
