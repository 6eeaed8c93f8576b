/* The NMI, which in this bootloader means a flash ECC double error (RM0351 §3.3.4, FLASH_ECCR). A power cut in
 * the middle of a program or erase leaves double words whose ECC bits do not match their data; every read of
 * one, by a load or an instruction fetch, sets ECCD and raises the NMI, which no PRIMASK holds back. That holds for
 * the OTP area as well (bank 1's information block; FLASH_ECCR.SYSF_ECC set, "ECC fail in the System Flash",
 * RM0351 §3.7.7), where a record of the anti-rollback counter cut short stays torn for good, since nothing erases
 * OTP: every boot reads it again. Left to the
 * default endless loop, an update cut at the wrong moment would hang the bootloader at every reset: bricked
 * until someone attaches SWD.
 *
 * - ECCD in the application header or image: the read has returned the raw bits, which the header CRC or the
 *   image CRC rejects, so returning keeps the bootloader in update mode; the first write an update makes to the
 *   page erases it, and the erase rewrites the ECC.
 * - ECCD in the swap's pages (SlotMode "swap": secondary slot, previous image, status areas; slot_boot.c): a copy or
 *   a status record cut short. slot_swap.c judges the raw bits (a record with any bit at 0 is done, a descriptor
 *   whose complement or CRC does not match is none), and every page it programs it erases first.
 * - ECCD in the bootloader's own pages, which it never erases: the damage is permanent, so a reset would meet
 *   it again at once and loop forever. Running on with the raw bits is the one choice that may still reach
 *   update mode or the application (a damaged constant, a function that boot does not call).
 * - ECCD with SYSF_ECC, in the OTP area: rollback.c reads the raw bits, which fail its complement check, so the
 *   torn record is skipped, and reset would meet it again at once. The handler needs no case of its own: it never
 *   looks at the address, only at ECCD, and SYSF_ECC, BK_ECC and ADDR_ECC are read-only status that the next error
 *   after ECCD is cleared rewrites.
 * Either way ECCD is cleared before returning: the NMI stays pending as long as it is set.
 * - No ECCD: none of the other NMI sources (clock security system, SRAM2 parity) is ever enabled here, and a
 *   reset disables each of them, so a reset clears the cause without any risk of a reset loop. */
#include <stdint.h>

#include "cortex.h"
#include "regs/flash.h"

void NMI_Handler(void)
{
    uint32_t eccr = FLASH->ECCR;
    if ((eccr & FLASH_ECCR_ECCD) == 0u) {
        cortex_system_reset();
    }
    /* ECCC written as 0 stays as it is; ECCIE, the one read-write bit, keeps its value. */
    FLASH->ECCR = (eccr & FLASH_ECCR_ECCIE) | FLASH_ECCR_ECCD;
}
