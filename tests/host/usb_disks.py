#!/usr/bin/env python3
"""Builds the disk images and HEX files the USB update tests read (a CTest fixture).

Everything here is made by peers the bootloader's code never saw: application images stamped with Python's zlib
CRC-32, HEX files written by srec_cat (srecord) with several record lengths, FAT12/16/32 volumes made by mkfs.vfat
(dosfstools), partition tables by sfdisk (util-linux; a plain MBR written here when sfdisk is missing), files and
directories by mtools. Corrupt variants are patched at the byte level after mtools says where the file lies
(mshowfat). Usage: usb_disks.py OUTPUT_DIR
"""
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import zlib

HEADER_ADDR = 0x08020000
IMAGE_ADDR = 0x08020800
BOARD_ID = 0x04150001
PARTITION_START = 2048  # sectors: 1 MiB, as partitioning tools align it
SECTOR = 512
# FAT12 needs fewer than 4085 clusters, FAT16 fewer than 65525, FAT32 more: sizes in KiB for one-sector clusters.
SIZES_KIB = {12: 2048, 16: 8192, 32: 40960}
PARTITION_TYPES = {12: 0x01, 16: 0x06, 32: 0x0C}

ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1", LC_ALL="C")


def run(*args, stdin=None):
    result = subprocess.run(args, input=stdin, env=ENV, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"usb_disks: {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


def require_tools():
    missing = [tool for tool in ("mkfs.vfat", "mcopy", "mmd", "mdel", "mattrib", "mshowfat", "srec_cat")
               if shutil.which(tool) is None]
    if missing:
        sys.exit("usb_disks: missing " + ", ".join(missing)
                 + ": install the Debian packages dosfstools, mtools and srecord")


# --- Application images, as `stm32boot stamp` makes them (docs/design.md §4) ---

def build_image(size, seed, version, board_id=BOARD_ID, gap=None, image_crc_delta=0, header_crc_delta=0):
    """(header bytes, image bytes). gap=(start, end) offsets in the image that read erased (0xFF); the deltas
    make the image or the header CRC wrong."""
    rng = random.Random(seed)
    image = bytearray(rng.getrandbits(8) for _ in range(size))
    image[0:8] = struct.pack("<II", 0x20018000, IMAGE_ADDR + 0x101)
    if gap:
        image[gap[0]:gap[1]] = b"\xff" * (gap[1] - gap[0])
    fields = struct.pack("<4sHH4HIIIII24s", b"L4AP", 1, 64, *version, IMAGE_ADDR, size,
                         zlib.crc32(bytes(image)) ^ image_crc_delta, board_id, 0, bytes(24))
    header = fields + struct.pack("<I", zlib.crc32(fields) ^ header_crc_delta)
    assert len(header) == 64
    return header, bytes(image)


def write_app(out, name, header, image, block_size, extra=()):
    """name.hdr / name.img (what flash must hold afterwards) and name.hex by srec_cat."""
    hdr_path = os.path.join(out, name + ".hdr")
    img_path = os.path.join(out, name + ".img.bin")
    with open(hdr_path, "wb") as f:
        f.write(header)
    with open(img_path, "wb") as f:
        f.write(image)
    hex_path = os.path.join(out, name + ".hex")
    run("srec_cat", hdr_path, "-binary", "-offset", hex(HEADER_ADDR),
        img_path, "-binary", "-offset", hex(IMAGE_ADDR), *extra,
        "-o", hex_path, "-intel", "-Output_Block_Size", str(block_size))
    return hex_path


# --- Intel HEX edits (records with their own checksums) ---

def record(rtype, offset, data):
    body = bytes([len(data), offset >> 8, offset & 0xFF, rtype]) + bytes(data)
    return ":" + (body + bytes([(-sum(body)) & 0xFF])).hex().upper()


def data_records(path):
    """(absolute address, data) of every data record."""
    base = 0
    out = []
    for line in open(path):
        raw = bytes.fromhex(line.strip()[1:])
        count, offset, rtype, data = raw[0], (raw[1] << 8) | raw[2], raw[3], raw[4:4 + raw[0]]
        assert len(data) == count
        if rtype == 4:
            base = int.from_bytes(data, "big") << 16
        elif rtype == 0:
            out.append((base + offset, data))
    return out


def write_records(path, records, newline="\n"):
    lines = []
    upper = None
    for addr, data in records:
        if addr >> 16 != upper:
            upper = addr >> 16
            lines.append(record(4, 0, upper.to_bytes(2, "big")))
        lines.append(record(0, addr & 0xFFFF, data))
    lines.append(record(1, 0, b""))
    with open(path, "w", newline="") as f:
        f.write(newline.join(lines) + newline)


def edit_lines(src, dst, edit):
    lines = open(src).read().splitlines()
    edit(lines)
    with open(dst, "w") as f:
        f.write("\n".join(lines) + "\n")


def flip_checksum(lines, number):
    line = lines[number - 1]
    lines[number - 1] = line[:-2] + "%02X" % (int(line[-2:], 16) ^ 0x01)


# --- Disks ---

class Disk:
    """A drive of 512-byte sectors; sector_size is the volume's logical sector (mkfs.vfat -S), 512 to 4096."""

    def __init__(self, out, name, fat_bits, partition_type=None, size_kib=None, sector_size=SECTOR):
        self.path = os.path.join(out, name + ".img")
        self.fat_bits = fat_bits
        size_kib = size_kib or SIZES_KIB[fat_bits]
        if os.path.exists(self.path):
            os.remove(self.path)
        mkfs = ["mkfs.vfat", "-S", str(sector_size), "-F", str(fat_bits), "-s", "1", "--invariant"]
        if partition_type is None:
            self.offset = 0
            run(*mkfs, "-C", self.path, str(size_kib))
        else:
            self.offset = PARTITION_START * SECTOR
            total = size_kib * 1024 + self.offset
            with open(self.path, "wb") as f:
                f.truncate(total)
            write_partition_table(self.path, partition_type, total // SECTOR - PARTITION_START)
            # mkfs.vfat counts --offset in the volume's logical sectors.
            run(*mkfs, "--offset", str(self.offset // sector_size), self.path, str(size_kib))
        self.drive = f"{self.path}@@{self.offset}"

    def copy(self, src, dest):
        run("mcopy", "-i", self.drive, src, "::" + dest)

    def mkdir(self, dest):
        run("mmd", "-i", self.drive, "::" + dest)

    def delete(self, dest):
        run("mdel", "-i", self.drive, "::" + dest)

    def hide(self, dest):
        run("mattrib", "-i", self.drive, "+h", "::" + dest)

    def clusters(self, dest):
        """The file's clusters in chain order, from mshowfat's "<2-5><9-12>"."""
        ranges = re.findall(r"<(\d+)(?:-(\d+))?>", run("mshowfat", "-i", self.drive, "::" + dest))
        out = []
        for first, last in ranges:
            out.extend(range(int(first), int(last or first) + 1))
        return out

    def bpb(self):
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            return bytearray(f.read(SECTOR))

    def patch(self, offset, data):
        with open(self.path, "r+b") as f:
            f.seek(self.offset + offset)
            f.write(data)

    def set_fat_entry(self, cluster, value):
        """Writes one FAT entry in every FAT copy, by fatgen103's layout."""
        b = self.bpb()
        sector_size, reserved, fats = struct.unpack_from("<H", b, 11)[0], struct.unpack_from("<H", b, 14)[0], b[16]
        fat_size = struct.unpack_from("<H", b, 22)[0] or struct.unpack_from("<I", b, 36)[0]
        with open(self.path, "r+b") as f:
            for copy in range(fats):
                fat = self.offset + (reserved + copy * fat_size) * sector_size
                if self.fat_bits == 12:
                    f.seek(fat + cluster * 3 // 2)
                    old = struct.unpack("<H", f.read(2))[0]
                    new = (old & 0x000F) | (value << 4) if cluster & 1 else (old & 0xF000) | value
                    f.seek(fat + cluster * 3 // 2)
                    f.write(struct.pack("<H", new))
                elif self.fat_bits == 16:
                    f.seek(fat + cluster * 2)
                    f.write(struct.pack("<H", value))
                else:
                    f.seek(fat + cluster * 4)
                    old = struct.unpack("<I", f.read(4))[0]
                    f.seek(fat + cluster * 4)
                    f.write(struct.pack("<I", (old & 0xF0000000) | value))

    def end_of_chain(self):
        return {12: 0xFFF, 16: 0xFFFF, 32: 0x0FFFFFFF}[self.fat_bits]


def write_partition_table(path, partition_type, sectors):
    if shutil.which("sfdisk"):
        run("sfdisk", "--quiet", path,
            stdin=f"label: dos\nstart={PARTITION_START}, size={sectors}, type={partition_type:x}\n")
        return
    # The same table by hand: one primary partition, LBA addressing (the CHS fields hold the "use LBA" values).
    entry = struct.pack("<B3sB3sII", 0x00, b"\xfe\xff\xff", partition_type, b"\xfe\xff\xff",
                        PARTITION_START, sectors)
    with open(path, "r+b") as f:
        f.seek(446)
        f.write(entry + bytes(48) + b"\x55\xaa")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: usb_disks.py OUTPUT_DIR")
    require_tools()
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    scratch = os.path.join(out, "scratch")
    os.makedirs(scratch, exist_ok=True)

    # Applications: 1.2.3.4 as HEX files of 16-, 32- and 255-byte records, one shuffled, a big one, and the
    # ones the checks must refuse.
    app = build_image(12000, 4, (1, 2, 3, 4))
    app16 = write_app(out, "app16", *app, 16)
    app32 = write_app(out, "app32", *app, 32, extra=("-execution-start-address", hex(IMAGE_ADDR + 0x101)))
    app255 = write_app(out, "app255", *app, 255)
    shuffled = os.path.join(out, "app_shuffled.hex")
    records = data_records(app16)
    random.Random(7).shuffle(records)
    write_records(shuffled, records, newline="\r\n")
    big = write_app(out, "big", *build_image(150000, 5, (1, 2, 3, 5)), 32)
    wrong_board = write_app(out, "wrong_board", *build_image(12000, 6, (1, 2, 3, 6), board_id=0x04150002), 16)
    old = write_app(out, "old", *build_image(12000, 7, (1, 0, 0, 0)), 16)
    bad_header_crc = write_app(out, "bad_header_crc", *build_image(12000, 9, (1, 2, 3, 9), header_crc_delta=1), 16)
    bad_image_crc = write_app(out, "bad_image_crc", *build_image(12000, 10, (1, 2, 3, 10), image_crc_delta=1), 16)
    gap = write_app(out, "gap", *build_image(12000, 8, (1, 2, 3, 8), gap=(2048, 6144)), 16,
                    extra=("-exclude", hex(IMAGE_ADDR + 2048), hex(IMAGE_ADDR + 6144)))
    bad_checksum = os.path.join(out, "bad_checksum.hex")
    edit_lines(app16, bad_checksum, lambda lines: flip_checksum(lines, 12))
    outside = os.path.join(out, "outside.hex")
    edit_lines(app16, outside, lambda lines: lines.__setitem__(
        slice(-1, -1), [record(4, 0, b"\x08\x00"), record(0, 0x1000, b"\x00" * 16)]))
    no_eof = os.path.join(out, "no_eof.hex")
    edit_lines(app16, no_eof, lambda lines: lines.pop())
    # The drive that changes FIRMWARE.HEX between the two reads serves app16 with this header the second time: the
    # same image, version 1.0.0.0, the header CRC made right again; the file's first sector is all that differs.
    app16_v1000 = write_app(out, "app16_v1000", *build_image(12000, 4, (1, 0, 0, 0)), 16)
    # The old application's records, then a header 1.2.3.9 that passes every check of its own but not the image
    # CRC: the version check sees 1.2.3.9, the last header in the file; 1.0.0.0, complete with its image before
    # it, must never be committed on the way.
    header_twice = os.path.join(out, "header_twice.hex")
    newer_header = build_image(12000, 7, (1, 2, 3, 9), image_crc_delta=1)[0]
    write_records(header_twice,
                  data_records(old) + [(HEADER_ADDR + i, newer_header[i:i + 16]) for i in range(0, 64, 16)])
    no_header = os.path.join(out, "no_header.hex")
    run("srec_cat", os.path.join(out, "app16.img.bin"), "-binary", "-offset", hex(IMAGE_ADDR),
        "-o", no_header, "-intel", "-Output_Block_Size", "16")
    empty = os.path.join(scratch, "empty.hex")
    open(empty, "w").close()
    readme = os.path.join(out, "readme.txt")
    with open(readme, "w") as f:
        f.write("Copy the firmware as FIRMWARE.HEX to this drive.\n")

    # One drive per FAT type, without and with a partition table.
    for bits in (12, 16, 32):
        source = big if bits == 32 else {12: app16, 16: app255}[bits]
        plain = Disk(out, f"fat{bits}", bits)
        plain.copy(source, "FIRMWARE.HEX")
        plain.copy(readme, "README.TXT")
        partitioned = Disk(out, f"fat{bits}_mbr", bits, PARTITION_TYPES[bits])
        partitioned.copy(readme, "README.TXT")
        partitioned.copy({12: app32, 16: shuffled, 32: app16}[bits], "firmware.hex")

    # Logical sectors of 4 KiB on a drive of 512-byte sectors (mkfs.vfat -S 4096, which fsck.vfat calls clean):
    # FAT12 on the whole disk; FAT16 in a partition, with the big file and a directory of long names that spans
    # several clusters of one logical sector each.
    fat12_4k = Disk(out, "fat12_4k", 12, sector_size=4096)
    fat12_4k.copy(app16, "FIRMWARE.HEX")
    fat12_4k.copy(readme, "README.TXT")
    fat16_4k = Disk(out, "fat16_4k_mbr", 16, PARTITION_TYPES[16], size_kib=20480, sector_size=4096)
    fat16_4k.copy(readme, "README.TXT")
    fat16_4k.mkdir("notes")
    for i in range(60):
        fat16_4k.copy(readme, f"notes/release notes of build {i:02d}.txt")
    fat16_4k.copy(big, "notes/firmware.hex")

    # A long name as the only .hex file, beside a directory and other files.
    lfn = Disk(out, "lfn", 16)
    lfn.copy(readme, "README.TXT")
    lfn.mkdir("docs")
    lfn.copy(readme, "docs/notes about the update.txt")
    lfn.copy(app16, "Application build 1.2.3.4 (release).hex")

    # The file two directories down, nothing in the root.
    nested = Disk(out, "nested", 32)
    nested.mkdir("updates")
    nested.mkdir("updates/stm32l475")
    for i in range(40):  # enough entries for the directory to span several clusters
        nested.copy(readme, f"updates/stm32l475/old release notes {i:02d}.txt")
    nested.copy(app16, "updates/stm32l475/firmware.hex")

    # A fragmented file: small files, every other one deleted, then the firmware fills the gaps.
    fragmented = Disk(out, "fragmented", 12)
    fillers = []
    for i in range(12):
        path = os.path.join(scratch, f"F{i:02d}.BIN")
        with open(path, "wb") as f:
            f.write(os.urandom(SECTOR * (1 + i % 3)))
        fragmented.copy(path, f"F{i:02d}.BIN")
        fillers.append(f"F{i:02d}.BIN")
    for name in fillers[::2]:
        fragmented.delete(name)
    fragmented.copy(app16, "FIRMWARE.HEX")
    chain = fragmented.clusters("FIRMWARE.HEX")
    if all(b == a + 1 for a, b in zip(chain, chain[1:])):
        sys.exit("usb_disks: FIRMWARE.HEX on fragmented.img is not fragmented: " + str(chain))

    # File choice.
    several = Disk(out, "several", 12)
    several.copy(app16, "A.HEX")
    several.copy(app16, "B.HEX")
    several.copy(app16, "._A.HEX")      # macOS companion: not counted
    several.copy(app16, "HIDDEN.HEX")   # hidden: not counted
    several.hide("HIDDEN.HEX")
    several.copy(readme, "README.TXT")
    many = Disk(out, "many", 12)
    for i in range(12):
        many.copy(app16, f"release candidate {i:02d}.hex")
    single_other = Disk(out, "single_other", 12)
    single_other.copy(app16, "UPDATE.HEX")
    single_other.copy(readme, "README.TXT")
    no_hex = Disk(out, "no_hex", 12)
    no_hex.copy(readme, "README.TXT")
    no_hex.copy(readme, "FIRMWARE.TXT")

    # Files the checks refuse.
    for name, source in (("wrong_board", wrong_board), ("old", old), ("bad_checksum", bad_checksum),
                         ("bad_header_crc", bad_header_crc), ("bad_image_crc", bad_image_crc),
                         ("outside", outside), ("no_eof", no_eof), ("no_header", no_header), ("empty", empty),
                         ("gap", gap), ("app16", app16), ("app16_v1000", app16_v1000), ("header_twice", header_twice)):
        disk = Disk(out, "file_" + name, 12)
        disk.copy(source, "FIRMWARE.HEX")

    # Corrupt file systems.
    def corrupt(name, bits, edit):
        disk = Disk(out, name, bits)
        disk.copy(app16, "FIRMWARE.HEX")
        edit(disk, disk.clusters("FIRMWARE.HEX"))

    corrupt("truncated", 12, lambda d, c: d.set_fat_entry(c[len(c) // 2], d.end_of_chain()))
    corrupt("one_cluster_short", 16, lambda d, c: d.set_fat_entry(c[-2], d.end_of_chain()))
    corrupt("loop", 12, lambda d, c: d.set_fat_entry(c[-1], c[len(c) // 2]))
    corrupt("loop_fat32", 32, lambda d, c: d.set_fat_entry(c[len(c) // 2], c[3]))
    corrupt("bad_cluster", 16, lambda d, c: d.set_fat_entry(c[5], 0xFFF0))
    corrupt("free_cluster", 12, lambda d, c: d.set_fat_entry(c[5], 0))
    corrupt("bad_bytes_per_sector", 12, lambda d, c: d.patch(11, struct.pack("<H", 0)))
    corrupt("bad_sectors_per_cluster", 16, lambda d, c: d.patch(13, b"\x03"))
    corrupt("sector_size_1024", 12, lambda d, c: d.patch(11, struct.pack("<H", 1024)))
    corrupt("fat32_root_entries", 32, lambda d, c: d.patch(17, struct.pack("<H", 512)))

    def volume_too_big(disk, chain):
        disk.patch(19, struct.pack("<H", 0))
        disk.patch(32, struct.pack("<I", 0x00100000))

    corrupt("volume_too_big", 16, volume_too_big)

    def root_loop(disk, chain):
        root = struct.unpack_from("<I", disk.bpb(), 44)[0]
        disk.set_fat_entry(root, root)

    corrupt("root_loop", 32, root_loop)
    with open(os.path.join(out, "zeros.img"), "wb") as f:
        f.truncate(2 * 1024 * 1024)
    linux = Disk(out, "linux_partition", 16, partition_type=0x83)
    linux.copy(app16, "FIRMWARE.HEX")

    shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
