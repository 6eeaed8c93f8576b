#include "fat.h"

#include "byte_order.h"
#include "text.h"

#define NO_SECTOR         UINT32_MAX
#define DIR_ENTRY_SIZE    32u
#define ENTRIES_PER_SECTOR (FAT_SECTOR_SIZE / DIR_ENTRY_SIZE)
#define LFN_CHARS         13u
#define LFN_MAX_PARTS     20u
#define ATTR_LONG_NAME    0x0Fu
#define ENTRY_END         0x00u
#define ENTRY_DELETED     0xE5u
#define LFN_LAST_PART     0x40u
/* fatgen103: a directory holds at most 65,536 entries (2 MB). Its chain was checked when it was opened, but the
 * FAT is read again while the directory is walked: a drive that serves another FAT the second time could make
 * that walk go round for ever. */
#define DIR_MAX_ENTRIES   65536u

/* fatgen103: the FAT type is decided by the cluster count and nothing else. */
#define FAT12_MAX_CLUSTERS 4084u
#define FAT16_MAX_CLUSTERS 65524u
#define FAT32_MAX_CLUSTERS 0x0FFFFFF5u

static bool load(fat_t *fs, uint32_t lba)
{
    if (fs->buf_lba == lba) {
        return true;
    }
    fs->buf_lba = NO_SECTOR;
    if (!fs->disk->read(fs->disk, lba, 1u, fs->buf)) {
        return false;
    }
    fs->buf_lba = lba;
    return true;
}

static uint32_t cluster_lba(const fat_t *fs, uint32_t cluster)
{
    return fs->data_lba + (cluster - 2u) * fs->cluster_sectors;
}

static bool cluster_valid(const fat_t *fs, uint32_t cluster)
{
    return cluster >= 2u && cluster <= fs->clusters + 1u;
}

/* The FAT entry of a valid cluster: FAT_OK with the next cluster, FAT_END at the end of the chain. */
static fat_status_t next_cluster(fat_t *fs, uint32_t cluster, uint32_t *next)
{
    uint32_t offset = fs->type == 12u ? cluster + cluster / 2u : cluster * (fs->type / 8u);
    uint32_t value = 0u;
    /* A FAT12 entry may straddle two sectors: read it byte by byte. */
    for (uint32_t i = 0; i < (fs->type == 32u ? 4u : 2u); i++) {
        uint32_t at = offset + i;
        if (!load(fs, fs->fat_lba + at / FAT_SECTOR_SIZE)) {
            return FAT_IO_ERROR;
        }
        value |= (uint32_t)fs->buf[at % FAT_SECTOR_SIZE] << (8u * i);
    }
    uint32_t end_of_chain = 0x0FFFFFF8u;
    if (fs->type == 12u) {
        value = (cluster & 1u) ? value >> 4 : value & 0xFFFu;
        end_of_chain = 0xFF8u;
    } else if (fs->type == 16u) {
        end_of_chain = 0xFFF8u;
    } else {
        value &= 0x0FFFFFFFu; /* the top four bits are reserved */
    }
    if (value >= end_of_chain) {
        return FAT_END;
    }
    if (!cluster_valid(fs, value)) {
        return FAT_BAD_CLUSTER;
    }
    *next = value;
    return FAT_OK;
}

/* Loads the sector *sector of the cluster chain at *cluster, first moving on to the next cluster when *sector has
 * run past the current one: directories and files are read the same way. FAT_END when the chain ended there. */
static fat_status_t load_chain_sector(fat_t *fs, uint32_t *cluster, uint32_t *sector)
{
    if (*sector == fs->cluster_sectors) {
        fat_status_t status = next_cluster(fs, *cluster, cluster);
        if (status != FAT_OK) {
            return status;
        }
        *sector = 0u;
    }
    return load(fs, cluster_lba(fs, *cluster) + *sector) ? FAT_OK : FAT_IO_ERROR;
}

