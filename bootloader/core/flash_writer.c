#include "flash_writer.h"

#include <string.h>

#include "bitset.h"
#include "boot_state.h"
#include "byte_order.h"
#include "crc32.h"

#define DW FLASH_WRITER_DOUBLE_WORD
#define PAGE FLASH_WRITER_PAGE_SIZE

static uint32_t header_addr(const flash_writer_t *w)
{
    return w->config->policy->check->header_addr;
}

static uint32_t region_end(const flash_writer_t *w)
{
    return w->config->policy->check->image_addr + w->config->policy->check->image_region_size;
}

static uint32_t page_number(const flash_writer_t *w, uint32_t addr)
{
    return (addr - w->config->flash_base) / PAGE;
}

static uint32_t page_address(const flash_writer_t *w, uint32_t page)
{
    return w->config->flash_base + page * PAGE;
}

/* A page is erased in flash since reset, or pending (erased only as the host sees it), or neither. */
static void mark_page(flash_writer_t *w, uint32_t page, bool erased)
{
    if (erased) {
        bitset_add(w->erased_since_reset, page);
        bitset_remove(w->erase_pending, page);
    } else {
        bitset_remove(w->erased_since_reset, page);
        bitset_add(w->erase_pending, page);
    }
}

/* noinline: LTO would copy it into each caller (flash budget). */
static __attribute__((noinline)) bool all_erased(const uint8_t *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (bytes[i] != 0xFFu) {
            return false;
        }
    }
    return true;
}

/* The view reads the header page from RAM. image_check asks for the header inside the header page and for the
 * image from image_addr, the page after it: a CRC range that spans both never comes, and would be taken from flash. */
static void view_read(const image_port_t *port, uint32_t addr, void *dst, size_t len)
{
    flash_writer_read(port->context, addr, dst, len);
}

static uint32_t view_crc32(const image_port_t *port, uint32_t addr, size_t len)
{
    const flash_writer_t *w = port->context;
    uint32_t offset = addr - header_addr(w);
    if (w->staged_valid && offset < PAGE && len <= PAGE - offset) {
        return crc32_update(0u, w->staged + offset, len);
    }
    return w->flash->crc32(w->flash, addr, len);
}

void flash_writer_init(flash_writer_t *writer, const flash_writer_config_t *config, const image_port_t *flash,
                       const flash_write_port_t *write)
{
    memset(writer, 0, sizeof *writer);
    writer->config = config;
    writer->flash = flash;
    writer->write = write;
    writer->view = (image_port_t){ .read = view_read, .crc32 = view_crc32, .context = writer };
}

bool flash_writer_in_region(const flash_writer_t *writer, uint32_t addr, uint32_t len)
{
    uint32_t base = header_addr(writer);
    uint32_t end = region_end(writer);
    return len > 0u && addr >= base && addr < end && len <= end - addr;
}

bool flash_writer_page_in_region(const flash_writer_t *writer, uint32_t page)
{
    return page < FLASH_WRITER_MAX_PAGES && flash_writer_in_region(writer, page_address(writer, page), PAGE);
}

void flash_writer_read(const flash_writer_t *writer, uint32_t addr, void *dst, size_t len)
{
    writer->flash->read(writer->flash, addr, dst, len);
    /* The staged bytes over the part inside the header page. */
    uint32_t header = header_addr(writer);
    uint32_t from = addr > header ? addr : header;
    uint32_t to = addr + (uint32_t)len < header + PAGE ? addr + (uint32_t)len : header + PAGE;
    if (writer->staged_valid && from < to) {
        memcpy((uint8_t *)dst + (from - addr), writer->staged + (from - header), to - from);
    }
}

static void report(flash_writer_t *w, const image_verdict_t *verdict)
{
    w->verdict = *verdict;
    if (w->config->judged != NULL) {
        w->config->judged(verdict);
    }
}

static bool staged_written_to(const flash_writer_t *w, uint32_t end)
{
    for (uint32_t i = 0; i < end; i++) {
        if (!bitset_has(w->staged_written, i)) {
            return false;
        }
    }
    return true;
}

/* What the gate judges must be whole: the header, and a signed one's block up to its block_size. A host may write
 * the page in any pieces and order; a header it is still writing is judged by the commit. */
