#include "slot_port.h"

static uint32_t translate(const slot_port_t *p, uint32_t addr)
{
    return addr - p->from < p->size ? addr - p->from + p->to : addr;
}

/* A range that starts inside the window is taken whole from the other slot: callers ask for ranges inside one slot
 * (a header, an image, a page), never across its end. */
static void read(const image_port_t *port, uint32_t addr, void *dst, size_t len)
{
    const slot_port_t *p = port->context;
    p->flash->read(p->flash, translate(p, addr), dst, len);
}

static uint32_t crc32(const image_port_t *port, uint32_t addr, size_t len)
{
    const slot_port_t *p = port->context;
    return p->flash->crc32(p->flash, translate(p, addr), len);
}

static bool erase_page(const flash_write_port_t *port, uint32_t page)
{
    const slot_port_t *p = port->context;
    uint32_t addr = translate(p, p->flash_base + page * FLASH_WRITER_PAGE_SIZE);
    return p->flash_write->erase_page(p->flash_write, (addr - p->flash_base) / FLASH_WRITER_PAGE_SIZE);
}

static bool program(const flash_write_port_t *port, uint32_t addr, const void *data, size_t len)
{
    const slot_port_t *p = port->context;
    return p->flash_write->program(p->flash_write, translate(p, addr), data, len);
}

void slot_port_init(slot_port_t *port, const image_port_t *flash, const flash_write_port_t *flash_write,
                    uint32_t flash_base, uint32_t from, uint32_t to, uint32_t size)
{
    *port = (slot_port_t){
        .read = { .read = read, .crc32 = crc32, .context = port },
        .write = { .erase_page = erase_page, .program = program, .context = port },
        .flash = flash,
        .flash_write = flash_write,
        .flash_base = flash_base,
        .from = from,
        .to = to,
        .size = size,
    };
}