/* Walks a whole chain and counts its clusters. Brent's cycle detection finds a loop within about twice the
 * chain's length without remembering the clusters visited; without a loop the walk ends by the cluster count. */
static fat_status_t check_chain(fat_t *fs, uint32_t first, uint32_t *count)
{
    if (!cluster_valid(fs, first)) {
        return FAT_BAD_CLUSTER;
    }
    uint32_t saved = first;
    uint32_t cluster = first;
    uint32_t power = 1u;
    uint32_t steps = 0u;
    *count = 1u;
    for (;;) {
        fat_status_t status = next_cluster(fs, cluster, &cluster);
        if (status != FAT_OK) {
            return status == FAT_END ? FAT_OK : status;
        }
        ++*count;
        if (cluster == saved) {
            return FAT_LOOP;
        }
        if (++steps == power) {
            saved = cluster;
            power *= 2u;
            steps = 0u;
        }
    }
}

/* The boot sector in fs->buf at lba. FAT_NO_VOLUME: it does not even look like one (no jump, no signature).
 * The BPB counts in logical sectors of BPB_BytsPerSec bytes: 512, 1024, 2048 or 4096 (fatgen103), that is 1 to 8
 * drive sectors in a row (mkfs.vfat -S 4096 makes such volumes on 512-byte media); the first 512 bytes hold the
 * whole BPB and the signature. Everything fs keeps is in drive sectors. */
static fat_status_t read_bpb(fat_t *fs, uint32_t lba)
{
    const uint8_t *b = fs->buf;
    if (!((b[0] == 0xEBu && b[2] == 0x90u) || b[0] == 0xE9u) || le16(b + 510) != 0xAA55u) {
        return FAT_NO_VOLUME;
    }
    uint32_t sector_bytes = le16(b + 11);
    uint32_t scale = sector_bytes / FAT_SECTOR_SIZE;
    uint32_t per_cluster = b[13];
    uint32_t reserved = le16(b + 14);
    uint32_t fats = b[16];
    uint32_t root_entries = le16(b + 17);
    uint32_t total = le16(b + 19) != 0u ? le16(b + 19) : le32(b + 32);
    uint32_t fat_size = le16(b + 22) != 0u ? le16(b + 22) : le32(b + 36);
    if (sector_bytes < FAT_SECTOR_SIZE || sector_bytes > 8u * FAT_SECTOR_SIZE
        || (sector_bytes & (sector_bytes - 1u)) != 0u || per_cluster == 0u || (per_cluster & (per_cluster - 1u)) != 0u
        || reserved == 0u || fats == 0u || fat_size == 0u) {
        return FAT_BAD_BOOT_SECTOR;
    }
    uint32_t root_sectors = (root_entries * DIR_ENTRY_SIZE + sector_bytes - 1u) / sector_bytes;
    uint64_t meta = reserved + (uint64_t)fats * fat_size + root_sectors;
    /* Past this check every count times scale fits 32 bits: the volume lies inside the drive. */
    if (meta >= total || lba + (uint64_t)total * scale > fs->disk->sector_count) {
        return FAT_BAD_BOOT_SECTOR;
    }
    uint32_t clusters = (total - (uint32_t)meta) / per_cluster;
    uint32_t type = clusters <= FAT12_MAX_CLUSTERS ? 12u : clusters <= FAT16_MAX_CLUSTERS ? 16u : 32u;
    uint32_t active = 0u;
    if (type == 32u) {
        /* ExtFlags bit 7: only the FAT numbered in bits 0..3 is in use. */
        uint32_t ext_flags = le16(b + 40);
        active = (ext_flags & 0x80u) ? ext_flags & 0x0Fu : 0u;
        if (root_entries != 0u || le16(b + 22) != 0u || clusters > FAT32_MAX_CLUSTERS || active >= fats) {
            return FAT_BAD_BOOT_SECTOR;
        }
    } else if (root_entries == 0u) {
        return FAT_BAD_BOOT_SECTOR;
    }
    /* At most 0x0FFFFFF7 entries of 4 bytes: 32 bits hold the FAT's size in bytes. */
    uint32_t entries = clusters + 2u;
    uint32_t fat_bytes = type == 12u ? (entries * 3u + 1u) / 2u : entries * (type / 8u);
    if ((fat_bytes + sector_bytes - 1u) / sector_bytes > fat_size) {
        return FAT_BAD_BOOT_SECTOR;
    }

    fs->type = (uint8_t)type;
    fs->cluster_sectors = (uint16_t)(per_cluster * scale);
    fs->clusters = clusters;
    fs->fat_lba = lba + (reserved + active * fat_size) * scale;
    fs->root_lba = lba + (reserved + fats * fat_size) * scale;
    fs->root_sectors = root_sectors * scale;
    fs->data_lba = lba + (uint32_t)meta * scale;
    fs->root_cluster = type == 32u ? le32(b + 44) : 0u;
    if (type == 32u) {
        /* The root directory is read by following its chain: check it now, as any other directory's. */
        uint32_t count;
        return check_chain(fs, fs->root_cluster, &count);
    }
    return FAT_OK;
}

