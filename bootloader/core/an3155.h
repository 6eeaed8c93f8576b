/* The UART update protocol: the subset of ST's AN3155 that the stock `stm32flash` and `stm32boot flash` use
 * (docs/design.md §6). Portable and byte-driven: the chip side feeds every received byte to an3155_receive() and calls
 * an3155_poll() at least every few milliseconds; the port sends bytes, tells the time and resets the chip.
 *
 *   0x7F      sync (also measures the baud rate); any other first byte restarts the measurement
 *   0x00      Get: protocol version 0x31 and the commands below
 *   0x01      Get Version: 0x31 and two option bytes 0x00 0x00
 *   0x02      Get ID: the product id (DBGMCU_IDCODE.DEV_ID, 0x415)
 *   0x11      Read Memory, 0x31 Write Memory: only inside the application header + image region (Write Memory: see
 *             "What an ACK means" below). The bootloader
 *             is refused for reads too: its code is not the host's business, and one rule for reading and
 *             writing means everything a host may write it can verify and nothing else is exposed. Under read
 *             protection (FLASH_OPTR.RDP != 0xAA) Read Memory is NACKed at once, as ST's own bootloader does
 *             (AN3155, Read Memory command): a host then verifies by Go, below.
 *   0x21      Go: only to the header or image start, only when the host's writes commit (the staged header
 *             accepts the image in flash: the device checked the image CRC itself) and the image in flash is
 *             accepted; the ACK leaves the line completely, then the chip resets and boots the application
 *             through the normal boot decision. A Go ACK therefore means "verified by CRC and committed".
 *   0x44      Extended Erase: page list (global page numbers 0..511) inside the region; 0xFFFF erases every
 *             application page, 0xFFFE / 0xFFFD the application pages of bank 1 / bank 2. Nothing is erased
 *             before the ACK: every listed page reads erased from the ACK on, but is erased in flash only when
 *             first needed (flash_writer_erase_later): the installed header before the first image page changes,
 *             an image page at the address of a Write Memory into it, before a read or check of it, while the host
 *             is idle, or after Go's ACK. Until then the installed application is whole in flash: a header page
 *             the policy refuses (flash_writer.h) is refused before it costs anything.
 *             While a command's work runs long (a commit verifying a large image's signature), BUSY (0x76) goes out
 *             every AN3155_BUSY_INTERVAL_MS before its answer.
 * What an ACK means. A Write Memory block is acknowledged once it is received whole, its checksum matches, it lies in
 * the region and the staged header does not refuse it (flash_writer_gate): it is then queued, and programmed while
 * the host sends the next block, at that block's address (the DMA keeps receiving while each double-word program
 * stalls the core, 32 x 82 us per 256 bytes, DS10969): the host never waits for programming. Everything that
 * observes or depends on flash programs the queued block first: Read Memory, Extended Erase, Go, and a host quiet
 * for AN3155_QUIET_MS. Two kinds of block are still written before their ACK: a block of the header page (only staged
 * in RAM) and a block that may complete the update (it touches the image header or the image's last byte): that one
 * is followed by the commit attempt, so its ACK means "committed", as Go's does, and a refused image is its NACK.
 * A queued block that fails to program (a flash error, or the policy refusing the change) is remembered until the
 * next answer, which is then a NACK whatever the command (at the latest the next block's): stock stm32flash and
 * stm32boot flash stop there, and Go, which programs the queued block before it answers, never ACKs after such a
 * failure. Until the commit a reset or power cut leaves the old application (if no image page changed yet) or none,
 * never a partial one: the header-last rule of flash_writer.h holds whatever the ACKs said.
 *
 * Everything else, a bad checksum or complement, or an address or length outside the region is answered with
 * NACK and changes nothing. RAM is never written or jumped to (stm32flash -R's stub at 0x20003100 gets NACK).
 *
 * Once synchronised the protocol only ever answers: a frame that stops arriving is dropped silently after
 * AN3155_FRAME_TIMEOUT_MS and the next byte starts a new command.
 *
 * Timing (stm32flash gives a write block 0.5 s): a 256-byte Write Memory is answered at once. Its address is
 * answered before the previous block is programmed (2.6 ms, plus 22 ms when that erases a page on first touch that
 * the host did not erase, or about 45 ms when it rewrites a page for a double word written twice), and before a
 * pending page the block lands in is erased (22 ms): both run while the block's bytes are on the line. The block that
 * may complete the update waits for its programming and the commit, which verifies the image (its CRC, and its
 * signature: some 0.3 s for 256 KB), with BUSY bytes while it runs. An erase is answered after the queued block and
 * at most one erase (the header's, 22 ms). */
#ifndef AN3155_H
#define AN3155_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash_writer.h"

#define AN3155_ACK   0x79u
#define AN3155_NACK  0x1Fu
/* "Still working": a commit verifies the signature over the whole image before its write is answered, up to ~0.7 s
 * for the largest image, longer than stm32flash waits for a write's ACK (0.5 s). AN3155 has no such byte; ST's
 * I2C protocol (AN4221) sends BUSY 0x76 for its No-Stretch commands, and the ACK reader that stm32flash shares
 * across transports, like stm32boot flash's, swallows it and waits again. Sent every AN3155_BUSY_INTERVAL_MS while a
 * command's work runs, and never once its answer has begun. */
