/* Generated from build/settings.json by `stm32boot generate`. Do not edit: change the settings and rebuild. */
#ifndef MEMORY_MAP_H
#define MEMORY_MAP_H

#define MM_FLASH_BASE        0x08000000u
#define MM_FLASH_SIZE        0x00100000u
#define MM_FLASH_PAGE_SIZE   0x00000800u
#define MM_BOOTLOADER_BASE   0x08000000u
#define MM_BOOTLOADER_SIZE   0x00020000u
#define MM_HEADER_BASE       0x08020000u
#define MM_HEADER_SIZE       0x00000800u
#define MM_IMAGE_BASE        0x08020800u
#define MM_IMAGE_SIZE        0x000DF800u
#define MM_SLOT_SIZE         0x000E0000u
#define MM_SRAM1_BASE        0x20000000u
#define MM_SRAM1_SIZE        0x00018000u
#define MM_SRAM2_BASE        0x10000000u
#define MM_SRAM2_SIZE        0x00008000u
#define MM_SRAM2_ALIAS_BASE  0x20018000u
#define MM_ROLLBACK_OTP_BASE 0x1FFF7000u
#define MM_ROLLBACK_OTP_SIZE 0x00000400u

#endif /* MEMORY_MAP_H */
