#include "fuzz_disk.h"

#include <string.h>

#define RUN_HEADER 5u

void fuzz_disk_parse(fuzz_disk_t *disk, const uint8_t *data, size_t size)
{
    disk->count = 0u;
    size_t at = 0u;
    while (size - at > RUN_HEADER && disk->count < FUZZ_DISK_MAX_RUNS) {
        const uint8_t *h = data + at;
        fuzz_disk_run_t *run = &disk->runs[disk->count++];
        run->lba = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
        run->sectors = h[4] + 1u;
        run->bytes = h + RUN_HEADER;
        size_t want = (size_t)run->sectors * FUZZ_DISK_SECTOR;
        size_t have = size - at - RUN_HEADER;
        run->len = want < have ? want : have;
        at += RUN_HEADER + run->len;
    }
}

/* The bytes of sector i (0-based) of a run that it holds: 0 to 512 of them. */
static size_t run_sector(const fuzz_disk_run_t *run, uint32_t i, const uint8_t **bytes)
{
    size_t offset = (size_t)i * FUZZ_DISK_SECTOR;
    *bytes = run->bytes + offset;
    if (offset >= run->len) {
        return 0u;
    }
    return run->len - offset < FUZZ_DISK_SECTOR ? run->len - offset : FUZZ_DISK_SECTOR;
}

void fuzz_disk_sector(const fuzz_disk_t *disk, uint32_t lba, uint8_t out[FUZZ_DISK_SECTOR])
{
    memset(out, 0, FUZZ_DISK_SECTOR);
    for (uint32_t r = disk->count; r-- > 0u;) {
        const fuzz_disk_run_t *run = &disk->runs[r];
        if (lba - run->lba < run->sectors) {
            const uint8_t *bytes;
            size_t n = run_sector(run, lba - run->lba, &bytes);
            memcpy(out, bytes, n);
            return;
        }
    }
}

void fuzz_disk_apply(const fuzz_disk_t *disk, uint8_t *image, uint32_t image_sectors)
{
    for (uint32_t r = 0; r < disk->count; r++) {
        const fuzz_disk_run_t *run = &disk->runs[r];
        for (uint32_t i = 0; i < run->sectors && run->lba + (uint64_t)i < image_sectors; i++) {
            uint8_t *sector = image + (size_t)(run->lba + i) * FUZZ_DISK_SECTOR;
            const uint8_t *bytes;
            size_t n = run_sector(run, i, &bytes);
            memcpy(sector, bytes, n);
            memset(sector + n, 0, FUZZ_DISK_SECTOR - n);
        }
    }
}

void fuzz_disk_clear(const fuzz_disk_t *disk, uint8_t *image, uint32_t image_sectors)
{
    for (uint32_t r = 0; r < disk->count; r++) {
        const fuzz_disk_run_t *run = &disk->runs[r];
        for (uint32_t i = 0; i < run->sectors && run->lba + (uint64_t)i < image_sectors; i++) {
            memset(image + (size_t)(run->lba + i) * FUZZ_DISK_SECTOR, 0, FUZZ_DISK_SECTOR);
        }
    }
}
