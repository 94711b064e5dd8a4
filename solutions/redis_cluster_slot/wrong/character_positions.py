"""Wrong: the braces are found in the characters, then those positions slice the UTF-8 bytes.

For ASCII keys a character position is a byte position, so every ASCII test
passes; after a multi-byte character such as "é" the slice is shifted and
the wrong bytes are hashed.
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
    crc = 0
    table = _TABLE
    for byte in data:
        # The byte enters the top of the register; the table does its 8 shifts at once.
        crc = ((crc << 8) & 0xFFFF) ^ table[(crc >> 8) ^ byte]
    return crc


def key_slot(key: str | bytes) -> int:
    """The hash slot of ``key``: CRC16 of the key (or of its hash tag) mod 16384."""
    text = key.decode("utf-8", "surrogateescape") if isinstance(key, bytes) else key
    data = text.encode("utf-8", "surrogateescape")
    start = text.find("{")
    if start != -1:
        end = text.find("}", start + 1)
        if end > start + 1:  # found, and at least one character between the braces
            data = data[start + 1 : end]  # the bug: character positions cut the bytes
    return crc16(data) % _SLOTS
