/* A read-only FAT12/FAT16/FAT32 reader (Microsoft's FAT specification, fatgen103) over a drive of 512-byte sectors,
 * working in one caller-supplied sector buffer: every read may replace its contents. A volume's own logical sector
 * (BPB_BytsPerSec) may be 512, 1024, 2048 or 4096 bytes, read as 1 to 8 drive sectors in a row.
 *
 * - Volume: a boot sector (VBR) at LBA 0, or the first MBR partition of type 0x01, 0x04, 0x06, 0x0B, 0x0C or
 *   0x0E. The BPB is checked as fatgen103 describes it, and the FAT type follows from the cluster count alone.
 * - Directories: the fixed root of FAT12/16, cluster chains otherwise; long file names (checksum-verified,
 *   non-ASCII characters read as '?'), 8.3 names with the NT lower-case flags; names compare ignoring ASCII case.
 * - Files: the whole cluster chain is checked when a file or directory is opened: every cluster inside the
 *   volume, no loop, at least as many clusters as the size needs, so a corrupt chain is refused before any byte of
 *   it is used. A file is read afterwards in runs of consecutive sectors (one disk read each, into the caller's
 *   buffer, not the sector buffer: the FAT sector stays loaded), through as many clusters as follow each other on
 *   the disk, as a file copied onto a drive usually lies. */
#ifndef FAT_H
#define FAT_H

#include <stdbool.h>
#include <stdint.h>

/* The drive's sector, the unit of fat_disk_t.read and of every LBA. */
#define FAT_SECTOR_SIZE 512u
/* A long name has at most 20 directory entries of 13 characters (255 used). */
#define FAT_NAME_MAX 260u

#define FAT_ATTR_HIDDEN    0x02u
#define FAT_ATTR_SYSTEM    0x04u
#define FAT_ATTR_VOLUME_ID 0x08u
#define FAT_ATTR_DIRECTORY 0x10u

typedef struct fat_disk {
    /* Reads count (>= 1) 512-byte sectors from lba; false when the drive failed (the caller knows why). */
    bool (*read)(const struct fat_disk *disk, uint32_t lba, uint32_t count, uint8_t *buf);
    uint32_t sector_count;
    void *context;
} fat_disk_t;

typedef enum {
    FAT_OK = 0,
    FAT_END,              /* no more directory entries */
    FAT_IO_ERROR,         /* the disk's read failed */
    FAT_NO_VOLUME,        /* neither a boot sector at LBA 0 nor a FAT partition */
    FAT_BAD_BOOT_SECTOR,  /* a FAT boot sector whose BPB breaks fatgen103's rules or does not fit the disk */
    FAT_NOT_FOUND,
    FAT_LOOP,             /* a cluster chain comes back to itself */
    FAT_BAD_CLUSTER,      /* a chain runs into a free, reserved, bad or out-of-range cluster number */
    FAT_TRUNCATED,        /* the chain ends before the file's size */
} fat_status_t;

typedef struct {
    const fat_disk_t *disk;
    uint8_t *buf;
    uint32_t buf_lba;         /* the sector buf holds, UINT32_MAX for none */
    uint8_t type;             /* 12, 16 or 32 */
    uint16_t cluster_sectors; /* drive sectors per cluster; every LBA and count here is in drive sectors */
    uint32_t fat_lba;         /* the FAT in use */
    uint32_t root_lba;        /* FAT12/16: the fixed root directory */
    uint32_t root_sectors;
    uint32_t root_cluster;    /* FAT32 */
    uint32_t data_lba;        /* cluster 2 */
    uint32_t clusters;        /* valid cluster numbers are 2 .. clusters + 1 */
} fat_t;

typedef struct {
    char name[FAT_NAME_MAX + 1u];  /* the long name when there is a valid one, else the 8.3 name */
    uint8_t attr;
    uint32_t cluster;
    uint32_t size;
} fat_entry_t;

typedef struct {
    uint32_t cluster;   /* 0: the fixed root directory of FAT12/16 */
    uint32_t sector;    /* within the cluster (within the fixed root) */
    uint32_t index;     /* entry within the sector */
    uint32_t entries;   /* entries read so far */
} fat_dir_t;

typedef struct {
    uint32_t first_cluster;
    uint32_t size;
    uint32_t position;
    uint32_t cluster;
    uint32_t sector;    /* within the cluster */
} fat_file_t;

fat_status_t fat_mount(fat_t *fs, const fat_disk_t *disk, uint8_t buf[FAT_SECTOR_SIZE]);

void fat_root(const fat_t *fs, fat_dir_t *dir);
/* Opens a subdirectory entry; its cluster chain is checked first. */
fat_status_t fat_dir_open(fat_t *fs, fat_dir_t *dir, const fat_entry_t *entry);
/* The next file or directory (volume labels, deleted entries and long-name parts are consumed on the way);
 * FAT_END after the last, FAT_LOOP past the 65,536 entries a directory may hold. */
fat_status_t fat_dir_next(fat_t *fs, fat_dir_t *dir, fat_entry_t *entry);

/* Finds a file by a path of names separated by '/', from the root. */
fat_status_t fat_find(fat_t *fs, const char *path, fat_entry_t *entry);

fat_status_t fat_file_open(fat_t *fs, fat_file_t *file, const fat_entry_t *entry);
/* The next bytes of the file into buf, up to max_sectors (>= 1) sectors of them read in one disk read: *len is a
 * whole number of sectors except at the end of the file, 0 there. A run stops where the file's next cluster does not
 * follow on the disk, and before a FAT entry that is not a valid chain link (that error comes at the next call). */
fat_status_t fat_file_read(fat_t *fs, fat_file_t *file, uint8_t *buf, uint32_t max_sectors, uint32_t *len);
void fat_file_rewind(fat_file_t *file);

/* a equals the first b_len characters of b, or all of b up to its NUL, ignoring ASCII case. */
bool fat_name_equal(const char *a, const char *b, uint32_t b_len);
/* "no FAT volume", "FAT chain loops", ... */
const char *fat_status_text(fat_status_t status);

#endif /* FAT_H */
