/* The FAT reader on volumes mkfs.vfat and mtools made: FAT12/16/32 with and without a partition table, long
 * names, directories, a fragmented file; every corruption refused with its own status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fat.h"
#include "fixture_files.h"

/* A disk image in memory behind fat_disk_t; reads can be made to fail from a given one on. */
typedef struct {
    uint8_t *bytes;
    size_t size;
    uint32_t reads;
    uint32_t failures;
    long fail_from;  /* -1: never */
    uint32_t sectors_read;
    uint32_t max_count;  /* the most sectors one read asked for */
    uint32_t data_from;  /* reads from this LBA on are counted in data_reads (0: none) */
    uint32_t data_reads;
} image_disk_t;

static bool image_read(const fat_disk_t *disk, uint32_t lba, uint32_t count, uint8_t *buf)
{
    image_disk_t *image = disk->context;
    if (image->fail_from >= 0 && image->reads >= (uint32_t)image->fail_from) {
        image->failures++;
        return false;
    }
    image->reads++;
    if (count == 0u || (uint64_t)(lba + (uint64_t)count) * FAT_SECTOR_SIZE > image->size) {
        fprintf(stderr, "read of %u sectors at %u beyond the disk\n", (unsigned)count, (unsigned)lba);
        abort();
    }
    memcpy(buf, image->bytes + (size_t)lba * FAT_SECTOR_SIZE, (size_t)count * FAT_SECTOR_SIZE);
    image->sectors_read += count;
    image->data_reads += image->data_from != 0u && lba >= image->data_from;
    image->max_count = count > image->max_count ? count : image->max_count;
    return true;
}

typedef struct {
    image_disk_t image;
    fat_disk_t disk;
    fat_t fs;
    uint8_t buf[FAT_SECTOR_SIZE];
} volume_t;

static fat_status_t mount(volume_t *v, const char *image_name)
{
    memset(v, 0, sizeof *v);
    v->image.bytes = fixture_read(image_name, &v->image.size);
    v->image.fail_from = -1;
    v->disk = (fat_disk_t){ .read = image_read, .sector_count = (uint32_t)(v->image.size / FAT_SECTOR_SIZE),
                            .context = &v->image };
    return fat_mount(&v->fs, &v->disk, v->buf);
}

static void unmount(volume_t *v)
{
    free(v->image.bytes);
}

#define CHECK_FAT(expected, actual)                                                                          \
    do {                                                                                                    \
        fat_status_t actual_ = (actual);                                                                    \
        check_eq_named(__FILE__, __LINE__, #actual, (expected), fat_status_text(expected), actual_,            \
                       fat_status_text(actual_));                                                             \
    } while (0)

/* The largest run check_file_content reads at once. */
#define MAX_RUN 8u

/* Reads the whole file max_sectors at a time and compares it with a fixture file; a poisoned buffer shows that
 * only the bytes *len claims were meant. */
static void check_file_content_by(volume_t *v, const char *path, const char *expected_file, uint32_t max_sectors)
{
    fat_entry_t entry;
    CHECK_FAT(FAT_OK, fat_find(&v->fs, path, &entry));
    size_t expected_len;
    uint8_t *expected = fixture_read(expected_file, &expected_len);
    CHECK_EQ_U32(expected_len, entry.size);
    fat_file_t file;
    CHECK_FAT(FAT_OK, fat_file_open(&v->fs, &file, &entry));
    static uint8_t data[MAX_RUN * FAT_SECTOR_SIZE];
    for (int pass = 0; pass < 2; pass++) {
        size_t at = 0u;
        for (;;) {
            uint32_t len;
            memset(data, 0xA5, sizeof data);
            fat_status_t status = fat_file_read(&v->fs, &file, data, max_sectors, &len);
            CHECK_FAT(FAT_OK, status);
            if (status != FAT_OK || len == 0u) {
                break;
            }
            /* Whole sectors but at the end of the file, never more than asked. */
            CHECK_TRUE(len <= max_sectors * FAT_SECTOR_SIZE);
            CHECK_TRUE(len % FAT_SECTOR_SIZE == 0u || at + len == expected_len);
            CHECK_TRUE(at + len <= expected_len && memcmp(data, expected + at, len) == 0);
            at += len;
        }
        CHECK_EQ_U32(expected_len, at);
        fat_file_rewind(&file);
    }
    free(expected);
}

