/* DMA — direct memory access controller (RM0351, DMA controller: DMA1 and DMA2, 7 channels each). */
#ifndef REGS_DMA_H
#define REGS_DMA_H

#include "regs/mmio.h"

typedef struct {
    volatile uint32_t CCR;
    volatile uint32_t CNDTR;
    volatile uint32_t CPAR;
    volatile uint32_t CMAR;
    uint32_t reserved;
} dma_channel_regs_t;

typedef struct {
    volatile uint32_t ISR;
    volatile uint32_t IFCR;
    dma_channel_regs_t CH[7];    /* CH[0] is channel 1 */
    uint32_t reserved[5];
    volatile uint32_t CSELR;
} dma_regs_t;

REG_OFFSET_ASSERT(dma_channel_regs_t, CMAR, 0x0C);
REG_OFFSET_ASSERT(dma_regs_t, IFCR, 0x04);
REG_OFFSET_ASSERT(dma_regs_t, CH[0].CCR, 0x08);
REG_OFFSET_ASSERT(dma_regs_t, CH[4].CCR, 0x58);
REG_OFFSET_ASSERT(dma_regs_t, CH[4].CNDTR, 0x5C);
REG_OFFSET_ASSERT(dma_regs_t, CH[4].CPAR, 0x60);
REG_OFFSET_ASSERT(dma_regs_t, CH[4].CMAR, 0x64);
REG_OFFSET_ASSERT(dma_regs_t, CH[6].CCR, 0x80);
REG_OFFSET_ASSERT(dma_regs_t, CSELR, 0xA8);

#define DMA1_BASE 0x40020000u
#define DMA1 ((dma_regs_t *)DMA1_BASE)
#define DMA2_BASE 0x40020400u
#define DMA2 ((dma_regs_t *)DMA2_BASE)

/* DMA_CCRx */
#define DMA_CCR_EN           (1u << 0)
#define DMA_CCR_TCIE         (1u << 1)
#define DMA_CCR_HTIE         (1u << 2)
#define DMA_CCR_DIR          (1u << 4)    /* 0 = read from the peripheral */
#define DMA_CCR_CIRC         (1u << 5)
#define DMA_CCR_PINC         (1u << 6)
#define DMA_CCR_MINC         (1u << 7)
#define DMA_CCR_PSIZE_Pos    8u           /* 00 = 8 bits */
#define DMA_CCR_MSIZE_Pos    10u          /* 00 = 8 bits */
#define DMA_CCR_PL_Pos       12u

/* DMA_CSELR: CxS, 4 bits per channel from bit 0. Which channel and request serve the console's receiver is a board
 * fact: board.h, BOARD_CONSOLE_RX_DMA_CHANNEL and BOARD_CONSOLE_RX_DMA_REQUEST. */
#define DMA_CSELR_CxS_Pos(channel)  (4u * ((channel) - 1u))
#define DMA_CSELR_CxS_Msk(channel)  (0xFu << DMA_CSELR_CxS_Pos(channel))

#endif /* REGS_DMA_H */
