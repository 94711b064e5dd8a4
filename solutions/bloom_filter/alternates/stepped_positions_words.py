"""Correct: the README's positions reached by stepping, and the bits in 64-bit words.

The digest is read as one 128-bit little-endian integer and split with a mask
and a shift (the low word is bytes 0–7, the high word bytes 8–15, the same
h1 and h2 as slicing). The positions are walked rather than multiplied:
start at h1 mod m and add h2 mod m each step, wrapping at m — the same
(h1 + i · h2) mod m, never forming i · h2. The bits live in ``array("Q")``
words, ceil(m / 64) of them.
"""

from __future__ import annotations

import hashlib
import math
from array import array

_WORD = (1 << 64) - 1


class BloomFilter:
    def __init__(self, capacity: int, error_rate: float) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        if not 0 < error_rate < 1:
            raise ValueError(f"error_rate must be strictly between 0 and 1, got {error_rate}")
        ln2 = math.log(2)
        self.size_bits = math.ceil(-capacity * math.log(error_rate) / ln2**2)
        self.hash_count = max(1, round(self.size_bits / capacity * ln2))
        self._words = array("Q", bytes(8 * ((self.size_bits + 63) // 64)))

    def _positions(self, item: str | bytes) -> list[int]:
        data = item.encode("utf-8") if isinstance(item, str) else bytes(item)
        both = int.from_bytes(hashlib.blake2b(data, digest_size=16).digest(), "little")
        m = self.size_bits
        pos, step = (both & _WORD) % m, ((both >> 64) | 1) % m
        out = []
        for _ in range(self.hash_count):
            out.append(pos)
            pos += step
            if pos >= m:
                pos -= m
        return out

    def add(self, item: str | bytes) -> None:
        for pos in self._positions(item):
            self._words[pos >> 6] |= 1 << (pos & 63)

    def __contains__(self, item: str | bytes) -> bool:
        return all(self._words[pos >> 6] >> (pos & 63) & 1 for pos in self._positions(item))
