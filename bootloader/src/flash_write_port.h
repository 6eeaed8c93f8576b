/* The chip side of flash_write_port_t: page erase and double-word programming through the FLASH registers. */
#ifndef FLASH_WRITE_PORT_H
#define FLASH_WRITE_PORT_H

#include "flash_ops.h"

extern const flash_write_port_t flash_write_port;

#endif /* FLASH_WRITE_PORT_H */
