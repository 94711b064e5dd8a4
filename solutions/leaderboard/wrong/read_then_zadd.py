"""Wrong: submit reads the best score, compares in Python, then writes: not atomic.

ZSCORE, compare, ZADD gives the right board for one client at a time, but a
better score another server submits between the read and the write is
overwritten by this worse one.
"""

from __future__ import annotations

from typing import Any


class Leaderboard:
    """Players' best scores, ranked highest first, in the sorted set ``name``."""

    def __init__(self, redis: Any, name: str) -> None:
        self._redis = redis
        self._key = name

    def submit(self, player: str, score: float) -> None:
        best = self._redis.zscore(self._key, player)
        if best is None or score > best:  # the bug: another submit may land in between
            self._redis.zadd(self._key, {player: score})

    def top(self, n: int) -> list[tuple[str, float]]:
        if n <= 0:
            return []  # ZREVRANGE key 0 -1 would be the whole board
        entries = self._redis.zrevrange(self._key, 0, n - 1, withscores=True)
        return [(player, float(score)) for player, score in entries]

    def rank(self, player: str) -> int | None:
        index = self._redis.zrevrank(self._key, player)
        return None if index is None else index + 1

    def around(self, player: str, radius: int) -> list[tuple[int, str, float]]:
        if radius < 0:
            raise ValueError(f"radius must not be negative, got {radius}")
        index = self._redis.zrevrank(self._key, player)
        if index is None:
            return []
        # A negative start would count from the end of the board: clip it at 0.
        start = max(0, index - radius)
        entries = self._redis.zrevrange(self._key, start, index + radius, withscores=True)
        return [(start + i + 1, name, float(score)) for i, (name, score) in enumerate(entries)]