#define AN3155_BUSY  0x76u
#define AN3155_BUSY_INTERVAL_MS 100u
#define AN3155_SYNC  0x7Fu
#define AN3155_PROTOCOL_VERSION 0x31u

#define AN3155_CMD_GET          0x00u
#define AN3155_CMD_GET_VERSION  0x01u
#define AN3155_CMD_GET_ID       0x02u
#define AN3155_CMD_READ_MEMORY  0x11u
#define AN3155_CMD_GO           0x21u
#define AN3155_CMD_WRITE_MEMORY 0x31u
#define AN3155_CMD_EXT_ERASE    0x44u

/* Well above the longest a host waits for a reply (stm32flash 0.5 s, stm32boot flash 1 s): a host that finds the
 * bootloader already synchronised sends 0x7F, waits for a reply that does not come and sends 0x7F again,
 * expecting the pair to be NACKed as a bad command; had the first 0x7F been dropped, the second would start a
 * new frame and nothing would ever answer. */
#define AN3155_FRAME_TIMEOUT_MS 2000u
/* The host has sent nothing for this long: the queued Write Memory block is programmed without waiting for a next
 * one. Well above the gaps inside a host's stream of commands (a pty's latency is a millisecond or two), so the 2.6 ms
 * of programming never lands on a command the host waits to have answered. */
#define AN3155_QUIET_MS         10u
/* The host is quiet this long between commands: the update may be complete in an order no write announced, and
 * the pages it erased without writing them can be erased in flash, one per poll. */
#define AN3155_IDLE_COMMIT_MS   100u

#define AN3155_MAX_BLOCK 256u
typedef struct an3155_port {
    void (*send)(const struct an3155_port *port, const uint8_t *data, size_t len);
    uint32_t (*now_ms)(const struct an3155_port *port);
    /* Measure the baud rate again on the next character; what was received so far may be dropped. */
    void (*restart_baud_detection)(const struct an3155_port *port);
    /* Waits until every byte sent has left the line, then resets the chip (on the chip it does not return). */
    void (*system_reset)(const struct an3155_port *port);
    void *context;
} an3155_port_t;

typedef struct {
    uint16_t product_id;        /* Get ID */
    uint32_t bank2_first_page;  /* Extended Erase 0xFFFE / 0xFFFD */
    bool read_protected;        /* RDP level 1 or 2: Read Memory is NACKed */
    /* Where Go finds the installed application when the host sent no new one: NULL when it is the writer's own view
     * (one slot), the primary slot when the writer writes elsewhere (SlotMode swap: the secondary slot). */
    const image_port_t *installed;
} an3155_config_t;

typedef enum {
    AN3155_WAIT_SYNC,
    AN3155_WAIT_COMMAND,
    AN3155_WAIT_COMPLEMENT,
    AN3155_WAIT_ADDRESS,        /* 4 address bytes, big-endian, and their XOR */
    AN3155_WAIT_READ_COUNT,     /* N - 1 and its complement */
    AN3155_WAIT_WRITE_DATA,     /* N - 1, N bytes, XOR of all of them */
    AN3155_WAIT_ERASE_COUNT,    /* 2 bytes: pages - 1, or a special code */
    AN3155_WAIT_ERASE_PAGES,    /* 2 bytes per page, big-endian */
    AN3155_WAIT_ERASE_CHECKSUM, /* XOR of every byte after the command */
    AN3155_RESETTING,           /* Go accepted: nothing more is received */
} an3155_state_t;

typedef struct {
    const an3155_config_t *config;
    const an3155_port_t *port;
    flash_writer_t *writer;
    an3155_state_t state;
    uint8_t command;
    /* The queued block failed to program since the last answer: the next answer is NACK. */
    bool failed;
    uint8_t rx_xor;             /* XOR of the current phase's bytes */
    uint32_t queued;            /* bytes of the acknowledged Write Memory block not yet programmed (0: none) */
    uint32_t queued_address;
    uint32_t address;
    uint32_t last_activity_ms;
    /* A command's work is running in the main thread (an3155_tick sends BUSY); cleared before its answer. */
    volatile bool working;
    volatile uint32_t working_since_ms;
    /* The bytes of the current phase. */
    uint8_t rx[1u + AN3155_MAX_BLOCK + 1u];
    uint32_t rx_len;
    uint32_t rx_need;
    /* Extended Erase: a page list is checked completely before any page is erased. */
    uint16_t erase_code;
    uint32_t erase_pages_left;
    uint8_t erase_checksum;
    bool erase_refused;
    uint32_t erase_set[FLASH_WRITER_MAX_PAGES / 32u];
    uint8_t queued_data[AN3155_MAX_BLOCK];
} an3155_t;

void an3155_init(an3155_t *protocol, const an3155_config_t *config, const an3155_port_t *port,
                 flash_writer_t *writer);
void an3155_receive(an3155_t *protocol, uint8_t byte);
/* Programs the queued block once the host is quiet, drops a stalled frame and lets an idle host's update commit. */
void an3155_poll(an3155_t *protocol);
/* From the millisecond tick (an interrupt that preempts an3155_receive): BUSY while a command's work runs long. */
void an3155_tick(an3155_t *protocol, uint32_t now_ms);

#endif /* AN3155_H */
