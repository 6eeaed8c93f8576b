/* USART1, the board console (BOARD_CONSOLE_TX/RX): 8N1, polled transmit, interrupt-driven receive into a
 * ring buffer that the main loop drains. */
#ifndef USART1_H
#define USART1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Configures the pins and the baud rate from the current PCLK2; call after the system clock is final. */
void usart1_init(uint32_t baud);
void usart1_write(const void *data, size_t len);
void usart1_write_str(const char *text);
/* Waits until the last stop bit has left the shift register (USART_ISR.TC). */
void usart1_flush(void);

/* Enables RXNEIE and USART1's NVIC line: received bytes go into the ring buffer. */
void usart1_rx_interrupt_enable(void);
/* Takes the oldest received byte; false when none is waiting. */
bool usart1_read_byte(uint8_t *byte);

#endif /* USART1_H */
