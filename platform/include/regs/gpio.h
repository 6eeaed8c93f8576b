/* GPIO — general-purpose I/O ports A..H (RM0351, GPIO registers). */
#ifndef REGS_GPIO_H
#define REGS_GPIO_H

#include "regs/mmio.h"

typedef struct {
    volatile uint32_t MODER;
    volatile uint32_t OTYPER;
    volatile uint32_t OSPEEDR;
    volatile uint32_t PUPDR;
    volatile uint32_t IDR;
    volatile uint32_t ODR;
    volatile uint32_t BSRR;
    volatile uint32_t LCKR;
    volatile uint32_t AFR[2]; /* AFRL, AFRH */
    volatile uint32_t BRR;
    volatile uint32_t ASCR;
} gpio_regs_t;

REG_OFFSET_ASSERT(gpio_regs_t, MODER, 0x00);
REG_OFFSET_ASSERT(gpio_regs_t, OTYPER, 0x04);
REG_OFFSET_ASSERT(gpio_regs_t, OSPEEDR, 0x08);
REG_OFFSET_ASSERT(gpio_regs_t, PUPDR, 0x0C);
REG_OFFSET_ASSERT(gpio_regs_t, IDR, 0x10);
REG_OFFSET_ASSERT(gpio_regs_t, ODR, 0x14);
REG_OFFSET_ASSERT(gpio_regs_t, BSRR, 0x18);
REG_OFFSET_ASSERT(gpio_regs_t, LCKR, 0x1C);
REG_OFFSET_ASSERT(gpio_regs_t, AFR, 0x20);
REG_OFFSET_ASSERT(gpio_regs_t, BRR, 0x28);
REG_OFFSET_ASSERT(gpio_regs_t, ASCR, 0x2C);

#define GPIOA_BASE    0x48000000u
#define GPIO_STRIDE   0x400u        /* GPIOB = 0x48000400, ... GPIOH = 0x48001C00 */
#define GPIO_PORT_REGS(index) ((gpio_regs_t *)(GPIOA_BASE + (uint32_t)(index) * GPIO_STRIDE))

/* GPIOx_MODER: two bits per pin */
#define GPIO_MODER_INPUT      0u
#define GPIO_MODER_OUTPUT     1u
#define GPIO_MODER_ALTERNATE  2u
#define GPIO_MODER_ANALOG     3u
/* GPIOx_PUPDR: two bits per pin */
#define GPIO_PUPDR_NONE       0u
#define GPIO_PUPDR_PULLUP     1u
#define GPIO_PUPDR_PULLDOWN   2u

#endif /* REGS_GPIO_H */