static bool staged_header_whole(const flash_writer_t *w)
{
    if (!staged_written_to(w, IMAGE_HEADER_SIZE)) {
        return false;
    }
    if ((le32(w->staged + offsetof(image_header_t, flags)) & IMAGE_FLAG_SIGNED) == 0u
        || !image_policy_signatures(w->config->policy)) {
        return true;
    }
    const uint8_t *block = w->staged + IMAGE_SIGNATURE_OFFSET;
    if (!staged_written_to(w, IMAGE_SIGNATURE_OFFSET + sizeof(image_signature_header_t))) {
        return false;
    }
    uint32_t size = le16(block + offsetof(image_signature_header_t, block_size));
    return staged_written_to(w, IMAGE_SIGNATURE_OFFSET + (size < IMAGE_SIGNATURE_AREA_SIZE ? size : IMAGE_SIGNATURE_AREA_SIZE));
}

/* The gate before every image page change: a whole staged header must pass what the policy can tell from the page
 * alone. Its verdict is kept until the staged page changes (stage() and the erases clear gate_checked), so the
 * UART path, which programs a double word per call, asks the policy once and checks the page's wholeness once. */
flash_writer_status_t flash_writer_gate(flash_writer_t *w)
{
    if (!w->staged_valid) {
        return FLASH_WRITER_OK;
    }
    if (!w->gate_checked) {
        if (!staged_header_whole(w)) {
            return FLASH_WRITER_OK;
        }
        w->gate_checked = true;
        w->gate = image_policy_check_header(w->config->policy, w->staged, w->staged + IMAGE_SIGNATURE_OFFSET);
        if (w->gate.kind != IMAGE_VERDICT_OK) {
            report(w, &w->gate);
        }
    }
    return w->gate.kind == IMAGE_VERDICT_OK ? FLASH_WRITER_OK : FLASH_WRITER_REFUSED;
}

/* Erasing the header page invalidates the application in flash; every image page change is preceded by it. */
static flash_writer_status_t invalidate_header(flash_writer_t *w)
{
    if (w->header_erased) {
        return FLASH_WRITER_OK;
    }
    w->header_erase_pending = false;
    if (!image_header_page_erased(w->flash, header_addr(w), PAGE)) {
        w->committed = false;
        if (!w->write->erase_page(w->write, page_number(w, header_addr(w)))) {
            return FLASH_WRITER_FLASH_ERROR;
        }
    }
    w->header_erased = true;
    return FLASH_WRITER_OK;
}

/* The erase alone: the header was invalidated already, when the page became pending or by the caller. */
static flash_writer_status_t erase_now(flash_writer_t *w, uint32_t page)
{
    if (!w->write->erase_page(w->write, page)) {
        return FLASH_WRITER_FLASH_ERROR;
    }
    mark_page(w, page, true);
    return FLASH_WRITER_OK;
}

static flash_writer_status_t erase_image_page(flash_writer_t *w, uint32_t page)
{
    flash_writer_status_t status = flash_writer_gate(w);
    if (status == FLASH_WRITER_OK) {
        status = invalidate_header(w);
    }
    if (status != FLASH_WRITER_OK) {
        return status;
    }
    w->dirty = true;
    return erase_now(w, page);
}

static void stage(flash_writer_t *w, uint32_t offset, const uint8_t *data, size_t len)
{
    if (!w->staged_valid) {
        /* The first write since reset treats the header page as erased, as it does an image page. */
        memset(w->staged, 0xFF, PAGE);
        memset(w->staged_written, 0, sizeof w->staged_written);
        w->staged_valid = true;
    }
    for (size_t i = 0; i < len && offset + i < IMAGE_SIGNATURE_AREA_END; i++) {
        bitset_add(w->staged_written, offset + i);
    }
    w->gate_checked = false;
    if (memcmp(w->staged + offset, data, len) != 0) {
        memcpy(w->staged + offset, data, len);
        w->committed = false;
        w->dirty = true;
    }
}

/* Programs every double word of the page buffer that is not erased. */
static flash_writer_status_t program_page_buffer(flash_writer_t *w, uint32_t page_addr)
{
    for (uint32_t offset = 0; offset < PAGE; offset += DW) {
        if (!all_erased(w->page_buffer + offset, DW)
            && !w->write->program(w->write, page_addr + offset, w->page_buffer + offset, DW)) {
            return FLASH_WRITER_FLASH_ERROR;
        }
    }
    return FLASH_WRITER_OK;
}