static void check_file_content(volume_t *v, const char *path, const char *expected_file)
{
    check_file_content_by(v, path, expected_file, 1u);
    check_file_content_by(v, path, expected_file, 3u);
    check_file_content_by(v, path, expected_file, MAX_RUN);
}

static void every_fat_type_with_and_without_partition_table(void)
{
    static const struct {
        const char *image;
        uint32_t type;
        const char *path;
        const char *content;
    } volumes[] = {
        { "fat12.img", 12, "FIRMWARE.HEX", "app16.hex" },
        { "fat12_mbr.img", 12, "firmware.hex", "app32.hex" },
        { "fat16.img", 16, "firmware.hex", "app255.hex" },
        { "fat16_mbr.img", 16, "FIRMWARE.HEX", "app_shuffled.hex" },
        { "fat32.img", 32, "FIRMWARE.HEX", "big.hex" },
        { "fat32_mbr.img", 32, "Firmware.Hex", "app16.hex" },
    };
    for (size_t i = 0; i < sizeof volumes / sizeof volumes[0]; i++) {
        volume_t v;
        CHECK_FAT(FAT_OK, mount(&v, volumes[i].image));
        CHECK_EQ_U32(volumes[i].type, v.fs.type);
        check_file_content(&v, volumes[i].path, volumes[i].content);
        check_file_content(&v, "README.TXT", "readme.txt");
        unmount(&v);
    }
}

/* The names of a directory, in order, joined by '|'. */
static void list(volume_t *v, fat_dir_t *dir, char *out, size_t cap)
{
    fat_entry_t entry;
    out[0] = '\0';
    fat_status_t status;
    while ((status = fat_dir_next(&v->fs, dir, &entry)) == FAT_OK) {
        if (out[0] != '\0') {
            strncat(out, "|", cap - strlen(out) - 1u);
        }
        strncat(out, entry.name, cap - strlen(out) - 1u);
    }
    CHECK_FAT(FAT_END, status);
    /* The end stays the end. */
    CHECK_FAT(FAT_END, fat_dir_next(&v->fs, dir, &entry));
}

/* Logical sectors of 4 KiB (mkfs.vfat -S 4096) on a drive of 512-byte sectors: each is read as 8 drive sectors. */
static void four_kib_logical_sectors(void)
{
    volume_t v;
    CHECK_FAT(FAT_OK, mount(&v, "fat12_4k.img"));
    CHECK_EQ_U32(12, v.fs.type);
    CHECK_EQ_U32(8, v.fs.cluster_sectors);
    check_file_content(&v, "FIRMWARE.HEX", "app16.hex");
    check_file_content(&v, "README.TXT", "readme.txt");
    unmount(&v);

    CHECK_FAT(FAT_OK, mount(&v, "fat16_4k_mbr.img"));
    CHECK_EQ_U32(16, v.fs.type);
    check_file_content(&v, "notes/firmware.hex", "big.hex");
    check_file_content(&v, "notes/release notes of build 59.txt", "readme.txt");
    fat_entry_t entry;
    fat_dir_t dir;
    CHECK_FAT(FAT_OK, fat_find(&v.fs, "notes/release notes of build 00.txt", &entry));
    fat_root(&v.fs, &dir);
    uint32_t names = 0u;
    while (fat_dir_next(&v.fs, &dir, &entry) == FAT_OK) {
        names++;
    }
    CHECK_EQ_U32(2, names); /* README.TXT and notes */
    unmount(&v);
}

