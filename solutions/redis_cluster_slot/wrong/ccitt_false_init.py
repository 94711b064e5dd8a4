"""Wrong: the CRC starts from 0xFFFF (CRC-16/CCITT-FALSE) instead of 0.

Most CRC-16 snippets on the web labelled "CCITT" use this initial value; it has
the same polynomial and table, so only the check value gives it away.
"""

from __future__ import annotations

_POLY = 0x1021
_SLOTS = 16384


def _make_table() -> tuple[int, ...]:
    """CRC of each single byte value, shifted into the high half of the register."""
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ _POLY) if crc & 0x8000 else crc << 1
        table.append(crc & 0xFFFF)
    return tuple(table)


_TABLE = _make_table()


def crc16(data: bytes) -> int:
    """The CRC-16/XMODEM of ``data`` (poly 0x1021, init 0, no reflection, no final XOR)."""
    crc = 0xFFFF  # the bug: XMODEM starts from 0
    table = _TABLE
    for byte in data:
        # The byte enters the top of the register; the table does its 8 shifts at once.
        crc = ((crc << 8) & 0xFFFF) ^ table[(crc >> 8) ^ byte]
    return crc


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
