/* GPIO pins: configuration and level access. A pin is named by port letter and number (GPIO_PIN(A, 5) is
 * PA5), so board.h reads like the schematic. Configuring a pin enables its port clock. */
#ifndef GPIO_H
#define GPIO_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    GPIO_PORT_A, GPIO_PORT_B, GPIO_PORT_C, GPIO_PORT_D,
    GPIO_PORT_E, GPIO_PORT_F, GPIO_PORT_G, GPIO_PORT_H,
} gpio_port_t;

typedef struct {
    gpio_port_t port;
    uint8_t pin; /* 0..15 */
} gpio_pin_t;

#define GPIO_PIN(port_letter, number) ((gpio_pin_t){ GPIO_PORT_##port_letter, (number) })

typedef enum { GPIO_PULL_NONE, GPIO_PULL_UP, GPIO_PULL_DOWN } gpio_pull_t;

/* Push-pull output, low speed; the level is set before the pin turns into an output so it never glitches. */
void gpio_config_output(gpio_pin_t pin, bool level);
void gpio_config_input(gpio_pin_t pin, gpio_pull_t pull);
/* Alternate function af (0..15, the alternate function table of DS10969), push-pull. */
void gpio_config_alternate(gpio_pin_t pin, uint32_t af);

bool gpio_read(gpio_pin_t pin);
void gpio_write(gpio_pin_t pin, bool level);
void gpio_toggle(gpio_pin_t pin);

#endif /* GPIO_H */
