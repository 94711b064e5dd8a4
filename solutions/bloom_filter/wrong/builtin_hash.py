"""Wrong: positions come from Python's built-in hash(), which is salted per process.

hash((item, i)) is the obvious family of k hash functions in Python, but str and
bytes hashes change with PYTHONHASHSEED, so a filter saved or shared between
processes gives wrong answers.
"""

from __future__ import annotations

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
        self._k = max(1, round(self._m / capacity * _LN2))
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
        m = self._m
        return [hash((item, i)) % m for i in range(self._k)]  # the bug: salted per process

    def add(self, item: str | bytes) -> None:
        bits = self._bits
        for pos in self._positions(item):
            bits[pos >> 3] |= 1 << (pos & 7)

    def __contains__(self, item: str | bytes) -> bool:
        bits = self._bits
        return all(bits[pos >> 3] >> (pos & 7) & 1 for pos in self._positions(item))