/* The double word at page_addr + dw as flash holds it now (current) and with the write's bytes, which cover
 * page offsets offset..end, laid over it (merged). */
static void merge_double_word(const flash_writer_t *w, uint32_t page_addr, uint32_t dw, uint32_t offset,
                              uint32_t end, const uint8_t *data, uint8_t current[DW], uint8_t merged[DW])
{
    w->flash->read(w->flash, page_addr + dw, current, DW);
    for (uint32_t i = 0; i < DW; i++) {
        merged[i] = dw + i >= offset && dw + i < end ? data[dw + i - offset] : current[i];
    }
}

/* One image page's share of a write: page offsets offset..offset+len of the page at page_addr. */
static flash_writer_status_t write_image_page(flash_writer_t *w, uint32_t page_addr, uint32_t offset,
                                              const uint8_t *data, size_t len)
{
    uint32_t page = page_number(w, page_addr);
    flash_writer_status_t refused = flash_writer_gate(w);
    if (refused != FLASH_WRITER_OK) {
        return refused;
    }
    if (!bitset_has(w->erased_since_reset, page)) {
        flash_writer_status_t status = erase_image_page(w, page);
        if (status != FLASH_WRITER_OK) {
            return status;
        }
    }

    /* Each double word that changes is programmed, unless flash holds data there already: flash programs a double
     * word once after an erase (RM0351 §3.3.7), so the page is then rewritten with the write laid over it (the
     * double words programmed before in this loop hold the write's bytes already). */
    uint32_t end = offset + (uint32_t)len;
    uint8_t current[DW];
    uint8_t merged[DW];
    for (uint32_t dw = offset - offset % DW; dw < end; dw += DW) {
        merge_double_word(w, page_addr, dw, offset, end, data, current, merged);
        if (memcmp(merged, current, DW) == 0) {
            continue;
        }
        flash_writer_status_t status = invalidate_header(w);
        if (status != FLASH_WRITER_OK) {
            return status;
        }
        w->dirty = true;
        if (!all_erased(current, DW)) {
            w->flash->read(w->flash, page_addr, w->page_buffer, PAGE);
            memcpy(w->page_buffer + offset, data, len);
            if (!w->write->erase_page(w->write, page)) {
                return FLASH_WRITER_FLASH_ERROR;
            }
            return program_page_buffer(w, page_addr);
        }
        if (!w->write->program(w->write, page_addr + dw, merged, DW)) {
            return FLASH_WRITER_FLASH_ERROR;
        }
    }
    return FLASH_WRITER_OK;
}

/* The image size the staged header names when its image lies inside the region; 0 otherwise (also while nothing
 * is staged: flash_writer_init() zeroes the staged page). */
static uint32_t staged_image_size(const flash_writer_t *w)
{
    uint32_t image[2]; /* image_addr, image_size */
    memcpy(image, w->staged + offsetof(image_header_t, image_addr), sizeof image);
    const image_check_config_t *check = w->config->policy->check;
    if (image[0] != check->image_addr || image[1] > check->image_region_size) {
        return 0u;
    }
    return image[1];
}

/* A page of the image the staged header names is still pending. The image can then be complete only if that page
 * is meant to read erased; the commit that finds out erases it first, which takes 22 ms a page, so only a commit
 * nobody waits for (the idle host's, Go's) goes that way. */
static bool image_pending(flash_writer_t *w)
{
    return flash_writer_erase_pending(w, w->config->policy->check->image_addr, staged_image_size(w), 0u)
        == FLASH_WRITER_PENDING;
}

bool flash_writer_may_complete(const flash_writer_t *w, uint32_t addr, size_t len)
{
    uint32_t header = header_addr(w);
    if (addr < header + IMAGE_HEADER_SIZE && addr + len > header) {
        return true;
    }
    uint32_t size = staged_image_size(w);
    if (size == 0u) {
        return false;
    }
    uint32_t last = w->config->policy->check->image_addr + size - 1u;
    return addr <= last && last - addr < len;
}

