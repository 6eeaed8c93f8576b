#!/usr/bin/env python3
"""Writes the seed corpus of the libFuzzer targets (fuzz_*.c), one directory per target, in the input format each
harness documents: healthy runs, so that a fuzzer starts deep inside its code (a drive that enumerates, mounts and
updates; a host that writes, verifies and starts an image), and the inputs of the findings fixed so far, which
must stay harmless. The files are committed under fuzz_corpus/; run this again after changing a harness's format:

    tests/host/fuzz_seeds.py tests/host/fuzz_corpus

Disks are made by mkfs.vfat and mtools as in usb_disks.py, whose image and HEX helpers it shares.
"""
import os
import shutil
import struct
import sys
import tempfile
import zlib

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
from usb_disks import HEADER_ADDR, IMAGE_ADDR, PARTITION_TYPES, Disk, build_image, data_records, write_records

SECTOR = 512


# --- Disks as runs of sectors (fuzz_disk.h) ---

def runs(image):
    """The image's non-zero sectors as runs: LBA (LE32), count - 1, sectors."""
    out = bytearray()
    sectors = len(image) // SECTOR
    lba = 0
    while lba < sectors:
        if not any(image[lba * SECTOR:(lba + 1) * SECTOR]):
            lba += 1
            continue
        end = lba
        while end < sectors and end - lba < 256 and any(image[end * SECTOR:(end + 1) * SECTOR]):
            end += 1
        out += struct.pack("<IB", lba, end - lba - 1) + image[lba * SECTOR:end * SECTOR]
        lba = end
    return bytes(out)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def sector_of(image, content):
    """The LBA at which a file's content starts (files start on a cluster, so on a sector)."""
    offset = image.find(content[:SECTOR])
    assert offset >= 0 and offset % SECTOR == 0, "file not found on the disk image"
    return offset // SECTOR


# --- Applications, as test_image.c builds them (so that a seed can bring the very image installed) ---

def test_image(size, seed, version=None):
    """test_image_build(): header bytes and image bytes."""
    image = bytearray(size)
    state = (seed * 2654435761 + 1) & 0xFFFFFFFF
    for i in range(size):
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        image[i] = state >> 24
    image[0:8] = struct.pack("<II", 0x20018000, IMAGE_ADDR + 0x101)
    fields = struct.pack("<4sHH4HIIIII24s", b"L4AP", 1, 64, *(version or (1, 2, 3, seed)), IMAGE_ADDR, size,
                         zlib.crc32(bytes(image)), 0x04150001, 0, bytes(24))
    return fields + struct.pack("<I", zlib.crc32(fields)), bytes(image)


def hex_file(path, header, image, extra=()):
    records = [(HEADER_ADDR + i, header[i:i + 32]) for i in range(0, len(header), 32)]
    records += [(IMAGE_ADDR + i, image[i:i + 32]) for i in range(0, len(image), 32)]
    write_records(path, records + list(extra))
    return path


# --- fuzz_usb_update: 24 bytes of drive and device, then the disk ---

