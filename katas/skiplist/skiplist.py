"""Sorted set on a skip list — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- skiplist
"""

from __future__ import annotations


class SortedSet:
    """Unique string members ordered by (score, member), like a Redis sorted set.

    Equal scores are ordered by the member string. Single-member operations
    are expected O(log n); range queries O(log n + k).
    """

    def __init__(self) -> None:
        raise NotImplementedError

    def add(self, member: str, score: float) -> bool:
        """Insert ``member`` with ``score``, or update its score.

        Returns:
            ``True`` if the member is new, ``False`` if it was already present.

        Raises:
            ValueError: ``score`` is NaN.
        """
        raise NotImplementedError

    def remove(self, member: str) -> bool:
        """Delete ``member``; ``True`` if it was present."""
        raise NotImplementedError

    def score(self, member: str) -> float | None:
        """The score of ``member``, or ``None`` when absent."""
        raise NotImplementedError

    def rank(self, member: str) -> int | None:
        """The 0-based ascending position of ``member``, or ``None`` when absent."""
        raise NotImplementedError

    def range_by_rank(self, start: int, stop: int) -> list[tuple[str, float]]:
        """``(member, score)`` pairs at positions ``start`` … ``stop`` inclusive.

        Negative indexes count from the end (-1 is the last); out-of-range
        indexes are clamped as in Redis's ZRANGE; ``start`` past the end or past
        ``stop`` gives ``[]``.
        """
        raise NotImplementedError

    def range_by_score(self, min_score: float, max_score: float) -> list[tuple[str, float]]:
        """``(member, score)`` pairs with ``min_score <= score <= max_score``, ascending."""
        raise NotImplementedError

    def __len__(self) -> int:
        """The number of members."""
        raise NotImplementedError

    def __contains__(self, member: object) -> bool:
        """Whether ``member`` is in the set."""
        raise NotImplementedError
