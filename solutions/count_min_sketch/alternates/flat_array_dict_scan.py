"""Correct: one flat array of counters, and heavy-hitter candidates pruned by scanning a dict.

The counters live in a single ``array('q')`` of depth × width cells (row r,
column p at r * width + p). Heavy hitters keep only a dict of candidates and
scan it to drop those below φN whenever it holds more than 1/φ of them: at most
1/φ items can truly be heavy, so the scan is rare and small.
"""

from __future__ import annotations

import hashlib
import math
from array import array

Item = str | bytes


class CountMinSketch:
    def __init__(self, epsilon: float, delta: float, *, conservative: bool = False) -> None:
        numbers = all(isinstance(v, (int, float)) for v in (epsilon, delta))
        if not (numbers and 0 < epsilon < 1 and 0 < delta < 1):
            raise ValueError("epsilon and delta must be in (0, 1)")
        self.width = math.ceil(math.e / epsilon)
        self.depth = math.ceil(math.log(1 / delta))
        self.conservative = conservative
        self.total = 0
        self._cells = array("q", bytes(8 * self.width * self.depth))

    @property
    def counters(self) -> list[list[int]]:
        w = self.width
        return [self._cells[r * w : (r + 1) * w].tolist() for r in range(self.depth)]

    def positions(self, item: Item) -> list[int]:
        data = item if isinstance(item, bytes) else item.encode("utf-8")
        out = []
        for r in range(self.depth):
            h = hashlib.blake2b(data, digest_size=8, key=r.to_bytes(8, "little"))
            out.append(int.from_bytes(h.digest(), "little") % self.width)
        return out

    def _cells_of(self, item: Item) -> list[int]:
        return [r * self.width + p for r, p in enumerate(self.positions(item))]

    def add(self, item: Item, count: int = 1) -> int:
        if type(count) is not int or count <= 0:
            raise ValueError("count must be positive")
        self.total += count
        cells = self._cells_of(item)
        c = self._cells
        if not self.conservative:
            for i in cells:
                c[i] += count
            return min(c[i] for i in cells)
        new = min(c[i] for i in cells) + count
        for i in cells:
            c[i] = max(c[i], new)
        return new

    def estimate(self, item: Item) -> int:
        return min(self._cells[i] for i in self._cells_of(item))

    def merge(self, other: CountMinSketch) -> CountMinSketch:
        same = (self.width, self.depth, self.conservative)
        if same != (other.width, other.depth, other.conservative):
            raise ValueError("sketches differ in width, depth or update rule")
        out = CountMinSketch(0.5, 0.5, conservative=self.conservative)
        out.width, out.depth = self.width, self.depth
        out.total = self.total + other.total
        out._cells = array("q", (a + b for a, b in zip(self._cells, other._cells)))
        return out


class HeavyHitters:
    def __init__(self, phi: float, epsilon: float, delta: float) -> None:
        if not (isinstance(phi, (int, float)) and 0 < phi <= 1):
            raise ValueError("phi must be in (0, 1]")
        self.phi = phi
        self._sketch = CountMinSketch(epsilon, delta)
        self._candidates: dict[bytes, tuple[Item, int]] = {}  # key -> (form, estimate)
        self._limit = math.floor(1 / phi)

    @property
    def total(self) -> int:
        return self._sketch.total

    @property
    def tracked(self) -> int:
        return len(self._candidates)

    def add(self, item: Item, count: int = 1) -> None:
        est = self._sketch.add(item, count)
        bar = self.phi * self._sketch.total
        if est >= bar:
            key = item if isinstance(item, bytes) else item.encode("utf-8")
            form = self._candidates[key][0] if key in self._candidates else item
            self._candidates[key] = (form, est)
        if len(self._candidates) > self._limit:
            self._candidates = {k: fe for k, fe in self._candidates.items() if fe[1] >= bar}

    def heavy_hitters(self) -> dict[Item, int]:
        bar = self.phi * self._sketch.total
        now = ((f, self._sketch.estimate(k)) for k, (f, _) in self._candidates.items())
        return {i: e for i, e in now if e >= bar}
