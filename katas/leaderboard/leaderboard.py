"""Leaderboard on a Redis sorted set — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- leaderboard
"""

from __future__ import annotations

from typing import Any


class Leaderboard:
    """Players' best scores, ranked highest first.

    The board is the Redis sorted set at key ``name``: member = player,
    score = that player's best score.

    Args:
        redis: a ``redis.Redis`` client (``decode_responses=True``).
        name: the board's name, also its Redis key.
    """

    def __init__(self, redis: Any, name: str) -> None:
        raise NotImplementedError

    def submit(self, player: str, score: float) -> None:
        """Record a score; the board keeps the player's best (highest) one."""
        raise NotImplementedError

    def top(self, n: int) -> list[tuple[str, float]]:
        """The first ``n`` entries as ``(player, score)``, highest first; ``[]`` for n <= 0."""
        raise NotImplementedError

    def rank(self, player: str) -> int | None:
        """The player's 1-based rank (1 = best), or ``None`` if not on the board."""
        raise NotImplementedError

    def around(self, player: str, radius: int) -> list[tuple[int, str, float]]:
        """``(rank, player, score)`` for ranks ``rank - radius .. rank + radius``.

        Clipped to the board; ``[]`` for a player not on the board.

        Raises:
            ValueError: ``radius`` is negative.
        """
        raise NotImplementedError
