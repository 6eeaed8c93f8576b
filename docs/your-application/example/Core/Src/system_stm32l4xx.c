/* SystemInit() and SystemCoreClock, as in STM32CubeL4's system_stm32l4xx.c (written here, not copied), with the one
 * change the bootloader needs (docs/your-application.md, "VECT_TAB_OFFSET"): USER_VECT_TAB_ADDRESS defined and
 * VECT_TAB_OFFSET = 0x20800, so that VTOR points at this image's vector table at 0x08020800 whoever started it. */
#include <stdint.h>

#include "stm32l475_regs.h"

#define FLASH_BASE 0x08000000u

/* Changed for the bootloader: CubeMX leaves this line commented out, and VECT_TAB_OFFSET at 0. */
#define USER_VECT_TAB_ADDRESS

#if defined(USER_VECT_TAB_ADDRESS)
/* The image base minus FLASH_BASE. VTOR takes a table aligned to its size rounded up to a power of two: 98 vectors,
 * 392 bytes, so a multiple of 512 (0x200); 0x20800 is one. */
#define VECT_TAB_BASE_ADDRESS FLASH_BASE
#define VECT_TAB_OFFSET       0x00020800u
#endif

/* The bootloader hands over on the reset clock, MSI at 4 MHz (RM0351 §6.2.3); CubeMX's SystemClock_Config() may
 * change it later and updates this. */
uint32_t SystemCoreClock = 4000000u;

void SystemInit(void)
{
#if defined(USER_VECT_TAB_ADDRESS)
    SCB_VTOR = VECT_TAB_BASE_ADDRESS | VECT_TAB_OFFSET;
#endif

#if defined(__VFP_FP__) && !defined(__SOFTFP__)
    /* CP10 and CP11 full access: compiled with -mfloat-abi=hard, main() may use the FPU. */
    SCB_CPACR |= (3u << 20) | (3u << 22);
#endif
}
