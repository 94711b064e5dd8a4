"""LRU cache with expiry — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- lru_cache
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any


class LRUCache:
    """A bounded cache that evicts the least recently used entry.

    Args:
        capacity: the most entries the cache holds; at least 1.
        ttl: seconds an entry lives after it was last put, or ``None`` for
            no expiry.

    Raises:
        ValueError: ``capacity`` below 1, or ``ttl`` not positive.
    """

    def __init__(self, capacity: int, ttl: float | None = None) -> None:
        raise NotImplementedError

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value for ``key``, or ``default`` when absent or expired.

        A hit makes ``key`` the most recently used.
        """
        raise NotImplementedError

    def put(self, key: Hashable, value: Any) -> None:
        """Insert or replace ``key``; when the live entries fill the cache, evict the least
        recently used one (expired entries take no room)."""
        raise NotImplementedError

    def delete(self, key: Hashable) -> bool:
        """Remove ``key``; ``True`` if it was present and live."""
        raise NotImplementedError

    def __len__(self) -> int:
        """The number of live (unexpired) entries."""
        raise NotImplementedError

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` is live; does not change recency."""
        raise NotImplementedError
