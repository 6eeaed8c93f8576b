/* Anti-rollback: the minimum security counter an image must carry to be started, kept in write-once memory so that
 * nothing running on the chip, and no power cut, can lower it. On the STM32L475 that is the OTP area (RM0351
 * §3.3.1: 0x1FFF7000-0x1FFF73FF, 1 KB = 128 double words that "cannot be erased and can be written only once";
 * a double word with any bit at 0 cannot be programmed again, not even with zeros). The range is configured
 * (MM_ROLLBACK_OTP_BASE / MM_ROLLBACK_OTP_SIZE); this module touches the chip only through its ports.
 *
 * Record format: one double word per raise, little-endian, low word = counter, high word = ~counter. A double word
 * is a record only when its high word is the complement of its low word; all 0xFF is erased; anything else (a
 * torn record, bytes some other firmware left) is neither and is skipped. The minimum is the MAX over the records,
 * so their order does not matter and no record, wherever it lies, can lower it; 0 when there is none.
 *
 * Why a torn record cannot pass for one: programming only clears bits. A power cut leaves the low word as
 * counter | m1 and the high word as ~counter | m2, where m1 is a subset of the bits ~counter has set and m2 of
 * those counter has set. The pair matches only when ~counter | m2 == ~(counter | m1) == ~counter & ~m1, which
 * needs m1 = m2 = 0: a record is complete or it is no record, for any subset of bits the cut left. The earlier
 * records are other double words, which a program never touches.
 *
 * A raise programs the first erased double word of the range (a torn or foreign one is used up and passed over),
 * then reads it back. The area allows capacity raises in a chip's life: 128 with the default 1 KB, fewer if torn
 * or foreign double words use some up; after that ROLLBACK_FULL, and the minimum stays at its last value. A
 * product should therefore raise the counter only for a security fix, not with every release.
 *
 * Reading a torn double word on silicon raises the flash ECC double-error NMI (its ECC bits are as partial as its
 * data), with FLASH_ECCR.SYSF_ECC set for the OTP area (RM0351 §3.7.7); the bootloader's NMI handler
 * (bootloader/src/nmi_ecc.c) returns with the raw bits, which fail the complement check above. */
#ifndef ROLLBACK_H
#define ROLLBACK_H

#include <stdint.h>

#include "flash_ops.h"
#include "image_port.h"

#define ROLLBACK_RECORD_SIZE 8u

typedef struct {
    uint32_t base;   /* double-word aligned */
    uint32_t size;   /* a multiple of ROLLBACK_RECORD_SIZE */
} rollback_config_t;

typedef struct {
    uint32_t minimum;   /* the highest counter recorded; 0 when none */
    uint32_t used;      /* double words that are not erased (records, torn ones, anything) */
    uint32_t capacity;  /* size / 8 */
} rollback_state_t;

rollback_state_t rollback_read(const rollback_config_t *config, const image_port_t *port);

typedef enum {
    ROLLBACK_RAISED = 0,     /* counter recorded, and read back */
    ROLLBACK_NOT_HIGHER,     /* counter <= the minimum: nothing programmed */
    ROLLBACK_FULL,           /* no erased double word left: nothing programmed */
    ROLLBACK_FLASH_ERROR,    /* the program failed or did not read back; that double word is used up */
} rollback_status_t;

/* Records counter as the new minimum in the next erased double word, when it is higher than the current one. */
rollback_status_t rollback_raise(const rollback_config_t *config, const image_port_t *port,
                                 const flash_write_port_t *write, uint32_t counter);

/* "raised", "not higher", "OTP full", "flash error". */
const char *rollback_status_text(rollback_status_t status);

#endif /* ROLLBACK_H */