static void long_names_and_directories(void)
{
    volume_t v;
    CHECK_FAT(FAT_OK, mount(&v, "lfn.img"));
    char names[512];
    fat_dir_t dir;
    fat_root(&v.fs, &dir);
    list(&v, &dir, names, sizeof names);
    CHECK_EQ_STR("README.TXT|docs|Application build 1.2.3.4 (release).hex", names);
    check_file_content(&v, "Application build 1.2.3.4 (release).hex", "app16.hex");
    check_file_content(&v, "APPLICATION BUILD 1.2.3.4 (RELEASE).HEX", "app16.hex");
    check_file_content(&v, "docs/notes about the update.txt", "readme.txt");

    fat_entry_t entry;
    CHECK_FAT(FAT_OK, fat_find(&v.fs, "Application build 1.2.3.4 (release).hex", &entry));
    CHECK_EQ_U32(0, entry.attr & FAT_ATTR_DIRECTORY);
    /* A directory, a file used as a directory, a missing name, a name that is only a prefix. */
    CHECK_FAT(FAT_NOT_FOUND, fat_find(&v.fs, "docs", &entry));
    CHECK_FAT(FAT_NOT_FOUND, fat_find(&v.fs, "README.TXT/x", &entry));
    CHECK_FAT(FAT_NOT_FOUND, fat_find(&v.fs, "docs/missing.txt", &entry));
    CHECK_FAT(FAT_NOT_FOUND, fat_find(&v.fs, "README.TX", &entry));
    CHECK_FAT(FAT_NOT_FOUND, fat_find(&v.fs, "README.TXT2", &entry));

    /* "." and ".." of a subdirectory; ".." of a first-level directory is the root. */
    CHECK_FAT(FAT_OK, fat_find(&v.fs, "docs/notes about the update.txt", &entry));
    fat_root(&v.fs, &dir);
    fat_status_t status;
    do {
        status = fat_dir_next(&v.fs, &dir, &entry);
    } while (status == FAT_OK && strcmp(entry.name, "docs") != 0);
    CHECK_FAT(FAT_OK, status);
    CHECK_FAT(FAT_OK, fat_dir_open(&v.fs, &dir, &entry));
    list(&v, &dir, names, sizeof names);
    CHECK_EQ_STR(".|..|notes about the update.txt", names);
    check_file_content(&v, "docs/../README.TXT", "readme.txt");
    unmount(&v);
}

static void broken_long_name_falls_back_to_the_short_name(void)
{
    volume_t v;
    CHECK_FAT(FAT_OK, mount(&v, "lfn.img"));
    /* Change the 8.3 alias: the long name's checksum no longer matches it. */
    uint8_t *alias = NULL;
    for (size_t at = 0; alias == NULL && at + 11u <= v.image.size; at += 32u) {
        alias = memcmp(v.image.bytes + at, "APPLIC~1HEX", 11u) == 0 ? v.image.bytes + at : NULL;
    }
    CHECK_TRUE(alias != NULL);
    if (alias == NULL) {
        unmount(&v);
        return;
    }
    alias[7] = '2';
    char names[512];
    fat_dir_t dir;
    fat_root(&v.fs, &dir);
    list(&v, &dir, names, sizeof names);
    CHECK_EQ_STR("README.TXT|docs|APPLIC~2.HEX", names);
    unmount(&v);
}

static void lower_case_flags_of_short_names(void)
{
    /* mtools stores "firmware.hex" as the 8.3 name FIRMWARE.HEX with the NT lower-case bits, no long name. */
    volume_t v;
    char names[256];
    fat_dir_t dir;
    CHECK_FAT(FAT_OK, mount(&v, "fat12_mbr.img"));
    fat_root(&v.fs, &dir);
    list(&v, &dir, names, sizeof names);
    CHECK_EQ_STR("README.TXT|firmware.hex", names);
    unmount(&v);
}

static void nested_directories_over_several_clusters(void)
{
    volume_t v;
    CHECK_FAT(FAT_OK, mount(&v, "nested.img"));
    check_file_content(&v, "updates/stm32l475/firmware.hex", "app16.hex");
    check_file_content(&v, "UPDATES/STM32L475/FIRMWARE.HEX", "app16.hex");
    fat_entry_t entry;
    CHECK_FAT(FAT_OK, fat_find(&v.fs, "updates/stm32l475/old release notes 39.txt", &entry));
    CHECK_FAT(FAT_NOT_FOUND, fat_find(&v.fs, "FIRMWARE.HEX", &entry));
    unmount(&v);
}

