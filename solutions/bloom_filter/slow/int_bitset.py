"""Slow but correct: the bit array is one Python int, so every bit operation is O(m).

Python ints are immutable: ``bits |= 1 << p`` builds ``1 << p`` (p bits long)
and then a new copy of all m bits, and ``bits >> p & 1`` shifts a copy too. The
answers are right, but each add and lookup costs O(k · m) instead of O(k), so
n adds into a filter sized for n take O(n²).
"""

from __future__ import annotations

import hashlib
import math

_LN2 = math.log(2)


class BloomFilter:
    def __init__(self, capacity: int, error_rate: float) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        if not 0 < error_rate < 1:
            raise ValueError("error_rate must be strictly between 0 and 1")
        self._m = math.ceil(-capacity * math.log(error_rate) / (_LN2 * _LN2))
        self._k = max(1, round(self._m / capacity * _LN2))
        self._bits = 0

    @property
    def size_bits(self) -> int:
        return self._m

    @property
    def hash_count(self) -> int:
        return self._k

    def _positions(self, item: str | bytes) -> list[int]:
        if isinstance(item, str):
            item = item.encode("utf-8")
        digest = hashlib.sha256(item).digest()
        h1 = int.from_bytes(digest[:8], "big")
        h2 = int.from_bytes(digest[8:16], "big") | 1
        return [(h1 + i * h2) % self._m for i in range(self._k)]

    def add(self, item: str | bytes) -> None:
        for pos in self._positions(item):
            self._bits |= 1 << pos

    def __contains__(self, item: str | bytes) -> bool:
        return all(self._bits >> pos & 1 for pos in self._positions(item))
