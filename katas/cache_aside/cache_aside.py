"""Cache-aside on Redis — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- cache_aside
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class CacheAside:
    """A read-through cache in Redis in front of a slow source of truth.

    Args:
        redis: a ``redis.Redis`` client (``decode_responses=True``).
        loader: fetches the value of a key from the source of truth; returns
            ``None`` when there is no such value. Values are JSON-serialisable.
        ttl: seconds a loaded value stays cached; positive.
        negative_ttl: seconds a "not found" stays cached; positive.

    Raises:
        ValueError: ``ttl`` or ``negative_ttl`` not positive.
    """

    def __init__(
        self,
        redis: Any,
        loader: Callable[[str], Any | None],
        ttl: int,
        negative_ttl: int,
    ) -> None:
        raise NotImplementedError

    def get(self, key: str) -> Any | None:
        """The value of ``key``: from Redis (``cache:<key>``) if cached, else from the loader.

        Returns ``None`` when the loader has no value (and caches that for
        ``negative_ttl`` seconds). Concurrent misses of one key call the
        loader once. A loader exception propagates and nothing is cached.
        """
        raise NotImplementedError

    def invalidate(self, key: str) -> None:
        """Drop ``key`` from the cache, so the next ``get`` calls the loader."""
        raise NotImplementedError
