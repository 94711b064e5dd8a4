"""Correct: a bit-at-a-time CRC-16/XMODEM, and the hash tag found with bytes.partition.

No table: each input bit shifts the 16-bit register left and XORs in the
polynomial when a 1 falls off the top, exactly as the CRC is defined. The
tag is what lies between the first ``{`` and the next ``}``; an empty one,
or none, means the whole key.
"""

from __future__ import annotations


def crc16(data: bytes) -> int:
    """The CRC-16/XMODEM of ``data`` (poly 0x1021, init 0, no reflection, no final XOR)."""
    register = 0
    for byte in data:
        register ^= byte << 8
        for _ in range(8):
            register <<= 1
            if register & 0x10000:
                register ^= 0x11021  # drop the bit that fell off, XOR in the polynomial
    return register


def key_slot(key: str | bytes) -> int:
    """The hash slot of ``key``: CRC16 of the key (or of its hash tag) mod 16384."""
    data = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    _, brace, rest = data.partition(b"{")
    if brace:
        tag, closing, _ = rest.partition(b"}")
        if closing and tag:
            data = tag
    return crc16(data) & 0x3FFF