static bool fat_partition_type(uint8_t type)
{
    return type == 0x01u || type == 0x04u || type == 0x06u || type == 0x0Bu || type == 0x0Cu || type == 0x0Eu;
}

fat_status_t fat_mount(fat_t *fs, const fat_disk_t *disk, uint8_t buf[FAT_SECTOR_SIZE])
{
    fs->disk = disk;
    fs->buf = buf;
    fs->buf_lba = NO_SECTOR;
    if (!load(fs, 0u)) {
        return FAT_IO_ERROR;
    }
    fat_status_t whole_disk = read_bpb(fs, 0u);
    if (whole_disk != FAT_NO_VOLUME && whole_disk != FAT_BAD_BOOT_SECTOR) {
        return whole_disk;
    }
    /* Not a volume by itself: sector 0 may be an MBR (whose boot code may even start with a jump). */
    if (le16(buf + 510) == 0xAA55u) {
        for (uint32_t i = 0; i < 4u; i++) {
            const uint8_t *entry = buf + 446u + 16u * i;
            uint32_t start = le32(entry + 8);
            if (fat_partition_type(entry[4]) && start != 0u && start < disk->sector_count) {
                if (!load(fs, start)) {
                    return FAT_IO_ERROR;
                }
                return read_bpb(fs, start);
            }
        }
    }
    return whole_disk;
}

void fat_root(const fat_t *fs, fat_dir_t *dir)
{
    *dir = (fat_dir_t){ .cluster = fs->root_cluster };
}

fat_status_t fat_dir_open(fat_t *fs, fat_dir_t *dir, const fat_entry_t *entry)
{
    /* ".." of a first-level directory names the root as cluster 0. */
    if (entry->cluster == 0u) {
        fat_root(fs, dir);
        return FAT_OK;
    }
    uint32_t count;
    fat_status_t status = check_chain(fs, entry->cluster, &count);
    *dir = (fat_dir_t){ .cluster = entry->cluster };
    return status;
}

static uint8_t short_name_checksum(const uint8_t *e)
{
    uint8_t sum = 0u;
    for (uint32_t i = 0; i < 11u; i++) {
        sum = (uint8_t)(((sum & 1u) << 7) + (sum >> 1) + e[i]);
    }
    return sum;
}

static char ascii(uint32_t c)
{
    return c >= 0x20u && c < 0x80u ? (char)c : '?';
}

/* One long-name part; returns its ordinal when it continues the name in progress (parts come last first, the
 * last one flagged), 0 when the name is broken. */
