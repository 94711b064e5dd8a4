"""Slow but correct: the bits are one Python int, so every add and lookup costs O(m).

``bits |= 1 << p`` builds a p-bit int and a new m-bit result, and ``bits >> p``
copies the high bits: each of the k positions of an add or a lookup copies up
to m bits, so n adds into a filter of m ∝ n bits take O(n²).
"""

from __future__ import annotations

import hashlib
import math

_LN2 = math.log(2)


class BloomFilter:
    def __init__(self, capacity: int, error_rate: float) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        if not 0 < error_rate < 1:
            raise ValueError(f"error_rate must be strictly between 0 and 1, got {error_rate}")
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
        digest = hashlib.blake2b(item, digest_size=16).digest()
        h1 = int.from_bytes(digest[:8], "little")
        h2 = int.from_bytes(digest[8:], "little") | 1
        return [(h1 + i * h2) % self._m for i in range(self._k)]

    def add(self, item: str | bytes) -> None:
        for pos in self._positions(item):
            self._bits |= 1 << pos

    def __contains__(self, item: str | bytes) -> bool:
        return all(self._bits >> pos & 1 for pos in self._positions(item))
