/* The chip side of image_port_t: flash is memory-mapped, CRCs come from the CRC unit. */
#ifndef FLASH_PORT_H
#define FLASH_PORT_H

#include "image_port.h"

extern const image_port_t flash_port;

#endif /* FLASH_PORT_H */