static void fragmented_file_is_followed_through_its_chain(void)
{
    volume_t v;
    CHECK_FAT(FAT_OK, mount(&v, "fragmented.img"));
    check_file_content(&v, "FIRMWARE.HEX", "app16.hex");
    /* The deleted fillers are gone, the kept ones are there. */
    fat_entry_t entry;
    CHECK_FAT(FAT_NOT_FOUND, fat_find(&v.fs, "F00.BIN", &entry));
    CHECK_FAT(FAT_OK, fat_find(&v.fs, "F01.BIN", &entry));
    unmount(&v);
}

/* The next cluster of a chain straight from the image's first FAT, decoded here apart from fat.c. */
static uint32_t image_next_cluster(const volume_t *v, uint32_t cluster)
{
    const uint8_t *fat = v->image.bytes + (size_t)v->fs.fat_lba * FAT_SECTOR_SIZE;
    if (v->fs.type == 12u) {
        uint32_t pair = fat[cluster * 3u / 2u] | (uint32_t)fat[cluster * 3u / 2u + 1u] << 8;
        return (cluster & 1u) ? pair >> 4 : pair & 0xFFFu;
    }
    if (v->fs.type == 16u) {
        return fat[cluster * 2u] | (uint32_t)fat[cluster * 2u + 1u] << 8;
    }
    uint32_t value;
    memcpy(&value, fat + cluster * 4u, sizeof value);
    return value & 0x0FFFFFFFu;
}

/* With room for the whole file, it comes in one disk read per run of clusters that follow each other on the disk
 * (counted here from the FAT itself), and each read is one READ-sized request, not one per sector. */
static void file_runs_span_consecutive_clusters_and_stop_at_gaps(void)
{
    static const struct {
        const char *image;
        const char *path;
        const char *content;
        uint32_t min_runs;
    } cases[] = {
        { "fragmented.img", "FIRMWARE.HEX", "app16.hex", 2u },
        { "fat32.img", "FIRMWARE.HEX", "big.hex", 1u },
        { "fat16.img", "firmware.hex", "app255.hex", 1u },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        volume_t v;
        CHECK_FAT(FAT_OK, mount(&v, cases[i].image));
        fat_entry_t entry;
        CHECK_FAT(FAT_OK, fat_find(&v.fs, cases[i].path, &entry));
        uint32_t cluster_bytes = v.fs.cluster_sectors * FAT_SECTOR_SIZE;
        uint32_t clusters = (entry.size + cluster_bytes - 1u) / cluster_bytes;
        uint32_t runs = 1u;
        uint32_t cluster = entry.cluster;
        for (uint32_t n = 1; n < clusters; n++) {
            uint32_t next = image_next_cluster(&v, cluster);
            runs += next != cluster + 1u;
            cluster = next;
        }
        CHECK_TRUE(runs >= cases[i].min_runs);
        CHECK_TRUE(clusters > 1u);
        fat_file_t file;
        CHECK_FAT(FAT_OK, fat_file_open(&v.fs, &file, &entry));
        uint32_t sectors = (entry.size + FAT_SECTOR_SIZE - 1u) / FAT_SECTOR_SIZE;
        uint8_t *data = malloc((size_t)sectors * FAT_SECTOR_SIZE);
        size_t expected_len;
        uint8_t *expected = fixture_read(cases[i].content, &expected_len);
        v.image.data_from = v.fs.data_lba;
        uint32_t at = 0u;
        uint32_t len = 0u;
        do {
            CHECK_FAT(FAT_OK, fat_file_read(&v.fs, &file, data + at, sectors, &len));
            at += len;
        } while (len != 0u && at <= entry.size);
        CHECK_EQ_U32(entry.size, at);
        CHECK_TRUE(expected_len == entry.size && memcmp(data, expected, entry.size) == 0);
        /* One data read per run (the FAT's sectors come into the sector buffer on the way): a contiguous file in
         * one read of all its sectors. */
        CHECK_EQ_U32(runs, v.image.data_reads);
        CHECK_TRUE(runs > 1u || v.image.max_count == sectors);
        free(expected);
        free(data);
        unmount(&v);
    }
}

/* A FAT that changes under an open file (the drive serves another one) ends a run before the broken link; the error
 * comes at the next read, where the file reaches it, as with one sector a read. */