flash_writer_status_t flash_writer_program(flash_writer_t *writer, uint32_t addr, const void *data, size_t len)
{
    if (!flash_writer_in_region(writer, addr, (uint32_t)len)) {
        return FLASH_WRITER_OUT_OF_RANGE;
    }
    const uint8_t *bytes = data;
    uint32_t header = header_addr(writer);
    while (len > 0u) {
        uint32_t page_addr = addr - (addr - writer->config->flash_base) % PAGE;
        uint32_t offset = addr - page_addr;
        size_t n = PAGE - offset < len ? PAGE - offset : len;
        if (page_addr == header) {
            stage(writer, offset, bytes, n);
        } else {
            flash_writer_status_t status = write_image_page(writer, page_addr, offset, bytes, n);
            if (status != FLASH_WRITER_OK) {
                return status;
            }
        }
        bytes += n;
        addr += (uint32_t)n;
        len -= n;
    }
    return FLASH_WRITER_OK;
}

flash_writer_status_t flash_writer_write(flash_writer_t *writer, uint32_t addr, const void *data, size_t len)
{
    flash_writer_status_t status = flash_writer_program(writer, addr, data, len);
    if (status == FLASH_WRITER_OK && flash_writer_may_complete(writer, addr, len) && !image_pending(writer)) {
        /* An image that is not whole yet (IMAGE_REJECTED) is the normal case of a write on the way; one that is
         * whole and refused by the policy is this write's failure. */
        status = flash_writer_commit(writer);
        if (status != FLASH_WRITER_FLASH_ERROR && status != FLASH_WRITER_REFUSED) {
            status = FLASH_WRITER_OK;
        }
    }
    return status;
}

flash_writer_status_t flash_writer_erase_page(flash_writer_t *writer, uint32_t page)
{
    if (!flash_writer_page_in_region(writer, page)) {
        return FLASH_WRITER_OUT_OF_RANGE;
    }
    if (page_address(writer, page) != header_addr(writer)) {
        return erase_image_page(writer, page);
    }
    memset(writer->staged, 0xFF, PAGE);
    memset(writer->staged_written, 0, sizeof writer->staged_written);
    writer->staged_valid = true;
    writer->committed = false;
    writer->dirty = true;
    writer->gate_checked = false;
    writer->header_erased = false;
    writer->header_erase_pending = false;
    if (!writer->write->erase_page(writer->write, page)) {
        return FLASH_WRITER_FLASH_ERROR;
    }
    writer->header_erased = true;
    return FLASH_WRITER_OK;
}

flash_writer_status_t flash_writer_erase_later(flash_writer_t *writer, uint32_t page)
{
    if (!flash_writer_page_in_region(writer, page)) {
        return FLASH_WRITER_OUT_OF_RANGE;
    }
    /* The host's view changes at once, flash later. As the host sees it, the header in flash is gone, whichever page
     * it erased (an image page erased invalidates the application, as it always did); in flash it is erased
     * before the first change (flash_writer_erase_header). A commit attempt may be due again, as after any image
     * change. */
    writer->committed = false;
    writer->dirty = true;
    writer->header_erase_pending = !writer->header_erased;
    bool header_page = page_address(writer, page) == header_addr(writer);
    if (header_page || !writer->staged_valid) {
        memset(writer->staged, 0xFF, PAGE);
        memset(writer->staged_written, 0, sizeof writer->staged_written);
        writer->staged_valid = true;
        writer->gate_checked = false;
    }
    if (!header_page) {
        mark_page(writer, page, false);
    }
    return FLASH_WRITER_OK;
}

flash_writer_status_t flash_writer_erase_header(flash_writer_t *writer)
{
    if (!writer->header_erase_pending) {
        return FLASH_WRITER_OK;
    }
    flash_writer_status_t status = flash_writer_gate(writer);
    return status != FLASH_WRITER_OK ? status : invalidate_header(writer);
}

