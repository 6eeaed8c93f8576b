/* The chip side of flash_write_port_t (bootloader/core/flash_ops.h): page erase and double-word programming through
 * the FLASH registers, for both images: the bootloader's update paths, boot-state marks and anti-rollback records,
 * the application's boot_confirm() and, in SlotMode swap, its update_slot writes. It refuses every page of the
 * bootloader. */
#ifndef FLASH_WRITE_PORT_H
#define FLASH_WRITE_PORT_H

#include "flash_ops.h"

extern const flash_write_port_t flash_write_port;

#endif /* FLASH_WRITE_PORT_H */
