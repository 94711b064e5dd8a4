"""Correct: a sorted Python list of (score, member) pairs kept with bisect, and a dict.

Searches are binary (``bisect``), so rank and both ranges are O(log n + k).
An insert or delete shifts the list's tail: O(n), but one ``memmove`` in C,
which up to about 10⁵ members costs less than a skip list's Python code.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from operator import itemgetter

_score = itemgetter(0)


class SortedSet:
    def __init__(self) -> None:
        self._items: list[tuple[float, str]] = []  # ascending (score, member)
        self._scores: dict[str, float] = {}

    def add(self, member: str, score: float) -> bool:
        score = float(score)
        if math.isnan(score):
            raise ValueError("score is not a number (NaN)")
        old = self._scores.get(member)
        if old == score:
            return False
        if old is not None:
            del self._items[bisect_left(self._items, (old, member))]
        insort(self._items, (score, member))
        self._scores[member] = score
        return old is None

    def remove(self, member: str) -> bool:
        score = self._scores.pop(member, None)
        if score is None:
            return False
        del self._items[bisect_left(self._items, (score, member))]
        return True

    def score(self, member: str) -> float | None:
        return self._scores.get(member)

    def rank(self, member: str) -> int | None:
        score = self._scores.get(member)
        return None if score is None else bisect_left(self._items, (score, member))

    def range_by_rank(self, start: int, stop: int) -> list[tuple[str, float]]:
        n = len(self._items)
        start = max(start + n if start < 0 else start, 0)
        stop = min(stop + n if stop < 0 else stop, n - 1)
        return [(m, s) for s, m in self._items[start : stop + 1]] if start <= stop else []

    def range_by_score(self, min_score: float, max_score: float) -> list[tuple[str, float]]:
        lo = bisect_left(self._items, min_score, key=_score)
        hi = bisect_right(self._items, max_score, lo, key=_score)
        return [(m, s) for s, m in self._items[lo:hi]]

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, member: object) -> bool:
        return member in self._scores
