/* The application's main(), as CubeMX generates one around a user's code: initialise, then loop. At register level
 * here, since this repository carries no ST sources; a HAL project does the same with HAL_Init(),
 * MX_USART1_UART_Init() and HAL_UART_Transmit(). Nothing in it changes for the bootloader but the boot_confirm_app()
 * call (docs/your-application.md). */
#include <stdint.h>

#include "boot_confirm_app.h"
#include "stm32l475_regs.h"

extern uint32_t SystemCoreClock;

/* Milliseconds since start, counted by the SysTick interrupt as HAL's uwTick is. The interrupt comes through VTOR:
 * with VTOR still at the bootloader's table, the bootloader's handler would run instead and this never counts. */
static volatile uint32_t ticks;

void SysTick_Handler(void)
{
    ticks++;
}

static void delay_ms(uint32_t ms)
{
    uint32_t start = ticks;
    while (ticks - start < ms) {
    }
}

/* USART1 on PB6 (TX) and PB7 (RX), alternate function 7 (DS10969, alternate function table): the ST-LINK virtual
 * COM port of the B-L475E-IOT01A. 115200 8N1 from the 4 MHz clock: USARTDIV = 4000000 / 115200 rounded = 35, a
 * 0.8 % error, well inside what a receiver takes (RM0351 §40.5.5). */
static void usart1_init(void)
{
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOBEN;
    RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
    GPIOB_MODER = (GPIOB_MODER & ~(0xFu << 12)) | (0xAu << 12);  /* PB6, PB7: alternate function mode */
    GPIOB_AFRL = (GPIOB_AFRL & ~(0xFFu << 24)) | (0x77u << 24);  /* AF7: USART1 */
    USART1_BRR = (SystemCoreClock + 115200u / 2u) / 115200u;
    USART1_CR1 = USART_CR1_UE;
    USART1_CR1 |= USART_CR1_TE;
}

static void usart1_print(const char *text)
{
    for (; *text != '\0'; text++) {
        while ((USART1_ISR & USART_ISR_TXE) == 0u) {
        }
        USART1_TDR = (uint8_t)*text;
    }
}

int main(void)
{
    /* HAL_Init(): a SysTick interrupt every millisecond. */
    SYST_RVR = SystemCoreClock / 1000u - 1u;
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_ENABLE_TICKINT_CLKSOURCE;

    usart1_init();
    delay_ms(10u);
    usart1_print("example: CubeMX-style application running, SysTick at 10 ms\r\n");

    /* Once the application runs well enough to be kept: an image the bootloader installed starts in trial. */
    usart1_print("example: boot confirm: ");
    usart1_print(boot_confirm_app());
    usart1_print("\r\n");

    for (;;) {
        delay_ms(1000u);
    }
}
