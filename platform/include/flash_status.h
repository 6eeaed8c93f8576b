/* The outcome of a flash operation, the first error flag FLASH_SR reported (RM0351 §3.7.5), and its text. Apart
 * from flash.h so that portable code naming a status needs no memory map. */
#ifndef FLASH_STATUS_H
#define FLASH_STATUS_H

typedef enum {
    FLASH_OK = 0,
    FLASH_ERR_RANGE,            /* page or address outside the flash array */
    FLASH_ERR_ALIGNMENT,        /* address not on a double word, or length not a multiple of 8 */
    FLASH_ERR_LOCKED,           /* FLASH_CR stayed locked: a wrong key locks it until the next reset */
    FLASH_ERR_PROGRAMMING,      /* PROGERR: the double word was not erased */
    FLASH_ERR_WRITE_PROTECTED,  /* WRPERR */
    FLASH_ERR_PROG_ALIGNMENT,   /* PGAERR */
    FLASH_ERR_SIZE,             /* SIZERR */
    FLASH_ERR_SEQUENCE,         /* PGSERR */
    FLASH_ERR_MISS,             /* MISERR */
    FLASH_ERR_FAST,             /* FASTERR */
    FLASH_ERR_READ_PROTECTED,   /* RDERR: PCROP area */
    FLASH_ERR_OPERATION,        /* OPERR or OPTVERR */
} flash_status_t;

const char *flash_status_text(flash_status_t status);

#endif /* FLASH_STATUS_H */
