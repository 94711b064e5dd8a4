"""Reference solution: a count-min sketch, its conservative update, merging, heavy hitters.

``depth`` rows of ``width`` counters; an item adds to one counter per row, at
a position given by a BLAKE2b hash keyed with the row's number, and its
estimate is the smallest of its counters. With ``width = ⌈e/ε⌉`` and
``depth = ⌈ln(1/δ)⌉`` an estimate exceeds the true count by more than εN
with probability at most δ (Cormode & Muthukrishnan 2005). The conservative
update (Estan & Varghese 2002) raises each of the item's counters only as far
as the new minimum. Heavy hitters keep a dict of candidates and a min-heap of
their estimates to drop those that fall below φN as N grows.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import math

Item = str | bytes


def _check_fraction(name: str, value: float) -> None:
    if not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ValueError(f"{name} must be in (0, 1), got {value}")


class CountMinSketch:
    """Approximate counts of a stream's items in ``width × depth`` counters."""

    def __init__(self, epsilon: float, delta: float, *, conservative: bool = False) -> None:
        _check_fraction("epsilon", epsilon)
        _check_fraction("delta", delta)
        self.width = math.ceil(math.e / epsilon)
        self.depth = math.ceil(math.log(1 / delta))
        self.conservative = conservative
        self.total = 0
        self._rows = [[0] * self.width for _ in range(self.depth)]
        self._keys = [row.to_bytes(8, "little") for row in range(self.depth)]

    @property
    def counters(self) -> list[list[int]]:
        """A copy of the counters, one list per row."""
        return [row[:] for row in self._rows]

    def positions(self, item: Item) -> list[int]:
        """The counter ``item`` maps to in each row."""
        data = item.encode() if isinstance(item, str) else item
        return [
            int.from_bytes(hashlib.blake2b(data, digest_size=8, key=key).digest(), "little")
            % self.width
            for key in self._keys
        ]

    def add(self, item: Item, count: int = 1) -> int:
        """Count ``count`` more occurrences of ``item``; return its new estimate."""
        if not isinstance(count, int) or count < 1:
            raise ValueError(f"count must be a positive int, got {count!r}")
        self.total += count
        cells = list(zip(self._rows, self.positions(item)))
        if self.conservative:
            target = min(row[i] for row, i in cells) + count
            for row, i in cells:
                if row[i] < target:
                    row[i] = target
            return target
        for row, i in cells:
            row[i] += count
        return min(row[i] for row, i in cells)

    def estimate(self, item: Item) -> int:
        """The smallest of ``item``'s counters: never below its true count."""
        return min(row[i] for row, i in zip(self._rows, self.positions(item)))

    def merge(self, other: CountMinSketch) -> CountMinSketch:
        """A new sketch of both streams: the cellwise sum. Neither input changes."""
        if (self.width, self.depth, self.conservative) != (
            other.width,
            other.depth,
            other.conservative,
        ):
            raise ValueError("only sketches of the same width, depth and update rule merge")
        merged = CountMinSketch.__new__(CountMinSketch)
        merged.width, merged.depth = self.width, self.depth
        merged.conservative = self.conservative
        merged.total = self.total + other.total
        merged._keys = self._keys
        merged._rows = [[a + b for a, b in zip(r, s)] for r, s in zip(self._rows, other._rows)]
        return merged


class HeavyHitters:
    """The items whose estimated count is at least ``phi`` times the stream's total."""

    def __init__(self, phi: float, epsilon: float, delta: float) -> None:
        if not isinstance(phi, (int, float)) or not 0 < phi <= 1:
            raise ValueError(f"phi must be in (0, 1], got {phi}")
        self.phi = phi
        self.sketch = CountMinSketch(epsilon, delta)
        # A str and its UTF-8 bytes are one item: candidates are keyed by the
        # bytes, and reported in the form of the add that made them candidates.
        self._candidates: dict[bytes, int] = {}  # key -> its estimate at its latest add
        self._forms: dict[bytes, Item] = {}
        # One (estimate, order, item) entry per candidate, smallest first. An
        # entry's estimate may be older (lower) than the candidate's: it is
        # refreshed when it reaches the top. The order breaks ties without
        # comparing items (a str and a bytes do not compare).
        self._heap: list[tuple[int, int, bytes]] = []
        self._order = itertools.count()

    @property
    def total(self) -> int:
        """N: the sum of all counts added."""
        return self.sketch.total

    def add(self, item: Item, count: int = 1) -> None:
        """Count ``item``; keep it as a candidate while its latest estimate is at least φN."""
        estimate = self.sketch.add(item, count)
        threshold = self.phi * self.sketch.total
        if estimate >= threshold:
            key = item.encode() if isinstance(item, str) else item
            if key not in self._candidates:
                heapq.heappush(self._heap, (estimate, next(self._order), key))
                self._forms[key] = item
            self._candidates[key] = estimate
        while self._heap and self._heap[0][0] < threshold:
            _, _, low = heapq.heappop(self._heap)
            latest = self._candidates[low]
            if latest >= threshold:  # a stale entry: put it back with the latest estimate
                heapq.heappush(self._heap, (latest, next(self._order), low))
            else:
                del self._candidates[low], self._forms[low]

    def heavy_hitters(self) -> dict[Item, int]:
        """Every item whose current estimate is at least φN, with that estimate.

        Every candidate qualifies: its latest estimate is at least φN, and
        estimates never decrease.
        """
        return {self._forms[key]: self.sketch.estimate(key) for key in self._candidates}

    @property
    def tracked(self) -> int:
        """How many candidates are kept."""
        return len(self._candidates)
