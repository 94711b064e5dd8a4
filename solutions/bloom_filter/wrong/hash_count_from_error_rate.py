"""Wrong: k is round(log2(1 / p)) from p alone, not round((m / n) ln 2) with the integer m."""

from __future__ import annotations

import hashlib
import math

_LN2 = math.log(2)


class BloomFilter:
    """A Bloom filter sized for ``capacity`` items at false-positive rate ``error_rate``."""

    def __init__(self, capacity: int, error_rate: float) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        if not 0 < error_rate < 1:
            raise ValueError(f"error_rate must be strictly between 0 and 1, got {error_rate}")
        self._m = math.ceil(-capacity * math.log(error_rate) / (_LN2 * _LN2))
        self._k = max(1, round(-math.log2(error_rate)))
        self._bits = bytearray((self._m + 7) // 8)

    @property
    def size_bits(self) -> int:
        return self._m

    @property
    def hash_count(self) -> int:
        return self._k

    def _positions(self, item: str | bytes) -> list[int]:
        if isinstance(item, str):
            item = item.encode("utf-8")
        digest = hashlib.blake2b(item, digest_size=16).digest()
        h1 = int.from_bytes(digest[:8], "little")
        h2 = int.from_bytes(digest[8:], "little") | 1  # odd, so never 0 mod m
        m = self._m
        return [(h1 + i * h2) % m for i in range(self._k)]

    def add(self, item: str | bytes) -> None:
        bits = self._bits
        for pos in self._positions(item):
            bits[pos >> 3] |= 1 << (pos & 7)

    def __contains__(self, item: str | bytes) -> bool:
        bits = self._bits
        return all(bits[pos >> 3] >> (pos & 7) & 1 for pos in self._positions(item))
