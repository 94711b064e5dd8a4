"""Wrong: crc16 calls the standard library's binascii.crc_hqx instead of computing the CRC.

``crc_hqx(data, 0)`` is exactly CRC-16/XMODEM, so every slot is right; but the
task is to implement the CRC, which is what the interview asks for.
"""

from __future__ import annotations

import binascii

_SLOTS = 16384


def crc16(data: bytes) -> int:
    """The CRC-16/XMODEM of ``data`` (poly 0x1021, init 0, no reflection, no final XOR)."""
    return binascii.crc_hqx(data, 0)  # the bug: the library does the kata's work


def key_slot(key: str | bytes) -> int:
    """The hash slot of ``key``: CRC16 of the key (or of its hash tag) mod 16384."""
    if isinstance(key, str):
        key = key.encode("utf-8")
    start = key.find(b"{")
    if start != -1:
        end = key.find(b"}", start + 1)
        if end > start + 1:  # found, and at least one byte between the braces
            key = key[start + 1 : end]
    return crc16(key) % _SLOTS
