/* The vector table shared by both images (RM0351 Table 57, STM32L47x/L48x: 16 system exceptions and 82
 * interrupts). Every handler is a weak alias of Default_Handler; a driver that serves an interrupt defines the
 * strong one (SysTick_Handler in systick.c, USART1_IRQHandler in usart1.c). The linker script places
 * .isr_vector first in the image, which is where VTOR and the bootloader expect it. */
#include <stdbool.h>
#include <stdint.h>

#include "backup.h"
#include "boot_request.h"
#include "cortex.h"
#include "fault_record.h"
#include "memory_map.h"
#include "regs/nvic.h"
#include "vector_table.h"

extern uint32_t _estack[];

void Reset_Handler(void);

/* The rest of Default_Handler, on a fresh stack: records the exception number and, when the stack pointer of the
 * interrupted code held a whole exception frame in SRAM, the PC stacked there; then a system reset. SRAM2's alias
 * at 0x20018000 continues SRAM1 (RM0351 §2.2), so both read as one range. Called from assembly only: `used` and
 * `externally_visible` keep link-time optimisation from dropping or renaming it. */
__attribute__((used, externally_visible, noreturn)) void fault_reset(uint32_t exc_return, uint32_t msp, uint32_t psp,
                                                                     uint32_t ipsr)
{
    /* EXC_RETURN bit 2: the interrupted code ran on the process stack (ARMv7-M B1.5.8). */
    uint32_t sp = (exc_return & 4u) != 0u ? psp : msp;
    bool usable = fault_record_frame_inside(sp, MM_SRAM1_BASE, MM_SRAM1_SIZE + MM_SRAM2_SIZE)
               || fault_record_frame_inside(sp, MM_SRAM2_BASE, MM_SRAM2_SIZE);
    uint32_t pc = usable ? ((const volatile uint32_t *)(uintptr_t)sp)[FAULT_RECORD_FRAME_PC] : 0u;
    backup_write(FAULT_BKP_INDEX, fault_record_make(ipsr & 0x1FFu, usable, pc));
    cortex_system_reset();
}

/* Every exception nobody serves: faults (HardFault, MemManage, BusFault, UsageFault), an NMI in the application,
 * an interrupt enabled without a handler. The chip resets at once and the next boot banner names the cause
 * (fault_record.h). In the bootloader a hang here would leave the board dead until a watchdog, if one runs, or a
 * person pressed reset. The application links the same handler, on purpose: a faulting application is reset too,
 * and the bootloader's boot-attempt rule counts every such start of an unconfirmed image, so one that faults before
 * it confirms is not started again and again (boot_state.h); an application that wants to handle a fault itself
 * defines the handler.
 * Naked: the stack that faulted may be unusable (an overflow faults while stacking), so nothing is pushed before
 * MSP points at the top of SRAM1 again; the registers that describe the exception are taken first. */
__attribute__((naked)) void Default_Handler(void)
{
    __asm__ volatile(
        "mov   r0, lr\n\t"
        "mrs   r1, msp\n\t"
        "mrs   r2, psp\n\t"
        "mrs   r3, ipsr\n\t"
        "movw  r12, #:lower16:_estack\n\t"
        "movt  r12, #:upper16:_estack\n\t"
        "mov   sp, r12\n\t"
        "b     fault_reset\n\t");
}

#define DEFAULT_HANDLER __attribute__((weak, alias("Default_Handler")))

