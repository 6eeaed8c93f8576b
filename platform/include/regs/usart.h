/* USART — universal synchronous/asynchronous receiver transmitter (RM0351, USART registers). */
#ifndef REGS_USART_H
#define REGS_USART_H

#include "regs/mmio.h"

typedef struct {
    volatile uint32_t CR1;
    volatile uint32_t CR2;
    volatile uint32_t CR3;
    volatile uint32_t BRR;
    volatile uint32_t GTPR;
    volatile uint32_t RTOR;
    volatile uint32_t RQR;
    volatile uint32_t ISR;
    volatile uint32_t ICR;
    volatile uint32_t RDR;
    volatile uint32_t TDR;
} usart_regs_t;

REG_OFFSET_ASSERT(usart_regs_t, CR1, 0x00);
REG_OFFSET_ASSERT(usart_regs_t, CR2, 0x04);
REG_OFFSET_ASSERT(usart_regs_t, CR3, 0x08);
REG_OFFSET_ASSERT(usart_regs_t, BRR, 0x0C);
REG_OFFSET_ASSERT(usart_regs_t, GTPR, 0x10);
REG_OFFSET_ASSERT(usart_regs_t, RTOR, 0x14);
REG_OFFSET_ASSERT(usart_regs_t, RQR, 0x18);
REG_OFFSET_ASSERT(usart_regs_t, ISR, 0x1C);
REG_OFFSET_ASSERT(usart_regs_t, ICR, 0x20);
REG_OFFSET_ASSERT(usart_regs_t, RDR, 0x24);
REG_OFFSET_ASSERT(usart_regs_t, TDR, 0x28);

/* The instances a board may take for its console (board.h, BOARD_CONSOLE_USART): RM0351 memory map and vector
 * table. LPUART1 is not among them: its baud rate register counts differently (256 x f_ck / baud). */
#define USART1_BASE 0x40013800u
#define USART1 ((usart_regs_t *)USART1_BASE)
#define USART1_IRQn 37u
#define USART2_BASE 0x40004400u
#define USART2 ((usart_regs_t *)USART2_BASE)
#define USART2_IRQn 38u
#define USART3_BASE 0x40004800u
#define USART3 ((usart_regs_t *)USART3_BASE)
#define USART3_IRQn 39u
#define UART4_BASE 0x40004C00u
#define UART4 ((usart_regs_t *)UART4_BASE)
#define UART4_IRQn 52u
#define UART5_BASE 0x40005000u
#define UART5 ((usart_regs_t *)UART5_BASE)
#define UART5_IRQn 53u

/* USART_CR1 */
#define USART_CR1_UE      (1u << 0)
#define USART_CR1_RE      (1u << 2)
#define USART_CR1_TE      (1u << 3)
#define USART_CR1_RXNEIE  (1u << 5)
#define USART_CR1_PS      (1u << 9)    /* 0 = even parity */
#define USART_CR1_PCE     (1u << 10)
#define USART_CR1_M0      (1u << 12)   /* with M1 (bit 28) = 0: a 9-bit word, 8 data bits + parity */

/* USART_CR2 */
#define USART_CR2_ABREN       (1u << 20)
#define USART_CR2_ABRMOD_Pos  21u
#define USART_CR2_ABRMOD_0X7F (2u << USART_CR2_ABRMOD_Pos)  /* measure on a 0x7F frame */

/* USART_CR3 */
#define USART_CR3_DMAR    (1u << 6)

/* USART_RQR */
#define USART_RQR_ABRRQ   (1u << 0)
#define USART_RQR_RXFRQ   (1u << 3)

/* USART_ISR */
#define USART_ISR_PE      (1u << 0)
#define USART_ISR_FE      (1u << 1)
#define USART_ISR_NF      (1u << 2)
#define USART_ISR_ORE     (1u << 3)
#define USART_ISR_RXNE    (1u << 5)
#define USART_ISR_TC      (1u << 6)
#define USART_ISR_TXE     (1u << 7)
#define USART_ISR_ABRE    (1u << 14)

/* USART_ICR */
#define USART_ICR_PECF    (1u << 0)
#define USART_ICR_FECF    (1u << 1)
#define USART_ICR_NCF     (1u << 2)
#define USART_ICR_ORECF   (1u << 3)

#endif /* REGS_USART_H */
