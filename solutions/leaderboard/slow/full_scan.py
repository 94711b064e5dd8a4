"""Slow but correct: every query reads the whole board into Python.

Sorting and scanning in Python gives the right ranking (by score, then name,
both descending), but each top, rank and around transfers all n entries:
O(n) per query instead of O(log n).
"""

from __future__ import annotations

from typing import Any


class Leaderboard:
    """Players' best scores, ranked highest first, in the sorted set ``name``."""

    def __init__(self, redis: Any, name: str) -> None:
        self._redis = redis
        self._key = name

    def submit(self, player: str, score: float) -> None:
        self._redis.zadd(self._key, {player: score}, gt=True)

    def _ranking(self) -> list[tuple[str, float]]:
        entries = self._redis.zrange(self._key, 0, -1, withscores=True)
        # Equal scores: reverse order of the UTF-8 bytes, as ZREVRANGE has them.
        entries.sort(key=lambda e: (e[1], e[0].encode()), reverse=True)
        return [(player, float(score)) for player, score in entries]

    def top(self, n: int) -> list[tuple[str, float]]:
        return self._ranking()[: max(n, 0)]

    def rank(self, player: str) -> int | None:
        for i, (name, _) in enumerate(self._ranking()):
            if name == player:
                return i + 1
        return None

    def around(self, player: str, radius: int) -> list[tuple[int, str, float]]:
        if radius < 0:
            raise ValueError(f"radius must not be negative, got {radius}")
        ranking = self._ranking()
        for i, (name, _) in enumerate(ranking):
            if name == player:
                lo, hi = max(0, i - radius), i + radius + 1
                return [(j + 1, p, s) for j, (p, s) in enumerate(ranking[lo:hi], start=lo)]
        return []