void NMI_Handler(void) DEFAULT_HANDLER;
void HardFault_Handler(void) DEFAULT_HANDLER;
void MemManage_Handler(void) DEFAULT_HANDLER;
void BusFault_Handler(void) DEFAULT_HANDLER;
void UsageFault_Handler(void) DEFAULT_HANDLER;
void SVC_Handler(void) DEFAULT_HANDLER;
void DebugMon_Handler(void) DEFAULT_HANDLER;
void PendSV_Handler(void) DEFAULT_HANDLER;
void SysTick_Handler(void) DEFAULT_HANDLER;
void WWDG_IRQHandler(void) DEFAULT_HANDLER;
void PVD_PVM_IRQHandler(void) DEFAULT_HANDLER;
void TAMP_STAMP_IRQHandler(void) DEFAULT_HANDLER;
void RTC_WKUP_IRQHandler(void) DEFAULT_HANDLER;
void FLASH_IRQHandler(void) DEFAULT_HANDLER;
void RCC_IRQHandler(void) DEFAULT_HANDLER;
void EXTI0_IRQHandler(void) DEFAULT_HANDLER;
void EXTI1_IRQHandler(void) DEFAULT_HANDLER;
void EXTI2_IRQHandler(void) DEFAULT_HANDLER;
void EXTI3_IRQHandler(void) DEFAULT_HANDLER;
void EXTI4_IRQHandler(void) DEFAULT_HANDLER;
void DMA1_Channel1_IRQHandler(void) DEFAULT_HANDLER;
void DMA1_Channel2_IRQHandler(void) DEFAULT_HANDLER;
void DMA1_Channel3_IRQHandler(void) DEFAULT_HANDLER;
void DMA1_Channel4_IRQHandler(void) DEFAULT_HANDLER;
void DMA1_Channel5_IRQHandler(void) DEFAULT_HANDLER;
void DMA1_Channel6_IRQHandler(void) DEFAULT_HANDLER;
void DMA1_Channel7_IRQHandler(void) DEFAULT_HANDLER;
void ADC1_2_IRQHandler(void) DEFAULT_HANDLER;
void CAN1_TX_IRQHandler(void) DEFAULT_HANDLER;
void CAN1_RX0_IRQHandler(void) DEFAULT_HANDLER;
void CAN1_RX1_IRQHandler(void) DEFAULT_HANDLER;
void CAN1_SCE_IRQHandler(void) DEFAULT_HANDLER;
void EXTI9_5_IRQHandler(void) DEFAULT_HANDLER;
void TIM1_BRK_TIM15_IRQHandler(void) DEFAULT_HANDLER;
void TIM1_UP_TIM16_IRQHandler(void) DEFAULT_HANDLER;
void TIM1_TRG_COM_TIM17_IRQHandler(void) DEFAULT_HANDLER;
void TIM1_CC_IRQHandler(void) DEFAULT_HANDLER;
void TIM2_IRQHandler(void) DEFAULT_HANDLER;
void TIM3_IRQHandler(void) DEFAULT_HANDLER;
void TIM4_IRQHandler(void) DEFAULT_HANDLER;
void I2C1_EV_IRQHandler(void) DEFAULT_HANDLER;
void I2C1_ER_IRQHandler(void) DEFAULT_HANDLER;
void I2C2_EV_IRQHandler(void) DEFAULT_HANDLER;
void I2C2_ER_IRQHandler(void) DEFAULT_HANDLER;
void SPI1_IRQHandler(void) DEFAULT_HANDLER;
void SPI2_IRQHandler(void) DEFAULT_HANDLER;
void USART1_IRQHandler(void) DEFAULT_HANDLER;
void USART2_IRQHandler(void) DEFAULT_HANDLER;
void USART3_IRQHandler(void) DEFAULT_HANDLER;
void EXTI15_10_IRQHandler(void) DEFAULT_HANDLER;
void RTC_Alarm_IRQHandler(void) DEFAULT_HANDLER;
void DFSDM1_FLT3_IRQHandler(void) DEFAULT_HANDLER;
void TIM8_BRK_IRQHandler(void) DEFAULT_HANDLER;
void TIM8_UP_IRQHandler(void) DEFAULT_HANDLER;
void TIM8_TRG_COM_IRQHandler(void) DEFAULT_HANDLER;
void TIM8_CC_IRQHandler(void) DEFAULT_HANDLER;
void ADC3_IRQHandler(void) DEFAULT_HANDLER;
void FMC_IRQHandler(void) DEFAULT_HANDLER;
void SDMMC1_IRQHandler(void) DEFAULT_HANDLER;
void TIM5_IRQHandler(void) DEFAULT_HANDLER;
void SPI3_IRQHandler(void) DEFAULT_HANDLER;
void UART4_IRQHandler(void) DEFAULT_HANDLER;
void UART5_IRQHandler(void) DEFAULT_HANDLER;
void TIM6_DAC_IRQHandler(void) DEFAULT_HANDLER;
void TIM7_IRQHandler(void) DEFAULT_HANDLER;
void DMA2_Channel1_IRQHandler(void) DEFAULT_HANDLER;
void DMA2_Channel2_IRQHandler(void) DEFAULT_HANDLER;
void DMA2_Channel3_IRQHandler(void) DEFAULT_HANDLER;
void DMA2_Channel4_IRQHandler(void) DEFAULT_HANDLER;
void DMA2_Channel5_IRQHandler(void) DEFAULT_HANDLER;
void DFSDM1_FLT0_IRQHandler(void) DEFAULT_HANDLER;
void DFSDM1_FLT1_IRQHandler(void) DEFAULT_HANDLER;
void DFSDM1_FLT2_IRQHandler(void) DEFAULT_HANDLER;
void COMP_IRQHandler(void) DEFAULT_HANDLER;
void LPTIM1_IRQHandler(void) DEFAULT_HANDLER;
void LPTIM2_IRQHandler(void) DEFAULT_HANDLER;
void OTG_FS_IRQHandler(void) DEFAULT_HANDLER;
void DMA2_Channel6_IRQHandler(void) DEFAULT_HANDLER;
void DMA2_Channel7_IRQHandler(void) DEFAULT_HANDLER;
void LPUART1_IRQHandler(void) DEFAULT_HANDLER;
void QUADSPI_IRQHandler(void) DEFAULT_HANDLER;
void I2C3_EV_IRQHandler(void) DEFAULT_HANDLER;
void I2C3_ER_IRQHandler(void) DEFAULT_HANDLER;
void SAI1_IRQHandler(void) DEFAULT_HANDLER;
void SAI2_IRQHandler(void) DEFAULT_HANDLER;
void SWPMI1_IRQHandler(void) DEFAULT_HANDLER;
void TSC_IRQHandler(void) DEFAULT_HANDLER;
void RNG_IRQHandler(void) DEFAULT_HANDLER;
void FPU_IRQHandler(void) DEFAULT_HANDLER;