static void a_chain_broken_after_the_open_ends_the_run_before_the_break(void)
{
    volume_t v;
    CHECK_FAT(FAT_OK, mount(&v, "fat32.img"));
    fat_entry_t entry;
    CHECK_FAT(FAT_OK, fat_find(&v.fs, "FIRMWARE.HEX", &entry));
    fat_file_t file;
    CHECK_FAT(FAT_OK, fat_file_open(&v.fs, &file, &entry));
    uint32_t cluster_bytes = v.fs.cluster_sectors * FAT_SECTOR_SIZE;
    CHECK_TRUE(entry.size > 2u * cluster_bytes);
    /* The file's first cluster now leads to a free one. */
    uint8_t *link = v.image.bytes + (size_t)v.fs.fat_lba * FAT_SECTOR_SIZE + entry.cluster * 4u;
    memset(link, 0, 4u);
    v.fs.buf_lba = UINT32_MAX;
    uint8_t *data = malloc(entry.size + FAT_SECTOR_SIZE);
    uint32_t len;
    CHECK_FAT(FAT_OK, fat_file_read(&v.fs, &file, data, entry.size / FAT_SECTOR_SIZE + 1u, &len));
    CHECK_EQ_U32(cluster_bytes, len);
    CHECK_FAT(FAT_BAD_CLUSTER, fat_file_read(&v.fs, &file, data, entry.size / FAT_SECTOR_SIZE + 1u, &len));
    CHECK_EQ_U32(0, len);
    /* And one that ends the chain there reads as a truncated file. */
    memset(link, 0xFF, 4u);
    v.fs.buf_lba = UINT32_MAX;
    fat_file_rewind(&file);
    CHECK_FAT(FAT_OK, fat_file_read(&v.fs, &file, data, entry.size / FAT_SECTOR_SIZE + 1u, &len));
    CHECK_EQ_U32(cluster_bytes, len);
    CHECK_FAT(FAT_TRUNCATED, fat_file_read(&v.fs, &file, data, entry.size / FAT_SECTOR_SIZE + 1u, &len));
    free(data);
    unmount(&v);
}

static fat_status_t open_firmware(volume_t *v)
{
    fat_entry_t entry;
    fat_status_t status = fat_find(&v->fs, "FIRMWARE.HEX", &entry);
    if (status != FAT_OK) {
        return status;
    }
    fat_file_t file;
    return fat_file_open(&v->fs, &file, &entry);
}

static void corrupt_chains_are_refused_when_opened(void)
{
    static const struct {
        const char *image;
        fat_status_t status;
    } cases[] = {
        { "truncated.img", FAT_TRUNCATED },
        { "one_cluster_short.img", FAT_TRUNCATED },
        { "loop.img", FAT_LOOP },
        { "loop_fat32.img", FAT_LOOP },
        { "bad_cluster.img", FAT_BAD_CLUSTER },
        { "free_cluster.img", FAT_BAD_CLUSTER },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        volume_t v;
        CHECK_FAT(FAT_OK, mount(&v, cases[i].image));
        uint32_t reads_before = v.image.reads;
        CHECK_FAT(cases[i].status, open_firmware(&v));
        /* Only the directory and the FAT were read, no data cluster of the file. */
        CHECK_TRUE(v.image.reads - reads_before < 10u);
        unmount(&v);
    }
}

static void corrupt_volumes_are_refused_when_mounted(void)
{
    static const struct {
        const char *image;
        fat_status_t status;
    } cases[] = {
        { "bad_bytes_per_sector.img", FAT_BAD_BOOT_SECTOR },
        { "bad_sectors_per_cluster.img", FAT_BAD_BOOT_SECTOR },
        { "sector_size_1024.img", FAT_BAD_BOOT_SECTOR }, /* a 512-byte layout claiming 1 KiB: past the drive's end */
        { "fat32_root_entries.img", FAT_BAD_BOOT_SECTOR },
        { "volume_too_big.img", FAT_BAD_BOOT_SECTOR },
        { "root_loop.img", FAT_LOOP },
        { "zeros.img", FAT_NO_VOLUME },
        { "linux_partition.img", FAT_NO_VOLUME },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        volume_t v;
        CHECK_FAT(cases[i].status, mount(&v, cases[i].image));
        unmount(&v);
    }
}

