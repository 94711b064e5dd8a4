"""Slow but correct: a sorted Python list scanned linearly, so every update and rank is O(n).

The list of (score, member) pairs is always in order, so ranges are easy, but
finding where a member goes, where it is, or what rank it has walks the list
from the start: n operations take O(n²).
"""

from __future__ import annotations

import math


class SortedSet:
    def __init__(self) -> None:
        self._items: list[tuple[float, str]] = []  # ascending (score, member)
        self._scores: dict[str, float] = {}

    def _index(self, member: str) -> int:
        for i, (_, m) in enumerate(self._items):
            if m == member:
                return i
        raise KeyError(member)

    def add(self, member: str, score: float) -> bool:
        score = float(score)
        if math.isnan(score):
            raise ValueError("score is not a number (NaN)")
        old = self._scores.get(member)
        if old == score:
            return False
        if old is not None:
            del self._items[self._index(member)]
        entry = (score, member)
        i = 0
        while i < len(self._items) and self._items[i] < entry:
            i += 1
        self._items.insert(i, entry)
        self._scores[member] = score
        return old is None

    def remove(self, member: str) -> bool:
        if self._scores.pop(member, None) is None:
            return False
        del self._items[self._index(member)]
        return True

    def score(self, member: str) -> float | None:
        return self._scores.get(member)

    def rank(self, member: str) -> int | None:
        if member not in self._scores:
            return None
        return self._index(member)

    def range_by_rank(self, start: int, stop: int) -> list[tuple[str, float]]:
        n = len(self._items)
        if start < 0:
            start += n
        if stop < 0:
            stop += n
        start = max(start, 0)
        if start > stop or start >= n:
            return []
        return [(m, s) for s, m in self._items[start : min(stop, n - 1) + 1]]

    def range_by_score(self, min_score: float, max_score: float) -> list[tuple[str, float]]:
        return [(m, s) for s, m in self._items if min_score <= s <= max_score]

    def __len__(self) -> int:
        return len(self._scores)

    def __contains__(self, member: object) -> bool:
        return member in self._scores
