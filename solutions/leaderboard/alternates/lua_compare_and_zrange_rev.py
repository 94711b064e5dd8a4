"""Correct: a Lua script compares and writes the best score; reads use ZRANGE … REV.

Instead of ZADD GT, the comparison runs on the server inside one script, so
nothing can happen between the read and the write. The reads use the
unified ``ZRANGE key start stop REV`` (Redis ≥ 6.2) and ZREVRANK, in one
pipeline-free command each.
"""

from __future__ import annotations

from typing import Any

# KEYS[1] the board. ARGV: score, player. Writes only a new or better score.
_KEEP_BEST = """
local best = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not best or tonumber(ARGV[1]) > tonumber(best) then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
end
return 0
"""


class Leaderboard:
    """Players' best scores, ranked highest first, in the sorted set ``name``."""

    def __init__(self, redis: Any, name: str) -> None:
        self._redis = redis
        self._key = name
        self._keep_best = redis.register_script(_KEEP_BEST)

    def submit(self, player: str, score: float) -> None:
        self._keep_best(keys=[self._key], args=[repr(float(score)), player])

    def _slice(self, start: int, stop: int) -> list[tuple[str, float]]:
        entries = self._redis.zrange(self._key, start, stop, desc=True, withscores=True)
        return [(player, float(score)) for player, score in entries]

    def top(self, n: int) -> list[tuple[str, float]]:
        return self._slice(0, n - 1) if n > 0 else []

    def rank(self, player: str) -> int | None:
        index = self._redis.zrevrank(self._key, player)
        return index + 1 if index is not None else None

    def around(self, player: str, radius: int) -> list[tuple[int, str, float]]:
        if radius < 0:
            raise ValueError(f"radius must not be negative, got {radius}")
        rank = self.rank(player)
        if rank is None:
            return []
        first = max(1, rank - radius)
        entries = self._slice(first - 1, rank - 1 + radius)
        return [(first + i, name, score) for i, (name, score) in enumerate(entries)]