static void partition_types(void)
{
    static const struct {
        uint8_t type;
        fat_status_t status;
    } cases[] = {
        { 0x01, FAT_OK }, { 0x04, FAT_OK }, { 0x06, FAT_OK }, { 0x0B, FAT_OK }, { 0x0C, FAT_OK }, { 0x0E, FAT_OK },
        { 0x00, FAT_NO_VOLUME }, { 0x07, FAT_NO_VOLUME }, { 0x83, FAT_NO_VOLUME }, { 0xEE, FAT_NO_VOLUME },
    };
    volume_t v;
    CHECK_FAT(FAT_OK, mount(&v, "fat16_mbr.img"));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        v.image.bytes[446 + 4] = cases[i].type;
        CHECK_FAT(cases[i].status, fat_mount(&v.fs, &v.disk, v.buf));
    }
    /* A partition that starts beyond the disk is not followed. */
    v.image.bytes[446 + 4] = 0x06;
    memcpy(v.image.bytes + 446 + 8, (const uint8_t[]){ 0x00, 0x00, 0x00, 0x10 }, 4u);
    CHECK_FAT(FAT_NO_VOLUME, fat_mount(&v.fs, &v.disk, v.buf));
    unmount(&v);
}

static void fat_type_follows_the_cluster_count_alone(void)
{
    /* A FAT12 volume whose boot sector claims "FAT16   " in its type string is still FAT12. */
    volume_t v;
    CHECK_FAT(FAT_OK, mount(&v, "fat12.img"));
    memcpy(v.image.bytes + 54, "FAT16   ", 8u);
    CHECK_FAT(FAT_OK, fat_mount(&v.fs, &v.disk, v.buf));
    CHECK_EQ_U32(12, v.fs.type);
    check_file_content(&v, "FIRMWARE.HEX", "app16.hex");
    unmount(&v);
}

/* Mounts fragmented.img, finds and reads FIRMWARE.HEX max_sectors at a time, the disk failing from read fail_from on
 * (-1: never): the failure always comes out as FAT_IO_ERROR, nothing crashes or loops, and no failure is swallowed.
 * Returns the reads that succeeded. */
static uint32_t walk_failing_from(long fail_from, uint32_t max_sectors)
{
    volume_t v;
    memset(&v, 0, sizeof v);
    v.image.bytes = fixture_read("fragmented.img", &v.image.size);
    v.image.fail_from = fail_from;
    v.disk = (fat_disk_t){ .read = image_read, .sector_count = (uint32_t)(v.image.size / FAT_SECTOR_SIZE),
                            .context = &v.image };
    fat_status_t status = fat_mount(&v.fs, &v.disk, v.buf);
    fat_entry_t entry;
    fat_file_t file;
    if (status == FAT_OK) {
        status = fat_find(&v.fs, "FIRMWARE.HEX", &entry);
    }
    if (status == FAT_OK) {
        status = fat_file_open(&v.fs, &file, &entry);
    }
    while (status == FAT_OK) {
        static uint8_t data[4u * FAT_SECTOR_SIZE];
        uint32_t len;
        status = fat_file_read(&v.fs, &file, data, max_sectors, &len);
        if (len == 0u) {
            break;
        }
    }
    CHECK_FAT(v.image.failures == 0u ? FAT_OK : FAT_IO_ERROR, status);
    /* The walk stops at the first failure, and only a read the walk makes fails. */
    CHECK_EQ_U32(fail_from >= 0 && (uint32_t)fail_from < v.image.reads + v.image.failures ? 1u : 0u,
                 v.image.failures);
    uint32_t reads = v.image.reads;
    unmount(&v);
    return reads;
}

static void read_errors_surface_everywhere(void)
{
    /* A sector at a time, and runs of up to 4 (fewer reads for the same walk). */
    uint32_t reads_by_one = walk_failing_from(-1, 1u);
    uint32_t reads_by_four = walk_failing_from(-1, 4u);
    CHECK_TRUE(reads_by_one > 20u && reads_by_four < reads_by_one);
    for (uint32_t fail_from = 0; fail_from <= reads_by_one; fail_from++) {
        /* The reads before the failing one succeeded; from the whole walk's count on, nothing fails. */
        CHECK_EQ_U32(fail_from < reads_by_one ? fail_from : reads_by_one, walk_failing_from((long)fail_from, 1u));
        if (fail_from <= reads_by_four) {
            CHECK_EQ_U32(fail_from < reads_by_four ? fail_from : reads_by_four, walk_failing_from((long)fail_from, 4u));
        }
    }
}