flash_writer_status_t flash_writer_erase_pending(flash_writer_t *writer, uint32_t addr, uint32_t len,
                                                 uint32_t max_pages)
{
    if (len == 0u) {
        return FLASH_WRITER_OK;
    }
    uint32_t last = page_number(writer, addr + len - 1u);
    for (uint32_t page = page_number(writer, addr); page <= last; page++) {
        if (bitset_has(writer->erase_pending, page)) {
            if (max_pages-- == 0u) {
                return FLASH_WRITER_PENDING;
            }
            /* Not erase_image_page() once a header is committed: it names an image without the page (the commit
             * erased the pending pages of its image first), and must stay. Before that, the installed header goes
             * first, through the gate. */
            flash_writer_status_t status = writer->committed ? FLASH_WRITER_OK : flash_writer_gate(writer);
            if (status == FLASH_WRITER_OK && !writer->committed) {
                status = invalidate_header(writer);
            }
            if (status == FLASH_WRITER_OK) {
                status = erase_now(writer, page);
            }
            if (status != FLASH_WRITER_OK) {
                return status;
            }
        }
    }
    return FLASH_WRITER_OK;
}

_Static_assert(BOOT_STATE_OFFSET + BOOT_STATE_SIZE == PAGE, "the boot-attempt state ends the header page");
_Static_assert(BOOT_STATE_OFFSET >= IMAGE_HEADER_SIZE, "the boot-attempt state follows the image header");

/* The boot-attempt state at the page's end is the bootloader's, not the host's: it takes no part. */
static bool header_page_matches_staged(flash_writer_t *w)
{
    w->flash->read(w->flash, header_addr(w), w->page_buffer, BOOT_STATE_OFFSET);
    return memcmp(w->page_buffer, w->staged, BOOT_STATE_OFFSET) == 0;
}

flash_writer_status_t flash_writer_commit(flash_writer_t *writer)
{
    writer->dirty = false;
    if (!writer->staged_valid) {
        return FLASH_WRITER_NOTHING_STAGED;
    }
    if (writer->committed) {
        return FLASH_WRITER_OK;
    }
    flash_writer_status_t status = flash_writer_erase_pending(writer, writer->config->policy->check->image_addr,
                                                              staged_image_size(writer), FLASH_WRITER_MAX_PAGES);
    if (status != FLASH_WRITER_OK) {
        return status;
    }
    image_header_t header;
    image_verdict_t verdict = image_policy_check(writer->config->policy, &writer->view, &header, &writer->verify_work);
    if (verdict.kind == IMAGE_VERDICT_CHECK) {
        writer->verdict = verdict;
        return FLASH_WRITER_IMAGE_REJECTED;
    }
    if (verdict.kind != IMAGE_VERDICT_OK) {
        report(writer, &verdict);
        return FLASH_WRITER_REFUSED;
    }
    /* After a reset the host may stage exactly the header that is in flash: nothing to program. */
    if (header_page_matches_staged(writer)) {
        writer->committed = true;
        writer->header_erase_pending = false;
        return FLASH_WRITER_OK;
    }

    status = invalidate_header(writer);
    if (status != FLASH_WRITER_OK) {
        return status;
    }
    uint32_t header_page = header_addr(writer);
    writer->header_erased = false;
    /* Before the header: an image whose magic is programmed is never without its trial marker. */
    if (writer->config->mark_trial
        && !boot_state_mark(writer->write, header_page, BOOT_STATE_TRIAL_SLOT, BOOT_STATE_TRIAL_MAGIC)) {
        return FLASH_WRITER_FLASH_ERROR;
    }
    /* Double words 1.. first; double word 0 holds the magic: programmed last (offset wraps to 0), it makes the header
     * valid in one step. */
    for (uint32_t offset = DW; offset <= BOOT_STATE_OFFSET; offset += DW) {
        uint32_t at = offset % BOOT_STATE_OFFSET;
        if ((at == 0u || !all_erased(writer->staged + at, DW))
            && !writer->write->program(writer->write, header_page + at, writer->staged + at, DW)) {
            return FLASH_WRITER_FLASH_ERROR;
        }
    }
    if (!header_page_matches_staged(writer)) {
        return FLASH_WRITER_FLASH_ERROR;
    }
    writer->committed = true;
    report(writer, &verdict);
    return FLASH_WRITER_OK;
}

bool flash_writer_commit_pending(flash_writer_t *writer)
{
    return writer->dirty && writer->staged_valid && !writer->committed && !image_pending(writer);
}

image_status_t flash_writer_check_flash(flash_writer_t *writer)
{
    image_header_t header;
    image_status_t status = image_check(writer->config->policy->check, writer->flash, &header);
    return status == IMAGE_OK && writer->header_erase_pending ? IMAGE_BAD_MAGIC : status;
}
