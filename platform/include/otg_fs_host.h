/* USB OTG_FS as a host on the board's connector CN9: the chip side of the bootloader's usb_hcd_t seam
 * (bootloader/core/usb_hcd.h), register by register after RM0351 chapter 47, "OTG_FS programming model".
 *
 * Everything is polled: the core's interrupt line stays off, and each call looks at GINTSTS/HPRT/HCINTx itself.
 * One channel (0) carries every transfer, one packet per channel enable, in slave mode (this core has no DMA).
 *
 * Bring-up is lazy and never blocks for long: the first connected() configures the pins and starts the LSE
 * crystal, which typically needs 2 s after a power-on (a system reset leaves it running). Until the 48 MHz clock
 * runs, connected() answers false; then the core is reset and forced into host mode (25 ms, once) and VBUS is
 * switched on, unless power(false) was the last word. After a disconnect the next connected() resets the core
 * again, so nothing of the old device survives into the next one.
 *
 * connected() is true once a device has been attached for 100 ms (USB 2.0 §7.1.7.3 debounce). Transfers need the
 * port enabled by port_reset() first; a max packet size outside 1..64 (no full- or low-speed control or bulk
 * endpoint has one) fails with HCD_XACT_ERROR before anything goes on the bus. Control transfers give up on NAKs
 * after 5 s (USB 2.0 §9.2.6.4), bulk transfers after timeout_ms without progress on the packet in flight.
 * HCD_TIMEOUT means the core itself stopped answering; the next connected() resets it.
 *
 * Before the bootloader hands over to the application, call power(false): the hand-over (boot_jump.c) then leaves
 * GPIOD out of its peripheral reset, so PD12 goes on driving VBUS off into the application. */
#ifndef OTG_FS_HOST_H
#define OTG_FS_HOST_H

#include "usb_hcd.h"

extern const usb_hcd_t otg_fs_host_hcd;

#endif /* OTG_FS_HOST_H */
