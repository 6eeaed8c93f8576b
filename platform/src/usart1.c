#include "usart1.h"

#include "board.h"
#include "cortex.h"
#include "rcc.h"
#include "regs/dma.h"
#include "regs/usart.h"

/* Every received byte goes into this ring through board.h's DMA channel (DMA1 channel 5 here), on the console as on
 * the AN3155 line: on silicon a flash erase or program in bank 1 stalls every instruction fetch from it (the
 * bootloader's code and vector table) for up to 22 ms, so no interrupt could empty RDR meanwhile, and the USART has no FIFO; the DMA needs no instruction.
 * Single producer (the DMA) and single consumer (the main loop, which alone moves rx_tail): no locking. The ring
 * holds more than a host sends before it waits for a reply (a 258-byte Write Memory frame), so even a stall at
 * 921600 Bd cannot lap the reader. */
#define RX_BUFFER_SIZE 1024u
_Static_assert(RX_BUFFER_SIZE <= 0xFFFFu, "DMA_CNDTRx counts at most 65535 transfers");

static volatile uint8_t rx_buffer[RX_BUFFER_SIZE]; /* written by the DMA, behind the compiler's back */
static uint32_t rx_tail;

/* The console's instance and its receive DMA channel: board.h says which. */
#define CONSOLE BOARD_CONSOLE_USART
#define RX_DMA_CHANNEL (&BOARD_CONSOLE_RX_DMA->CH[BOARD_CONSOLE_RX_DMA_CHANNEL - 1u])

void usart1_init(uint32_t baud)
{
    rcc_periph_enable(BOARD_CONSOLE_USART_RCC);
    gpio_config_alternate(BOARD_CONSOLE_TX, BOARD_CONSOLE_AF);
    gpio_config_alternate(BOARD_CONSOLE_RX, BOARD_CONSOLE_AF);

    /* Also the way back from the AN3155 line: word length, parity, auto-baud and BRR change only while UE = 0
     * (RM0351, USART registers), so UE goes first; CR1 = CR2 = 0 is 8 data bits, no parity, 1 stop bit. */
    CONSOLE->CR1 &= ~USART_CR1_UE;
    CONSOLE->CR1 = 0u;
    CONSOLE->CR2 = 0u;
    /* 16x oversampling: USARTDIV = f_ck / baud, rounded to the nearest (RM0351, USART baud rate generation).
     * The kernel clock is board.h's (USART1's is PCLK2 while RCC_CCIPR.USART1SEL keeps its reset value). */
    CONSOLE->BRR = (BOARD_CONSOLE_KERNEL_HZ() + baud / 2u) / baud;
    /* RM0351's transmission procedure enables the USART before the transmitter and receiver. */
    CONSOLE->CR1 = USART_CR1_UE;
    CONSOLE->CR1 |= USART_CR1_TE | USART_CR1_RE;
}

void usart1_write(const void *data, size_t len)
{
    const uint8_t *bytes = data;
    for (size_t i = 0; i < len; i++) {
        while ((CONSOLE->ISR & USART_ISR_TXE) == 0u) {
        }
        CONSOLE->TDR = bytes[i];
    }
}

void usart1_write_str(const char *text)
{
    while (*text != '\0') {
        usart1_write(text++, 1u);
    }
}

void usart1_write_line(const char *text)
{
    usart1_write_str(text);
    usart1_write_str("\r\n");
}

void usart1_flush(void)
{
    while ((CONSOLE->ISR & USART_ISR_TC) == 0u) {
    }
}

/* Where the DMA writes the next byte. DMA_CNDTRx counts down from RX_BUFFER_SIZE and, in circular mode, is reloaded
 * the moment it reaches 0, so it always reads 1..RX_BUFFER_SIZE. */
static uint32_t rx_end(void)
{
    return (RX_BUFFER_SIZE - RX_DMA_CHANNEL->CNDTR) % RX_BUFFER_SIZE;
}

