#!/usr/bin/env python3
"""Images signed by stm32boot itself, for test_stm32boot_signed.c (a build step of tests/host).

An unstamped application (header with zero sizes and CRCs, vectors, random bytes) written here as Intel HEX, then
stamped by the built stm32boot: signed with a key it makes, signed with a second key, and unsigned; and the key's
signing_keys.h written by `stm32boot generate`, which the C test compiles. Usage:
  stm32boot_signed.py OUTPUT_DIR DOTNET STM32BOOT_DLL
"""
import os
import random
import struct
import subprocess
import sys

HEADER_ADDR = 0x08020000
IMAGE_ADDR = 0x08020800
BOARD_ID = 0x04150001
IMAGE_SIZE = 3000


def record(rtype, offset, data):
    body = bytes([len(data), offset >> 8, offset & 0xFF, rtype]) + bytes(data)
    return ":" + (body + bytes([(-sum(body)) & 0xFF])).hex().upper()


def write_hex(path, chunks):
    lines = []
    for addr, data in chunks:
        lines.append(record(4, 0, (addr >> 16).to_bytes(2, "big")))
        for at in range(0, len(data), 16):
            lines.append(record(0, (addr + at) & 0xFFFF, data[at:at + 16]))
    lines.append(record(1, 0, b""))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    out, dotnet, dll = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)

    def stm32boot(*args):
        result = subprocess.run([dotnet, dll, *args], capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"stm32boot_signed: stm32boot {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")

    rng = random.Random(11)
    image = bytearray(rng.getrandbits(8) for _ in range(IMAGE_SIZE))
    image[0:8] = struct.pack("<II", 0x20018000, IMAGE_ADDR + 0x101)
    header = struct.pack("<4sHH4HIIIII24sI", b"L4AP", 1, 64, 2, 0, 0, 9, IMAGE_ADDR, 0, 0, BOARD_ID, 0, bytes(24), 0)
    app = os.path.join(out, "app.hex")
    write_hex(app, [(HEADER_ADDR, header), (IMAGE_ADDR, bytes(image))])

    stm32boot("keygen", os.path.join(out, "key.pem"), "--force")
    stm32boot("keygen", os.path.join(out, "other.pem"), "--force")
    stm32boot("stamp", app, "--out-dir", out, "--name", "signed", "--key", os.path.join(out, "key.pem"), "--security-counter", "42")
    stm32boot("stamp", app, "--out-dir", out, "--name", "other", "--key", os.path.join(out, "other.pem"))
    stm32boot("stamp", app, "--out-dir", out, "--name", "unsigned", "--unsigned")
    # The public half is all the bootloader gets.
    stm32boot("generate", "--out", out, "--key", os.path.join(out, "key.pub.pem"))


if __name__ == "__main__":
    main()
