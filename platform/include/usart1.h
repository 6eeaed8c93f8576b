/* The board console: the USART board.h names (BOARD_CONSOLE_USART, USART1 on the B-L475E-IOT01A, hence the file's
 * name) on BOARD_CONSOLE_TX/RX: 8N1, polled transmit, receive through board.h's DMA channel into a ring buffer
 * that the main loop drains, so that no byte is lost while a flash operation stalls the core. The bootloader's
 * update mode switches it to the AN3155 line format: 8E1 at whatever rate the host chose, measured by the hardware
 * auto-baud on the host's 0x7F. */
#ifndef USART1_H
#define USART1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Configures the pins and the baud rate from the current PCLK2; call after the system clock is final. */
void usart1_init(uint32_t baud);
void usart1_write(const void *data, size_t len);
void usart1_write_str(const char *text);
/* The text and the console's line end, "\r\n". */
void usart1_write_line(const char *text);
/* Waits until the last stop bit has left the shift register (USART_ISR.TC). */
void usart1_flush(void);

/* Starts reception into the ring buffer (BOARD_CONSOLE_RX_DMA_CHANNEL, USART_CR3.DMAR), dropping what it held, and
 * enables RXNEIE and the USART's NVIC line, whose interrupt only wakes the core for every byte received. */
void usart1_rx_start(void);
/* Takes the oldest received byte; false when none is waiting. */
bool usart1_read_byte(uint8_t *byte);
/* A received byte is waiting. */
bool usart1_rx_waiting(void);

/* Waits until everything written so far has left the line (the 8N1 console stays intact), then switches to
 * 8 data bits + even parity, 1 stop bit, with auto-baud detection on a 0x7F frame (RM0351, USART auto baud
 * rate detection, ABRMOD = 10) and reception as usart1_rx_start() starts it. The first character
 * received sets the baud rate. usart1_init() returns to the console's 8N1. */
void usart1_init_autobaud_8e1(void);
/* Measures the baud rate again on the next character (USART_RQR.ABRRQ) and drops the bytes received so far:
 * they were sampled at a rate measured on something that was not the host's 0x7F. */
void usart1_autobaud_restart(void);

#endif /* USART1_H */
