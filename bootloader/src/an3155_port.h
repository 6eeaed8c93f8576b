/* The chip side of an3155_port_t: USART1 in its 8E1 auto-baud mode, the SysTick millisecond clock and the
 * Cortex-M system reset. */
#ifndef AN3155_PORT_H
#define AN3155_PORT_H

#include "an3155.h"

extern const an3155_port_t an3155_usart1_port;

#endif /* AN3155_PORT_H */
