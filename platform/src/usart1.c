#include "usart1.h"

#include "board.h"
#include "cortex.h"
#include "rcc.h"
#include "regs/usart.h"

/* Single producer (the interrupt) and single consumer (the main loop): each side writes only its own index,
 * so no locking is needed. The indices run freely; the size is a power of two so wrap-around stays exact. */
#define RX_BUFFER_SIZE 256u
_Static_assert((RX_BUFFER_SIZE & (RX_BUFFER_SIZE - 1u)) == 0u, "RX_BUFFER_SIZE must be a power of two");

static uint8_t rx_buffer[RX_BUFFER_SIZE];
static volatile uint32_t rx_head;
static volatile uint32_t rx_tail;

void usart1_init(uint32_t baud)
{
    rcc_periph_enable(RCC_PERIPH_USART1);
    gpio_config_alternate(BOARD_CONSOLE_TX, BOARD_CONSOLE_AF);
    gpio_config_alternate(BOARD_CONSOLE_RX, BOARD_CONSOLE_AF);

    /* 16x oversampling: USARTDIV = f_ck / baud, rounded to the nearest (RM0351, USART baud rate generation).
     * USART1's kernel clock is PCLK2 while RCC_CCIPR.USART1SEL keeps its reset value. */
    USART1->BRR = (rcc_pclk2_hz() + baud / 2u) / baud;
    /* CR1 and CR2 reset values give 8 data bits, no parity, 1 stop bit. RM0351's transmission procedure
     * enables the USART before the transmitter and receiver. */
    USART1->CR1 = USART_CR1_UE;
    USART1->CR1 |= USART_CR1_TE | USART_CR1_RE;
}

void usart1_write(const void *data, size_t len)
{
    const uint8_t *bytes = data;
    for (size_t i = 0; i < len; i++) {
        while ((USART1->ISR & USART_ISR_TXE) == 0u) {
        }
        USART1->TDR = bytes[i];
    }
}

void usart1_write_str(const char *text)
{
    while (*text != '\0') {
        usart1_write(text++, 1u);
    }
}

void usart1_flush(void)
{
    while ((USART1->ISR & USART_ISR_TC) == 0u) {
    }
}

void usart1_rx_interrupt_enable(void)
{
    USART1->CR1 |= USART_CR1_RXNEIE;
    nvic_enable_irq(USART1_IRQn);
}

bool usart1_read_byte(uint8_t *byte)
{
    uint32_t tail = rx_tail;
    if (tail == rx_head) {
        return false;
    }
    *byte = rx_buffer[tail % RX_BUFFER_SIZE];
    rx_tail = tail + 1u;
    return true;
}

void usart1_init_autobaud_8e1(void)
{
    usart1_flush();
    /* Word length, parity and auto-baud may only change while UE = 0 (RM0351, USART registers). BRR keeps the
     * console rate: auto-baud needs a non-zero BRR to start from. */
    USART1->CR1 = 0u;
    USART1->CR1 = USART_CR1_M0 | USART_CR1_PCE;
    USART1->CR2 = USART_CR2_ABREN | USART_CR2_ABRMOD_0X7F;
    USART1->CR1 |= USART_CR1_UE;
    USART1->CR1 |= USART_CR1_TE | USART_CR1_RE;
    /* A character the host sent during the banner was sampled at the console rate: drop it. */
    USART1->RQR = USART_RQR_RXFRQ;
    USART1->ICR = USART_ICR_ORECF | USART_ICR_FECF | USART_ICR_NCF | USART_ICR_PECF;
    rx_tail = rx_head;
    usart1_rx_interrupt_enable();
}

void usart1_autobaud_restart(void)
{
    USART1->RQR = USART_RQR_ABRRQ;
    rx_tail = rx_head;
}

void USART1_IRQHandler(void)
{
    uint32_t isr = USART1->ISR;
    /* RXNEIE also raises the interrupt on an overrun; ORE stays set (and the interrupt with it) until cleared.
     * Framing, noise and parity flags are cleared too so they cannot mark later bytes. */
    if ((isr & (USART_ISR_ORE | USART_ISR_FE | USART_ISR_NF | USART_ISR_PE)) != 0u) {
        USART1->ICR = USART_ICR_ORECF | USART_ICR_FECF | USART_ICR_NCF | USART_ICR_PECF;
    }
    if ((isr & USART_ISR_ABRE) != 0u) {
        /* The auto-baud measurement failed (noise, or a rate outside f_ck/65535 .. f_ck/16): RXNE only marks the
         * end of the attempt, so the character is dropped and the next one is measured instead. */
        (void)USART1->RDR;
        USART1->RQR = USART_RQR_ABRRQ;
        return;
    }
    if ((isr & USART_ISR_RXNE) != 0u) {
        /* With parity on, RDR bit 8 holds the received parity bit: the cast keeps the 8 data bits. */
        uint8_t byte = (uint8_t)USART1->RDR;
        uint32_t head = rx_head;
        /* A full buffer drops the new byte: the reader still sees a consistent, older stream. */
        if (head - rx_tail < RX_BUFFER_SIZE) {
            rx_buffer[head % RX_BUFFER_SIZE] = byte;
            rx_head = head + 1u;
        }
    }
}