static uint8_t long_name_part(const uint8_t *e, char *name, uint8_t previous, uint8_t *checksum)
{
    static const uint8_t char_offsets[LFN_CHARS] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
    uint8_t ordinal = e[0] & 0x3Fu;
    if (e[0] & LFN_LAST_PART) {
        previous = (uint8_t)(ordinal + 1u);
        *checksum = e[13];
    }
    if (ordinal == 0u || ordinal > LFN_MAX_PARTS || ordinal + 1u != previous || e[13] != *checksum) {
        return 0u;
    }
    if (e[0] & LFN_LAST_PART) {
        name[ordinal * LFN_CHARS] = '\0';
    }
    for (uint32_t i = 0; i < LFN_CHARS; i++) {
        uint32_t c = le16(e + char_offsets[i]);
        uint32_t at = (ordinal - 1u) * LFN_CHARS + i;
        if (c == 0u) {
            name[at] = '\0';
        } else if (c != 0xFFFFu) { /* padding after the terminator */
            name[at] = ascii(c);
        }
    }
    return ordinal;
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

static uint32_t short_name_part(char *out, const uint8_t *src, uint32_t len, bool lower)
{
    while (len > 0u && src[len - 1u] == ' ') {
        len--;
    }
    for (uint32_t i = 0; i < len; i++) {
        char c = ascii(src[i]);
        out[i] = lower ? ascii_lower(c) : c;
    }
    return len;
}

/* "NAME.EXT" without padding; NTRes bits 3 and 4 ask for a lower-case base and extension. */
static void short_name(const uint8_t *e, char *name)
{
    uint32_t n = short_name_part(name, e, 8u, (e[12] & 0x08u) != 0u);
    if (e[8] != ' ') {
        name[n++] = '.';
        n += short_name_part(name + n, e + 8, 3u, (e[12] & 0x10u) != 0u);
    }
    name[n] = '\0';
}

fat_status_t fat_dir_next(fat_t *fs, fat_dir_t *dir, fat_entry_t *entry)
{
    uint8_t long_name = 0u;
    uint8_t checksum = 0u;
    for (;;) {
        if (dir->entries == DIR_MAX_ENTRIES) {
            return FAT_LOOP;
        }
        if (dir->index == ENTRIES_PER_SECTOR) {
            dir->index = 0u;
            dir->sector++;
        }
        fat_status_t status;
        if (dir->cluster == 0u) {
            if (dir->sector >= fs->root_sectors) {
                return FAT_END;
            }
            status = load(fs, fs->root_lba + dir->sector) ? FAT_OK : FAT_IO_ERROR;
        } else {
            status = load_chain_sector(fs, &dir->cluster, &dir->sector);
        }
        if (status != FAT_OK) {
            return status;
        }
        const uint8_t *e = fs->buf + DIR_ENTRY_SIZE * dir->index;
        if (e[0] == ENTRY_END) {
            return FAT_END;
        }
        dir->index++;
        dir->entries++;
        uint8_t attr = e[11];
        if (e[0] == ENTRY_DELETED) {
            long_name = 0u;
        } else if ((attr & 0x3Fu) == ATTR_LONG_NAME) {
            long_name = long_name_part(e, entry->name, long_name, &checksum);
        } else if (attr & FAT_ATTR_VOLUME_ID) {
            long_name = 0u;
        } else {
            if (long_name != 1u || checksum != short_name_checksum(e)) {
                short_name(e, entry->name);
            }
            entry->attr = attr;
            entry->cluster = (fs->type == 32u ? le16(e + 20) << 16 : 0u) | le16(e + 26);
            entry->size = le32(e + 28);
            return FAT_OK;
        }
    }
}

bool fat_name_equal(const char *a, const char *b, uint32_t b_len)
{
    uint32_t i = 0u;
    for (; i < b_len && b[i] != '\0'; i++) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) {
            return false;
        }
    }
    return a[i] == '\0';
}