def usb_update_input(disk, installed=1, allow_downgrade=False, name_b=False, fault=(0, 0, 0), pulled_at=0,
                     change=(0, 0, 0), cut=(0, 0)):
    flags = int(allow_downgrade) | installed << 1 | int(name_b) << 3
    prefix = struct.pack("<BBBBIIIBHBI", flags, *fault, pulled_at, change[0], change[1], change[2], cut[0], cut[1],
                         len(disk) // SECTOR)
    assert len(prefix) == 24
    return prefix + runs(disk)


def usb_update_seeds(tmp):
    seeds = {}
    new = test_image(1024, 4)
    app = hex_file(os.path.join(tmp, "app.hex"), *new)

    def disk(name, bits, files, partition_type=None, sector_size=SECTOR):
        d = Disk(tmp, name, bits, partition_type, sector_size=sector_size)
        for source, dest in files:
            d.copy(source, dest)
        return bytearray(read(d.path))

    fat12 = disk("fat12", 12, [(app, "FIRMWARE.HEX")])
    seeds["update_fat12"] = usb_update_input(fat12)
    seeds["update_nothing_installed"] = usb_update_input(fat12, installed=0)
    seeds["downgrade_refused"] = usb_update_input(fat12, installed=2)
    seeds["downgrade_allowed"] = usb_update_input(fat12, installed=2, allow_downgrade=True)
    seeds["stalled_read"] = usb_update_input(fat12, fault=(1, 0x28, 1))
    seeds["failed_inquiry"] = usb_update_input(fat12, fault=(2, 0x12, 2))
    seeds["phase_error"] = usb_update_input(fat12, fault=(3, 0x28, 2))
    seeds["bad_csw"] = usb_update_input(fat12, fault=(4, 0x25, 1))
    seeds["naks"] = usb_update_input(fat12, fault=(5, 0, 3))
    seeds["pulled_out"] = usb_update_input(fat12, pulled_at=80)
    seeds["power_cut"] = usb_update_input(fat12, cut=(6, 1))
    same = hex_file(os.path.join(tmp, "same.hex"), *test_image(0x200, 1))
    seeds["same_image"] = usb_update_input(disk("same", 12, [(same, "FIRMWARE.HEX")]))
    seeds["fat16_mbr"] = usb_update_input(disk("fat16", 16, [(app, "firmware.hex")], PARTITION_TYPES[16]))
    seeds["fat32"] = usb_update_input(disk("fat32", 32, [(app, "FIRMWARE.HEX")]))
    seeds["fat12_4k"] = usb_update_input(disk("fat12_4k", 12, [(app, "FIRMWARE.HEX")], sector_size=4096))
    seeds["configured_name"] = usb_update_input(disk("several", 12, [(app, "A.HEX"), (app, "B.HEX")]), name_b=True)

    # Finding: the drive serves 1.2.3.4 to pass 1, then the same file with the header of 1.0.0.0 (its CRC made
    # right), kept in another file of the same disk; before the fix pass 2 installed the downgrade.
    old_header = test_image(1024, 4, (1, 0, 0, 0))
    downgraded = hex_file(os.path.join(tmp, "downgraded.hex"), *old_header)
    with open(os.path.join(tmp, "OTHER.BIN"), "wb") as f:
        f.write(read(downgraded)[:SECTOR])
    toctou = disk("toctou", 12, [(app, "FIRMWARE.HEX"), (os.path.join(tmp, "OTHER.BIN"), "OTHER.BIN")])
    file_lba = sector_of(toctou, read(app))
    other_lba = sector_of(toctou, read(downgraded)[:SECTOR])
    seeds["finding_changed_between_reads"] = usb_update_input(toctou, change=(file_lba, other_lba, 2))

    # Finding: one file, the old application 1.0.0.0 whole, then a header 1.2.3.9 whose image CRC fails; before the
    # fix the writer committed 1.0.0.0 on its last image byte while pass 1 had checked 1.2.3.9.
    old = test_image(1024, 7, (1, 0, 0, 0))
    newer = build_image(1024, 7, (1, 2, 3, 9), image_crc_delta=1)[0]
    twice = os.path.join(tmp, "twice.hex")
    write_records(twice, data_records(hex_file(os.path.join(tmp, "old.hex"), *old))
                  + [(HEADER_ADDR + i, newer[i:i + 16]) for i in range(0, 64, 16)])
    seeds["finding_header_twice"] = usb_update_input(disk("twice", 12, [(twice, "FIRMWARE.HEX")]))

    looping, change = root_that_loops_later(tmp)
    seeds["finding_root_directory_loops"] = usb_update_input(looping, change=change)
    return seeds


def root_that_loops_later(tmp):
    """Finding: a FAT32 root directory without an end marker whose FAT entry reads "end of chain" when the volume is
    mounted and "itself" from the second read of that FAT sector on (served from LOOP.BIN's sector, same disk):
    before the fix the directory was walked for ever. The disk, and the change (LBA, source LBA, read)."""
    loop_bin = os.path.join(tmp, "LOOP.BIN")
    with open(loop_bin, "wb") as f:
        f.write(struct.pack("<III", 0x0FFFFFF8, 0x0FFFFFFF, 2) + b"\x5a" * (SECTOR - 12))
    d = Disk(tmp, "loop", 32)
    d.copy(loop_bin, "LOOP.BIN")
    image = bytearray(read(d.path))
    root_lba = image.find(b"LOOP    BIN") // SECTOR
    image[root_lba * SECTOR:(root_lba + 1) * SECTOR] = (b"\xe5ELETED BIN\x20" + bytes(20)) * (SECTOR // 32)
    fat_lba = struct.unpack_from("<H", image, 14)[0]
    return image, (fat_lba, sector_of(image, read(loop_bin)), 2)


# --- fuzz_fat: 16 bytes of drive, then the disk ---

def fat_input(image, fail_from=0, fail_count=0, sectors=None, change=(0, 0, 0)):
    return struct.pack("<IHBIIB", sectors or len(image) // SECTOR, fail_from, fail_count, *change) + runs(image)


def fat_seeds(tmp):
    readme = os.path.join(tmp, "readme.txt")
    with open(readme, "w") as f:
        f.write("Copy the firmware as FIRMWARE.HEX to this drive.\n" * 30)
    seeds = {}
    for name, bits, partition_type, sector_size in (("fat12", 12, None, SECTOR), ("fat16_mbr", 16, 0x06, SECTOR),
                                                     ("fat32", 32, None, SECTOR), ("fat12_4k", 12, None, 4096)):
        d = Disk(tmp, "fat_" + name, bits, partition_type, sector_size=sector_size)
        d.copy(readme, "README.TXT")
        d.copy(readme, "A long file name for the notes.txt")
        d.mkdir("docs")
        d.copy(readme, "docs/inner.txt")
        image = read(d.path)
        seeds[name] = fat_input(image)
        if name == "fat12":
            seeds[name + "_failing_reads"] = fat_input(image, fail_from=6, fail_count=2)
            seeds[name + "_small_drive"] = fat_input(image, sectors=64)
    looping, change = root_that_loops_later(tmp)
    seeds["finding_root_directory_loops"] = fat_input(looping, change=change)
    return seeds


# --- fuzz_usb_host: the answers of a healthy drive (scripted_usb_device.h) ---

OK, STALL, DISCONNECTED = b"\x00", b"\xe1", b"\xe5"


def answer(data=b"", status=OK):
    return status + struct.pack("<H", len(data)) + data


def csw(tag, status=0, residue=0):
    return answer(struct.pack("<4sIIB", b"USBS", tag, residue, status))


def usb_host_seed(max_lun_stalls=False, not_ready=False, cut_after=None):
    device = bytes([18, 1, 0x00, 0x02, 0, 0, 0, 64])
    config = bytes([9, 2, 32, 0, 1, 1, 0, 0x80, 50, 9, 4, 0, 0, 2, 0x08, 0x06, 0x50, 0,
                    7, 5, 0x81, 2, 64, 0, 0, 7, 5, 0x02, 2, 64, 0, 0])
    script = OK + answer(device) + OK + answer(config) + OK
    script += STALL if max_lun_stalls else answer(b"\x00")
    tag = 0

    def command(data=None, status=0):
        nonlocal tag
        tag += 1
        return OK + (answer(data) if data is not None else b"") + csw(tag, status)

    inquiry = bytes([0, 0x80, 4, 2, 31, 0, 0, 0]) + b"FUZZ    SEED DRIVE      1.00"
    script += command(inquiry)
    if not_ready:
        sense = bytes([0x70, 0, 2, 0, 0, 0, 0, 10, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0])
        script += command(status=1) + command(sense)
    script += command() + command(struct.pack(">II", 2047, 512))
    for lba in range(4):
        script += command(bytes([lba]) * 512)
    return script[:cut_after] + DISCONNECTED if cut_after else script


def usb_host_seeds():
    return {
        "healthy_drive": usb_host_seed(),
        "max_lun_stalls": usb_host_seed(max_lun_stalls=True),
        "not_ready_once": usb_host_seed(not_ready=True),
        "pulled_during_inquiry": usb_host_seed(cut_after=60),
    }


# --- fuzz_an3155: steps (fuzz_an3155.c) ---

def an3155_seeds():
    blocks = (2048 + 5000 + 255) // 256      # application B as 256-byte blocks, header page first
    image_blocks = bytes(range(8, blocks))   # blocks 0-7 are the header page: 0 holds the header
    write_b_header_last = b"".join(bytes([1, b]) for b in image_blocks) + bytes([1, 0])
    silence_200 = bytes([6]) + struct.pack("<H", 200)
    go_image = bytes([5, 1])
    erase_pages = bytes([3, 7]) + b"".join(struct.pack("<H", 64 + i) for i in range(8))
    read_back = b"".join(bytes([2, 0]) + struct.pack("<I", 0x800 + 256 * i)[:3] + bytes([255]) for i in range(4))
    return {
        "update_header_last_go": write_b_header_last + silence_200 + go_image,
        "update_like_stm32flash": erase_pages + bytes([1, 0]) + b"".join(bytes([1, b]) for b in image_blocks)
                                  + read_back + go_image,
        "mass_erase_then_update": bytes([4, 0]) + write_b_header_last + go_image,
        "power_cut_mid_update": bytes([8, 20, 1]) + write_b_header_last + write_b_header_last + go_image,
        "reset_mid_update": write_b_header_last[:20] + bytes([7]) + write_b_header_last + silence_200,
        # Above B's block count the block number picks application C (fuzz_an3155_signed: B tampered, not
        # signed again): the whole of C, header last, then Go. Refused by the signature; plain B elsewhere.
        "tampered_header_last_go": b"".join(bytes([1, blocks + b]) for b in image_blocks) + bytes([1, blocks])
                                   + silence_200 + go_image,
        "raw_and_commands": bytes([9, 4, 0x31, 0xCE, 0x08, 0x02, 10, 0, 10, 1, 10, 2, 10, 3])
                            + bytes([0, 0]) + b"\x00\x01\x00" + bytes([3]) + b"abcd" + bytes([2, 0, 0, 1, 0, 7]),
    }


# --- fuzz_hex_stream, fuzz_image_check ---

def hex_stream_seeds(tmp):
    header, image = test_image(0x200, 3)
    text = read(hex_file(os.path.join(tmp, "small.hex"), header, image))
    return {"small_application": bytes([5]) + text, "one_piece": bytes([36]) + text}


def image_check_seeds():
    header, image = test_image(0x600, 5)
    return {"accepted_image": header + b"\xff" * (2048 - len(header)) + image}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fuzz_seeds.py CORPUS_DIR (tests/host/fuzz_corpus)")
    out = sys.argv[1]
    tmp = tempfile.mkdtemp()
    try:
        targets = {
            "fuzz_usb_update": usb_update_seeds(tmp),
            "fuzz_fat": fat_seeds(tmp),
            "fuzz_usb_host": usb_host_seeds(),
            "fuzz_an3155": an3155_seeds(),
            "fuzz_an3155_signed": an3155_seeds(),
            "fuzz_hex_stream": hex_stream_seeds(tmp),
            "fuzz_image_check": image_check_seeds(),
        }
    finally:
        shutil.rmtree(tmp)
    for target, seeds in targets.items():
        directory = os.path.join(out, target)
        os.makedirs(directory, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(directory, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
