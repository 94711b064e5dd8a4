"""Reference solution: HyperLogLog with a 64-bit hash and linear counting for small sets.

Each item is hashed once to 64 bits (the first 8 bytes of BLAKE2b, big-endian).
The top ``p`` bits pick one of m = 2**p registers; the register keeps the
largest rank seen, where the rank is the position of the first 1-bit in the
remaining 64 - p bits. The estimate is the normalised harmonic mean of
2**register from Flajolet et al. (2007), with linear counting over the empty
registers while the estimate is at most 2.5 m. With 64 bits of hash the
large-range correction of the 32-bit original is not needed (Heule et al., 2013).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter

_HASH_BITS = 64


def _alpha(m: int) -> float:
    """The bias-correction constant alpha_m of Flajolet et al. (2007)."""
    if m == 16:
        return 0.673
    if m == 32:
        return 0.697
    if m == 64:
        return 0.709
    return 0.7213 / (1 + 1.079 / m)


class HyperLogLog:
    """Estimates the number of distinct items added, in 2**precision registers."""

    def __init__(self, precision: int = 14) -> None:
        if not isinstance(precision, int) or not 4 <= precision <= 16:
            raise ValueError(f"precision must be between 4 and 16, got {precision}")
        self._p = precision
        self._m = 1 << precision
        self._shift = _HASH_BITS - precision  # bits left for the rank
        self._mask = (1 << self._shift) - 1
        self._registers = bytearray(self._m)

    def add(self, item: str | bytes) -> None:
        if isinstance(item, str):
            item = item.encode("utf-8")
        x = int.from_bytes(hashlib.blake2b(item, digest_size=8).digest(), "big")
        index = x >> self._shift
        # Position of the leftmost 1 in the low 64 - p bits, counting from 1;
        # 64 - p + 1 when they are all zero.
        rank = self._shift - (x & self._mask).bit_length() + 1
        if rank > self._registers[index]:
            self._registers[index] = rank

    def count(self) -> int:
        m = self._m
        histogram = Counter(self._registers)
        harmonic = math.fsum(n * 2.0**-rank for rank, n in histogram.items())
        estimate = _alpha(m) * m * m / harmonic
        zeros = histogram.get(0, 0)
        if estimate <= 2.5 * m and zeros:
            estimate = m * math.log(m / zeros)  # linear counting
        return round(estimate)

    def merge(self, other: HyperLogLog) -> None:
        if not isinstance(other, HyperLogLog):
            raise TypeError(f"cannot merge {type(other).__name__} into a HyperLogLog")
        if other._p != self._p:
            raise ValueError(f"cannot merge precision {other._p} into precision {self._p}")
        self._registers = bytearray(map(max, self._registers, other._registers))
