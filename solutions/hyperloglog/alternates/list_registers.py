"""Correct: registers in a list of ints, the rank from the bit length of the shifted hash.

The hash is shifted left by p (dropping the index bits) and masked to 64
bits; the rank is then 64 - bit_length + 1, or 64 - p + 1 for an all-zero
remainder. The count sums 2^-register over the list directly, and
merge takes the register-wise maximum into a new list.
"""

from __future__ import annotations

import math
from hashlib import blake2b

_ALPHA = {16: 0.673, 32: 0.697, 64: 0.709}
_MASK64 = (1 << 64) - 1


class HyperLogLog:
    def __init__(self, precision: int = 14) -> None:
        if type(precision) is not int or precision < 4 or precision > 16:
            raise ValueError(f"precision must be an integer from 4 to 16, got {precision!r}")
        self.precision = precision
        self._registers = [0] * (1 << precision)
        self._shift = 64 - precision
        self._zero_rank = 64 - precision + 1  # all 64 - p rank bits are 0

    def add(self, item: str | bytes) -> None:
        data = item.encode("utf-8") if isinstance(item, str) else item
        x = int.from_bytes(blake2b(data, digest_size=8).digest(), "big")
        w = (x << self.precision) & _MASK64  # the rank bits, moved to the top
        rank = 65 - w.bit_length() if w else self._zero_rank
        registers, j = self._registers, x >> self._shift
        if rank > registers[j]:
            registers[j] = rank

    def count(self) -> int:
        m = len(self._registers)
        alpha = _ALPHA.get(m, 0.7213 / (1 + 1.079 / m))
        estimate = alpha * m * m / sum(2.0**-r for r in self._registers)
        zeros = self._registers.count(0)
        if estimate <= 2.5 * m and zeros:
            estimate = m * math.log(m / zeros)
        return round(estimate)

    def merge(self, other: HyperLogLog) -> None:
        if not isinstance(other, HyperLogLog):
            raise TypeError("can only merge another HyperLogLog")
        if other.precision != self.precision:
            raise ValueError("cannot merge sketches of different precisions")
        self._registers = [max(a, b) for a, b in zip(self._registers, other._registers)]