/* The texts follow fat_status_t in order (packed, text_pick): each status must name itself. */
static void a_directory_whose_chain_comes_back_after_it_was_checked_ends(void)
{
    /* The drive serves another FAT once the volume is mounted: the FAT32 root directory, full of deleted entries
     * with no end marker, now leads back to itself. The walk stops after the 65,536 entries a directory may hold
     * (reads fail long after that, in case it does not). */
    volume_t v;
    CHECK_FAT(FAT_OK, mount(&v, "fat32.img"));
    uint32_t root = v.fs.root_cluster;
    uint8_t *entries = v.image.bytes + (size_t)(v.fs.data_lba + (root - 2u) * v.fs.cluster_sectors) * FAT_SECTOR_SIZE;
    for (uint32_t at = 0; at < v.fs.cluster_sectors * FAT_SECTOR_SIZE; at += 32u) {
        memcpy(entries + at, "\xE5" "ELETED BIN\x20", 12u);
    }
    uint8_t *fat_entry = v.image.bytes + (size_t)v.fs.fat_lba * FAT_SECTOR_SIZE + root * 4u;
    memcpy(fat_entry, &root, sizeof root);
    v.fs.buf_lba = UINT32_MAX;
    v.image.fail_from = (long)v.image.reads + 20000;
    fat_dir_t dir;
    fat_entry_t entry;
    fat_root(&v.fs, &dir);
    CHECK_FAT(FAT_LOOP, fat_dir_next(&v.fs, &dir, &entry));
    CHECK_EQ_U32(65536, dir.entries);
    CHECK_EQ_U32(0, v.image.failures);
    unmount(&v);
}

static void status_texts(void)
{
    CHECK_EQ_STR("ok", fat_status_text(FAT_OK));
    CHECK_EQ_STR("end", fat_status_text(FAT_END));
    CHECK_EQ_STR("read error", fat_status_text(FAT_IO_ERROR));
    CHECK_EQ_STR("no FAT volume", fat_status_text(FAT_NO_VOLUME));
    CHECK_EQ_STR("corrupt FAT boot sector", fat_status_text(FAT_BAD_BOOT_SECTOR));
    CHECK_EQ_STR("not found", fat_status_text(FAT_NOT_FOUND));
    CHECK_EQ_STR("FAT chain loops", fat_status_text(FAT_LOOP));
    CHECK_EQ_STR("cluster number out of range", fat_status_text(FAT_BAD_CLUSTER));
    CHECK_EQ_STR("file truncated", fat_status_text(FAT_TRUNCATED));
    CHECK_EQ_STR("?", fat_status_text((fat_status_t)(FAT_TRUNCATED + 1)));
}

int main(int argc, char **argv)
{
    fixture_files_init(argc, argv);
    RUN_TEST(every_fat_type_with_and_without_partition_table);
    RUN_TEST(four_kib_logical_sectors);
    RUN_TEST(long_names_and_directories);
    RUN_TEST(broken_long_name_falls_back_to_the_short_name);
    RUN_TEST(lower_case_flags_of_short_names);
    RUN_TEST(nested_directories_over_several_clusters);
    RUN_TEST(fragmented_file_is_followed_through_its_chain);
    RUN_TEST(file_runs_span_consecutive_clusters_and_stop_at_gaps);
    RUN_TEST(a_chain_broken_after_the_open_ends_the_run_before_the_break);
    RUN_TEST(corrupt_chains_are_refused_when_opened);
    RUN_TEST(corrupt_volumes_are_refused_when_mounted);
    RUN_TEST(partition_types);
    RUN_TEST(fat_type_follows_the_cluster_count_alone);
    RUN_TEST(read_errors_surface_everywhere);
    RUN_TEST(a_directory_whose_chain_comes_back_after_it_was_checked_ends);
    RUN_TEST(status_texts);
    return check_summary();
}