void usart1_rx_start(void)
{
    rcc_periph_enable(BOARD_CONSOLE_RX_DMA_RCC);
    dma_channel_regs_t *channel = RX_DMA_CHANNEL;
    /* The channel is configured only while disabled (RM0351, DMA channel configuration procedure). */
    channel->CCR = 0u;
    BOARD_CONSOLE_RX_DMA->CSELR = (BOARD_CONSOLE_RX_DMA->CSELR & ~DMA_CSELR_CxS_Msk(BOARD_CONSOLE_RX_DMA_CHANNEL))
        | (BOARD_CONSOLE_RX_DMA_REQUEST << DMA_CSELR_CxS_Pos(BOARD_CONSOLE_RX_DMA_CHANNEL));
    channel->CPAR = (uint32_t)&CONSOLE->RDR;
    channel->CMAR = (uint32_t)rx_buffer;
    channel->CNDTR = RX_BUFFER_SIZE;
    /* Byte transfers from RDR (its parity bit dropped) into consecutive ring bytes, round and round. */
    channel->CCR = DMA_CCR_MINC | DMA_CCR_CIRC | DMA_CCR_EN;
    rx_tail = 0u;
    CONSOLE->CR3 = USART_CR3_DMAR;
    /* The interrupt only wakes the core from WFI at once for every byte (the DMA has taken the byte by then). The
     * idle-line interrupt would wake it one character time after the last byte of every phase instead: with three
     * phases per 256-byte Write Memory, some 1 % of an update at 115200. */
    CONSOLE->CR1 |= USART_CR1_RXNEIE;
    nvic_enable_irq(BOARD_CONSOLE_IRQn);
}

bool usart1_rx_waiting(void)
{
    return rx_tail != rx_end();
}

bool usart1_read_byte(uint8_t *byte)
{
    uint32_t tail = rx_tail;
    if (!usart1_rx_waiting()) {
        return false;
    }
    *byte = rx_buffer[tail];
    rx_tail = (tail + 1u) % RX_BUFFER_SIZE;
    return true;
}

void usart1_init_autobaud_8e1(void)
{
    usart1_flush();
    /* Word length, parity and auto-baud may only change while UE = 0 (RM0351, USART registers). BRR keeps the
     * console rate: auto-baud needs a non-zero BRR to start from. */
    CONSOLE->CR1 = 0u;
    CONSOLE->CR1 = USART_CR1_M0 | USART_CR1_PCE;
    CONSOLE->CR2 = USART_CR2_ABREN | USART_CR2_ABRMOD_0X7F;
    CONSOLE->CR1 |= USART_CR1_UE;
    CONSOLE->CR1 |= USART_CR1_TE | USART_CR1_RE;
    /* A character the host sent during the banner was sampled at the console rate: drop it. */
    CONSOLE->RQR = USART_RQR_RXFRQ;
    CONSOLE->ICR = USART_ICR_ORECF | USART_ICR_FECF | USART_ICR_NCF | USART_ICR_PECF;
    usart1_rx_start();
}

void usart1_autobaud_restart(void)
{
    CONSOLE->RQR = USART_RQR_ABRRQ;
    rx_tail = rx_end();
}

/* Received bytes need no handler (the DMA stores them): the interrupt only wakes the core. An auto-baud failure
 * (USART_ISR.ABRE) needs none either: whatever the DMA stores next is not the host's 0x7F, and the AN3155 protocol
 * asks for a new measurement (usart1_autobaud_restart). */
void BOARD_CONSOLE_IRQHandler(void)
{
    /* RXNEIE also raises the interrupt on an overrun; ORE stays set (and the interrupt with it) until cleared.
     * Framing, noise and parity flags are cleared too so they cannot mark later bytes. */
    CONSOLE->ICR = USART_ICR_ORECF | USART_ICR_FECF | USART_ICR_NCF | USART_ICR_PECF;
}
