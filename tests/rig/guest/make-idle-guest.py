#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Builds the idle test guest: a CD image whose El Torito boot sector is a tiny 16-bit program.

It clears the screen to white on blue (like the GRUB guest), prints a banner and a "lagoon> "
prompt, then echoes typed keys through the BIOS; Enter starts a new prompt line. It waits for
keys with INT 16h, which SeaBIOS implements with HLT, so an idle guest costs QEMU almost no CPU
(the GRUB shell polls the keyboard and keeps a host core busy under TCG).

usage: make-idle-guest.py XORRISO OUTPUT.iso
"""

import os
import subprocess
import sys
import tempfile

ORIGIN = 0x7C00
BANNER = b"Lagoon test guest (keys echo, Enter gives a new prompt)\r\n\r\nlagoon> \0"
PROMPT = b"\r\nlagoon> \0"


def program():
    # Hand-assembled real-mode code; offsets from ORIGIN in the comments.
    code = [
        0xEA, 0x05, 0x7C, 0x00, 0x00,  # 00 jmp 0000:7C05      (CS:IP may be 07C0:0000)
        0x31, 0xC0,                    # 05 xor ax,ax
        0x8E, 0xD8,                    # 07 mov ds,ax
        0x8E, 0xC0,                    # 09 mov es,ax
        0x8E, 0xD0,                    # 0B mov ss,ax
        0xBC, 0x00, 0x7C,              # 0D mov sp,7C00h
        0xFB,                          # 10 sti
        0xFC,                          # 11 cld
        0xB8, 0x03, 0x00,              # 12 mov ax,0003h        80x25 text mode
        0xCD, 0x10,                    # 15 int 10h
        0xB8, 0x00, 0x06,              # 17 mov ax,0600h        clear window...
        0xB7, 0x1F,                    # 1A mov bh,1Fh          ...white on blue
        0x31, 0xC9,                    # 1C xor cx,cx           from row 0, column 0
        0xBA, 0x4F, 0x18,              # 1E mov dx,184Fh        to row 24, column 79
        0xCD, 0x10,                    # 21 int 10h
        0xBE, None, None,              # 23 mov si,BANNER
        0xE8, 0x39, 0x00,              # 26 call print (62)
        # loop:
        0x31, 0xC0,                    # 29 xor ax,ax           AH=0: wait for a key
        0xCD, 0x16,                    # 2B int 16h
        0x3C, 0x0D,                    # 2D cmp al,0Dh
        0x74, 0x09,                    # 2F je enter (3A)
        0x84, 0xC0,                    # 31 test al,al          no ASCII (arrows...): ignore
        0x74, 0xF4,                    # 33 jz loop (29)
        0xE8, 0x35, 0x00,              # 35 call putc (6D)
        0xEB, 0xEF,                    # 38 jmp loop (29)
        # enter: near the bottom, scroll in blue ourselves (the BIOS would scroll in black)
        0xB4, 0x03,                    # 3A mov ah,03h          cursor position -> DH row
        0x31, 0xDB,                    # 3C xor bx,bx
        0xCD, 0x10,                    # 3E int 10h
        0x80, 0xFE, 0x17,              # 40 cmp dh,23
        0x72, 0x15,                    # 43 jb newline (5A)
        0xB8, 0x01, 0x06,              # 45 mov ax,0601h        scroll up one line...
        0xB7, 0x1F,                    # 48 mov bh,1Fh          ...white on blue
        0x31, 0xC9,                    # 4A xor cx,cx
        0xBA, 0x4F, 0x18,              # 4C mov dx,184Fh
        0xCD, 0x10,                    # 4F int 10h
        0xB4, 0x02,                    # 51 mov ah,02h          cursor to row 23, column 0
        0x31, 0xDB,                    # 53 xor bx,bx
        0xBA, 0x00, 0x17,              # 55 mov dx,1700h
        0xCD, 0x10,                    # 58 int 10h
        # newline:
        0xBE, None, None,              # 5A mov si,PROMPT
        0xE8, 0x02, 0x00,              # 5D call print (62)
        0xEB, 0xC7,                    # 60 jmp loop (29)
        # print: SI -> NUL-terminated string
        0xAC,                          # 62 lodsb
        0x84, 0xC0,                    # 63 test al,al
        0x74, 0x05,                    # 65 jz done (6C)
        0xE8, 0x03, 0x00,              # 67 call putc (6D)
        0xEB, 0xF6,                    # 6A jmp print (62)
        0xC3,                          # 6C done: ret
        # putc: AL -> screen (teletype keeps the cell's attribute)
        0xB4, 0x0E,                    # 6D mov ah,0Eh
        0x31, 0xDB,                    # 6F xor bx,bx           page 0
        0xCD, 0x10,                    # 71 int 10h
        0xC3,                          # 73 ret
    ]
    assert len(code) == 0x74
    banner_addr = ORIGIN + len(code)
    prompt_addr = banner_addr + len(BANNER)
    # The two None pairs are the string addresses, little-endian.
    fill = iter([banner_addr & 0xFF, banner_addr >> 8, prompt_addr & 0xFF, prompt_addr >> 8])
    image = bytearray(b if b is not None else next(fill) for b in code)
    image += BANNER + PROMPT
    assert len(image) <= 510
    image += bytes(510 - len(image)) + b"\x55\xAA"
    # El Torito loads 4 sectors of 512 bytes.
    image += bytes(2048 - len(image))
    return bytes(image)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    xorriso, output = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "boot.img"), "wb") as f:
            f.write(program())
        subprocess.run([xorriso, "-as", "mkisofs", "-quiet", "-V", "LAGOON_GUEST",
                        "-b", "boot.img", "-no-emul-boot", "-boot-load-size", "4",
                        "-o", output, tmp], check=True)


if __name__ == "__main__":
    main()