fat_status_t fat_find(fat_t *fs, const char *path, fat_entry_t *entry)
{
    fat_dir_t dir;
    fat_root(fs, &dir);
    for (;;) {
        const char *end = path;
        while (*end != '\0' && *end != '/') {
            end++;
        }
        fat_status_t status;
        do {
            status = fat_dir_next(fs, &dir, entry);
        } while (status == FAT_OK && !fat_name_equal(entry->name, path, (uint32_t)(end - path)));
        if (status != FAT_OK) {
            return status == FAT_END ? FAT_NOT_FOUND : status;
        }
        bool directory = (entry->attr & FAT_ATTR_DIRECTORY) != 0u;
        if (*end == '\0') {
            return directory ? FAT_NOT_FOUND : FAT_OK;
        }
        if (!directory) {
            return FAT_NOT_FOUND;
        }
        status = fat_dir_open(fs, &dir, entry);
        if (status != FAT_OK) {
            return status;
        }
        path = end + 1;
    }
}

void fat_file_rewind(fat_file_t *file)
{
    file->position = 0u;
    file->cluster = file->first_cluster;
    file->sector = 0u;
}

fat_status_t fat_file_open(fat_t *fs, fat_file_t *file, const fat_entry_t *entry)
{
    file->first_cluster = entry->cluster;
    file->size = entry->size;
    fat_file_rewind(file);
    if (entry->size == 0u) {
        return FAT_OK;
    }
    uint32_t count;
    fat_status_t status = check_chain(fs, entry->cluster, &count);
    if (status != FAT_OK) {
        return status;
    }
    uint32_t cluster_bytes = fs->cluster_sectors * FAT_SECTOR_SIZE;
    uint32_t needed = entry->size / cluster_bytes + (entry->size % cluster_bytes != 0u);
    return count < needed ? FAT_TRUNCATED : FAT_OK;
}

fat_status_t fat_file_read(fat_t *fs, fat_file_t *file, uint8_t *buf, uint32_t max_sectors, uint32_t *len)
{
    *len = 0u;
    uint32_t left = file->size - file->position;
    uint32_t wanted = (left + FAT_SECTOR_SIZE - 1u) / FAT_SECTOR_SIZE;
    wanted = wanted < max_sectors ? wanted : max_sectors;
    /* The run: count sectors from lba, through clusters that follow each other on the disk. */
    uint32_t lba = 0u;
    uint32_t count = 0u;
    while (count < wanted) {
        if (file->sector == fs->cluster_sectors) {
            uint32_t next;
            fat_status_t status = next_cluster(fs, file->cluster, &next);
            if (status != FAT_OK) {
                /* The chain was checked at open: FAT_END means the FAT changed under us. A run already gathered is
                 * read first, so a corrupt FAT is reported where the file reaches it, as with one sector a read; a
                 * drive that fails is reported at once. */
                if (count != 0u && status != FAT_IO_ERROR) {
                    break;
                }
                return status == FAT_END ? FAT_TRUNCATED : status;
            }
            file->cluster = next;
            file->sector = 0u;
        }
        uint32_t at = cluster_lba(fs, file->cluster) + file->sector;
        if (count != 0u && at != lba + count) {
            break; /* the file goes on elsewhere: the next call starts there */
        }
        lba = at - count;
        uint32_t n = fs->cluster_sectors - file->sector;
        n = n < wanted - count ? n : wanted - count;
        file->sector += n;
        count += n;
    }
    if (count == 0u) {
        return FAT_OK;
    }
    if (!fs->disk->read(fs->disk, lba, count, buf)) {
        return FAT_IO_ERROR;
    }
    uint32_t bytes = count * FAT_SECTOR_SIZE;
    *len = left < bytes ? left : bytes;
    file->position += *len;
    return FAT_OK;
}

const char *fat_status_text(fat_status_t status)
{
    return text_pick("ok\0end\0read error\0no FAT volume\0corrupt FAT boot sector\0not found\0FAT chain loops\0"
                     "cluster number out of range\0file truncated\0",
                     status);
}
