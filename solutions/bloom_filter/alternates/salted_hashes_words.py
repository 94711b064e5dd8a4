"""Correct: k independently salted BLAKE2b hashes, and the bits in an array of 64-bit words.

Instead of double hashing, position i is its own BLAKE2b digest of the item
with salt i, reduced mod m: k truly independent hashes, at k times the
hashing cost. The bits live in ``array("Q")`` words, m / 64 of them.
"""

from __future__ import annotations

import hashlib
import math
from array import array


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
        self._salts = [i.to_bytes(16, "big") for i in range(self.hash_count)]

    def _positions(self, item: str | bytes) -> list[int]:
        data = item.encode("utf-8") if isinstance(item, str) else bytes(item)
        return [
            int.from_bytes(hashlib.blake2b(data, digest_size=8, salt=salt).digest(), "big")
            % self.size_bits
            for salt in self._salts
        ]

    def add(self, item: str | bytes) -> None:
        for pos in self._positions(item):
            self._words[pos >> 6] |= 1 << (pos & 63)

    def __contains__(self, item: str | bytes) -> bool:
        return all(self._words[pos >> 6] >> (pos & 63) & 1 for pos in self._positions(item))