#define SYSTEM_VECTORS 16u

__attribute__((section(".isr_vector"), used))
const vector_t vector_table[SYSTEM_VECTORS + NVIC_IRQ_COUNT] = {
    (vector_t)(uintptr_t)_estack,  /* initial MSP */
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    0,  /* reserved */
    0,  /* reserved */
    0,  /* reserved */
    0,  /* reserved */
    SVC_Handler,
    DebugMon_Handler,
    0,  /* reserved */
    PendSV_Handler,
    SysTick_Handler,
    WWDG_IRQHandler,  /* 0 */
    PVD_PVM_IRQHandler,  /* 1 */
    TAMP_STAMP_IRQHandler,  /* 2 */
    RTC_WKUP_IRQHandler,  /* 3 */
    FLASH_IRQHandler,  /* 4 */
    RCC_IRQHandler,  /* 5 */
    EXTI0_IRQHandler,  /* 6 */
    EXTI1_IRQHandler,  /* 7 */
    EXTI2_IRQHandler,  /* 8 */
    EXTI3_IRQHandler,  /* 9 */
    EXTI4_IRQHandler,  /* 10 */
    DMA1_Channel1_IRQHandler,  /* 11 */
    DMA1_Channel2_IRQHandler,  /* 12 */
    DMA1_Channel3_IRQHandler,  /* 13 */
    DMA1_Channel4_IRQHandler,  /* 14 */
    DMA1_Channel5_IRQHandler,  /* 15 */
    DMA1_Channel6_IRQHandler,  /* 16 */
    DMA1_Channel7_IRQHandler,  /* 17 */
    ADC1_2_IRQHandler,  /* 18 */
    CAN1_TX_IRQHandler,  /* 19 */
    CAN1_RX0_IRQHandler,  /* 20 */
    CAN1_RX1_IRQHandler,  /* 21 */
    CAN1_SCE_IRQHandler,  /* 22 */
    EXTI9_5_IRQHandler,  /* 23 */
    TIM1_BRK_TIM15_IRQHandler,  /* 24 */
    TIM1_UP_TIM16_IRQHandler,  /* 25 */
    TIM1_TRG_COM_TIM17_IRQHandler,  /* 26 */
    TIM1_CC_IRQHandler,  /* 27 */
    TIM2_IRQHandler,  /* 28 */
    TIM3_IRQHandler,  /* 29 */
    TIM4_IRQHandler,  /* 30 */
    I2C1_EV_IRQHandler,  /* 31 */
    I2C1_ER_IRQHandler,  /* 32 */
    I2C2_EV_IRQHandler,  /* 33 */
    I2C2_ER_IRQHandler,  /* 34 */
    SPI1_IRQHandler,  /* 35 */
    SPI2_IRQHandler,  /* 36 */
    USART1_IRQHandler,  /* 37 */
    USART2_IRQHandler,  /* 38 */
    USART3_IRQHandler,  /* 39 */
    EXTI15_10_IRQHandler,  /* 40 */
    RTC_Alarm_IRQHandler,  /* 41 */
    DFSDM1_FLT3_IRQHandler,  /* 42 */
    TIM8_BRK_IRQHandler,  /* 43 */
    TIM8_UP_IRQHandler,  /* 44 */
    TIM8_TRG_COM_IRQHandler,  /* 45 */
    TIM8_CC_IRQHandler,  /* 46 */
    ADC3_IRQHandler,  /* 47 */
    FMC_IRQHandler,  /* 48 */
    SDMMC1_IRQHandler,  /* 49 */
    TIM5_IRQHandler,  /* 50 */
    SPI3_IRQHandler,  /* 51 */
    UART4_IRQHandler,  /* 52 */
    UART5_IRQHandler,  /* 53 */
    TIM6_DAC_IRQHandler,  /* 54 */
    TIM7_IRQHandler,  /* 55 */
    DMA2_Channel1_IRQHandler,  /* 56 */
    DMA2_Channel2_IRQHandler,  /* 57 */
    DMA2_Channel3_IRQHandler,  /* 58 */
    DMA2_Channel4_IRQHandler,  /* 59 */
    DMA2_Channel5_IRQHandler,  /* 60 */
    DFSDM1_FLT0_IRQHandler,  /* 61 */
    DFSDM1_FLT1_IRQHandler,  /* 62 */
    DFSDM1_FLT2_IRQHandler,  /* 63 */
    COMP_IRQHandler,  /* 64 */
    LPTIM1_IRQHandler,  /* 65 */
    LPTIM2_IRQHandler,  /* 66 */
    OTG_FS_IRQHandler,  /* 67 */
    DMA2_Channel6_IRQHandler,  /* 68 */
    DMA2_Channel7_IRQHandler,  /* 69 */
    LPUART1_IRQHandler,  /* 70 */
    QUADSPI_IRQHandler,  /* 71 */
    I2C3_EV_IRQHandler,  /* 72 */
    I2C3_ER_IRQHandler,  /* 73 */
    SAI1_IRQHandler,  /* 74 */
    SAI2_IRQHandler,  /* 75 */
    SWPMI1_IRQHandler,  /* 76 */
    TSC_IRQHandler,  /* 77 */
    0,  /* 78: reserved on the STM32L475 */
    0,  /* 79: reserved on the STM32L475 */
    RNG_IRQHandler,  /* 80 */
    FPU_IRQHandler,  /* 81 */
};
