#include "gpio.h"

#include "rcc.h"
#include "regs/gpio.h"

static gpio_regs_t *port_regs(gpio_pin_t pin)
{
    return GPIO_PORT_REGS(pin.port);
}

static void set_two_bit_field(volatile uint32_t *reg, uint8_t pin, uint32_t value)
{
    uint32_t shift = 2u * pin;
    *reg = (*reg & ~(3u << shift)) | (value << shift);
}

/* The port clock must run before its registers accept writes. */
static gpio_regs_t *enable_port(gpio_pin_t pin)
{
    rcc_periph_enable(RCC_PERIPH_GPIO(pin.port));
    return port_regs(pin);
}

void gpio_config_output(gpio_pin_t pin, bool level)
{
    gpio_regs_t *gpio = enable_port(pin);
    gpio_write(pin, level);
    gpio->OTYPER &= ~(1u << pin.pin);
    set_two_bit_field(&gpio->PUPDR, pin.pin, GPIO_PUPDR_NONE);
    set_two_bit_field(&gpio->MODER, pin.pin, GPIO_MODER_OUTPUT);
}

void gpio_config_input(gpio_pin_t pin, gpio_pull_t pull)
{
    static const uint32_t pupdr[] = {
        [GPIO_PULL_NONE] = GPIO_PUPDR_NONE,
        [GPIO_PULL_UP] = GPIO_PUPDR_PULLUP,
        [GPIO_PULL_DOWN] = GPIO_PUPDR_PULLDOWN,
    };
    gpio_regs_t *gpio = enable_port(pin);
    set_two_bit_field(&gpio->PUPDR, pin.pin, pupdr[pull]);
    set_two_bit_field(&gpio->MODER, pin.pin, GPIO_MODER_INPUT);
}

void gpio_config_alternate(gpio_pin_t pin, uint32_t af)
{
    gpio_regs_t *gpio = enable_port(pin);
    uint32_t shift = 4u * (pin.pin % 8u);
    volatile uint32_t *afr = &gpio->AFR[pin.pin / 8u];
    *afr = (*afr & ~(0xFu << shift)) | ((af & 0xFu) << shift);
    gpio->OTYPER &= ~(1u << pin.pin);
    set_two_bit_field(&gpio->MODER, pin.pin, GPIO_MODER_ALTERNATE);
}

bool gpio_read(gpio_pin_t pin)
{
    return (port_regs(pin)->IDR >> pin.pin) & 1u;
}

void gpio_write(gpio_pin_t pin, bool level)
{
    /* BSRR sets or resets one pin in a single write, so an interrupt cannot undo a neighbour's change. */
    port_regs(pin)->BSRR = level ? (1u << pin.pin) : (1u << (pin.pin + 16u));
}

void gpio_toggle(gpio_pin_t pin)
{
    gpio_write(pin, !((port_regs(pin)->ODR >> pin.pin) & 1u));
}
