/* libFuzzer target: a disk of fuzzer bytes (a real FAT12 image from the fixture makes a good seed) is mounted,
 * its root listed, its subdirectories listed and every file read to its end. Nothing may read outside the disk,
 * hang (libFuzzer's -timeout), trip the sanitizers, or return more bytes than a file's size.
 *   CC=clang cmake -S tests/host -B out/host-fuzz -G Ninja && cmake --build out/host-fuzz
 *   out/host-fuzz/fuzz_fat -max_total_time=60 -max_len=65536 */
#include <stdlib.h>
#include <string.h>

#include "fat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    const uint8_t *bytes;
    size_t size;
} disk_image_t;

/* Sectors beyond the fuzzer's bytes read as zeros, as on a freshly erased drive; reads past sector_count abort. */
static bool read_sector(const fat_disk_t *disk, uint32_t lba, uint8_t *buf)
{
    disk_image_t *image = disk->context;
    if (lba >= disk->sector_count) {
        abort();
    }
    size_t offset = (size_t)lba * FAT_SECTOR_SIZE;
    memset(buf, 0, FAT_SECTOR_SIZE);
    if (offset < image->size) {
        size_t n = image->size - offset < FAT_SECTOR_SIZE ? image->size - offset : FAT_SECTOR_SIZE;
        memcpy(buf, image->bytes + offset, n);
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    disk_image_t image = { data, size };
    /* 64 MB whatever the data's length, so that volumes of every FAT type fit. */
    fat_disk_t disk = { .read = read_sector, .sector_count = 0x20000u, .context = &image };
    static uint8_t buf[FAT_SECTOR_SIZE];
    fat_t fs;
    if (fat_mount(&fs, &disk, buf) != FAT_OK) {
        return 0;
    }
    fat_dir_t dir;
    fat_root(&fs, &dir);
    fat_entry_t entry;
    for (uint32_t n = 0; n < 64u && fat_dir_next(&fs, &dir, &entry) == FAT_OK; n++) {
        if (strlen(entry.name) > FAT_NAME_MAX) {
            abort();
        }
        fat_dir_t saved = dir;
        if (entry.attr & FAT_ATTR_DIRECTORY) {
            fat_dir_t sub;
            fat_entry_t inner;
            if (fat_dir_open(&fs, &sub, &entry) == FAT_OK) {
                for (uint32_t m = 0; m < 64u && fat_dir_next(&fs, &sub, &inner) == FAT_OK; m++) {
                }
            }
        } else {
            fat_file_t file;
            if (fat_file_open(&fs, &file, &entry) == FAT_OK) {
                const uint8_t *bytes;
                uint32_t len;
                uint32_t total = 0u;
                while (fat_file_read(&fs, &file, &bytes, &len) == FAT_OK && len != 0u) {
                    total += len;
                }
                if (total > entry.size) {
                    abort();
                }
            }
        }
        dir = saved;
    }
    return 0;
}
