/* A drive's sectors as a fuzzer writes them: runs of whole 512-byte sectors at chosen LBAs, every other sector zeros
 * as on a new drive. A run is a little-endian 32-bit LBA, a byte holding its sector count - 1, and that many sectors;
 * the last run may end early (its missing bytes read zeros). A few hundred bytes thus place a partition table, a
 * boot sector, a FAT, a directory and a file where a real volume has them, megabytes apart, and a mutation of one
 * run's LBA moves a whole structure. fuzz_seeds.py writes disk images made by mkfs.vfat in this form. */
#ifndef FUZZ_DISK_H
#define FUZZ_DISK_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_DISK_SECTOR   512u
#define FUZZ_DISK_MAX_RUNS 64u

typedef struct {
    uint32_t lba;
    uint32_t sectors;
    const uint8_t *bytes;  /* inside the fuzzer's input */
    size_t len;            /* sectors * 512, or less for a last run cut short */
} fuzz_disk_run_t;

typedef struct {
    fuzz_disk_run_t runs[FUZZ_DISK_MAX_RUNS];
    uint32_t count;
} fuzz_disk_t;

/* Runs beyond FUZZ_DISK_MAX_RUNS are ignored. */
void fuzz_disk_parse(fuzz_disk_t *disk, const uint8_t *data, size_t size);
/* The sector at lba: the last run that holds it, else zeros. */
void fuzz_disk_sector(const fuzz_disk_t *disk, uint32_t lba, uint8_t out[FUZZ_DISK_SECTOR]);
/* Writes every run into a flat image of image_sectors zeroed sectors (what lies beyond it is left out), and
 * zeroes those sectors again: the image is ready for the next input without clearing all of it. */
void fuzz_disk_apply(const fuzz_disk_t *disk, uint8_t *image, uint32_t image_sectors);
void fuzz_disk_clear(const fuzz_disk_t *disk, uint8_t *image, uint32_t image_sectors);

#endif /* FUZZ_DISK_H */
