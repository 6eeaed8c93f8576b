/* libFuzzer target: the FAT reader on a drive of any size whose reads may fail or change, holding any bytes:
 *
 *   bytes 0-3    the drive's size in 512-byte sectors (little-endian; any value: the geometry is the input's)
 *   bytes 4-5    the first read that fails, counted from 1 (0: none), byte 6 how many fail from there (0: all)
 *   bytes 7-15   a sector that reads differently from some read of it on: its LBA, the LBA whose bytes it then
 *                serves (32 bits each), the read of it from which it does (byte 15, counted from 1; 0: never)
 *   then         the disk, as runs of sectors (fuzz_disk.h); real volumes made by mkfs.vfat make good seeds
 *
 * The volume is mounted, its root listed, its subdirectories listed, every file read to its end and found again by
 * name, up to 8 sectors a read (fat_file_read's runs). Nothing may read a sector outside the drive, hang (libFuzzer's -timeout), trip the sanitizers or give a
 * file more bytes than its size; while every read succeeds and serves the same bytes, a file is read whole and a
 * listed name is found as the same entry.
 *   CC=clang cmake -S tests/host -B out/host-fuzz -G Ninja && cmake --build out/host-fuzz
 *   out/host-fuzz/fuzz_fat -max_total_time=60 tests/host/fuzz_corpus/fuzz_fat */
#include <stdlib.h>
#include <string.h>

#include "fat.h"
#include "fuzz_disk.h"

#define PREFIX 16u
#define MAX_RUN 8u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    fuzz_disk_t sectors;
    uint32_t reads;
    uint32_t fail_from;   /* 0: no read fails */
    uint32_t fail_count;  /* 0: every read from fail_from on */
    uint32_t failed;
    uint32_t change_lba;
    uint32_t change_source;
    uint32_t change_from; /* 0: the sector never changes */
    uint32_t change_reads;
    uint32_t changed;     /* reads that served the other sector */
} drive_t;

static uint32_t le32_at(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void require(bool condition)
{
    if (!condition) {
        abort();
    }
}

static bool read_sectors(const fat_disk_t *disk, uint32_t lba, uint32_t count, uint8_t *buf)
{
    drive_t *drive = disk->context;
    require(count != 0u && lba < disk->sector_count && count <= disk->sector_count - lba);
    drive->reads++;
    if (drive->fail_from != 0u && drive->reads >= drive->fail_from
        && (drive->fail_count == 0u || drive->reads < drive->fail_from + drive->fail_count)) {
        drive->failed++;
        return false;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint32_t at = lba + i;
        if (at == drive->change_lba && ++drive->change_reads >= drive->change_from && drive->change_from != 0u) {
            drive->changed++;
            at = drive->change_source;
        }
        fuzz_disk_sector(&drive->sectors, at, buf + (size_t)i * FAT_SECTOR_SIZE);
    }
    return true;
}

/* Every read so far succeeded and served the disk as it is. */
static bool steady(const drive_t *drive)
{
    return drive->failed == 0u && drive->changed == 0u;
}

static void read_file(fat_t *fs, const fat_entry_t *entry, const drive_t *drive)
{
    fat_file_t file;
    if (fat_file_open(fs, &file, entry) != FAT_OK) {
        return;
    }
    /* Runs of 1 to MAX_RUN sectors, the most a read may ask for following from the entry. */
    static uint8_t bytes[MAX_RUN * FAT_SECTOR_SIZE];
    uint32_t max_sectors = 1u + (entry->cluster + entry->size) % MAX_RUN;
    uint32_t len;
    uint32_t total = 0u;
    fat_status_t status;
    while ((status = fat_file_read(fs, &file, bytes, max_sectors, &len)) == FAT_OK && len != 0u) {
        require(len <= max_sectors * FAT_SECTOR_SIZE && (len % FAT_SECTOR_SIZE == 0u || total + len == entry->size));
        total += len;
    }
    require(total <= entry->size);
    /* The chain was checked at open: only a failing or changing read ends the file early. */
    require(!steady(drive) || (status == FAT_OK && total == entry->size));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < PREFIX) {
        return 0;
    }
    static drive_t drive;
    drive.reads = 0u;
    drive.failed = 0u;
    drive.fail_from = (uint32_t)data[4] | (uint32_t)data[5] << 8;
    drive.fail_count = data[6];
    drive.change_lba = le32_at(data + 7);
    drive.change_source = le32_at(data + 11);
    drive.change_from = data[15];
    drive.change_reads = 0u;
    drive.changed = 0u;
    fuzz_disk_parse(&drive.sectors, data + PREFIX, size - PREFIX);
    uint32_t sector_count = le32_at(data);
    fat_disk_t disk = { .read = read_sectors, .sector_count = sector_count, .context = &drive };
    static uint8_t buf[FAT_SECTOR_SIZE];
    fat_t fs;
    if (sector_count == 0u || fat_mount(&fs, &disk, buf) != FAT_OK) {
        return 0;
    }
    fat_dir_t dir;
    fat_root(&fs, &dir);
    fat_entry_t entry;
    for (uint32_t n = 0; n < 64u && fat_dir_next(&fs, &dir, &entry) == FAT_OK; n++) {
        require(strlen(entry.name) <= FAT_NAME_MAX);
        fat_dir_t saved = dir;
        if (entry.attr & FAT_ATTR_DIRECTORY) {
            fat_dir_t sub;
            fat_entry_t inner;
            if (fat_dir_open(&fs, &sub, &entry) == FAT_OK) {
                for (uint32_t m = 0; m < 64u && fat_dir_next(&fs, &sub, &inner) == FAT_OK; m++) {
                    require(strlen(inner.name) <= FAT_NAME_MAX);
                }
            }
        } else {
            read_file(&fs, &entry, &drive);
            /* The first entry of a name in the root is the one a search finds (a name with '/' is a path). */
            fat_entry_t found;
            if (n == 0u && strchr(entry.name, '/') == NULL && steady(&drive)
                && fat_find(&fs, entry.name, &found) == FAT_OK && steady(&drive)) {
                require(found.cluster == entry.cluster && found.size == entry.size);
            }
        }
        dir = saved;
    }
    return 0;
}
