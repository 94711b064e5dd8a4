"""Slow but correct: each key remembers when it was last used; eviction scans for the oldest.

A common first answer in interviews: ``min(last_used, key=last_used.get)``
finds the least recently used key, but it looks at every key, so each
eviction is O(n) and n operations on a full cache take O(n²).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Hashable
from typing import Any


class LRUCache:
    def __init__(self, capacity: int, ttl: float | None = None) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        if ttl is not None and ttl <= 0:
            raise ValueError("ttl must be positive")
        self._capacity = capacity
        self._ttl = ttl
        self._entries: dict[Hashable, tuple[Any, float]] = {}
        self._last_used: dict[Hashable, int] = {}
        self._clock = itertools.count()

    def _live(self, key: object) -> bool:
        entry = self._entries.get(key)  # type: ignore[call-overload]
        if entry is not None and time.monotonic() >= entry[1]:
            del self._entries[key]  # type: ignore[arg-type]
            del self._last_used[key]  # type: ignore[arg-type]
            return False
        return entry is not None

    def get(self, key: Hashable, default: Any = None) -> Any:
        if not self._live(key):
            return default
        self._last_used[key] = next(self._clock)
        return self._entries[key][0]

    def put(self, key: Hashable, value: Any) -> None:
        self._live(key)
        expires_at = time.monotonic() + self._ttl if self._ttl is not None else float("inf")
        self._entries[key] = (value, expires_at)
        self._last_used[key] = next(self._clock)
        if len(self._entries) > self._capacity:
            for other in list(self._entries):  # expired entries take no room
                self._live(other)
        if len(self._entries) > self._capacity:
            oldest = min(self._last_used, key=self._last_used.__getitem__)
            del self._entries[oldest]
            del self._last_used[oldest]

    def delete(self, key: Hashable) -> bool:
        if not self._live(key):
            return False
        del self._entries[key]
        del self._last_used[key]
        return True

    def __len__(self) -> int:
        return sum(1 for key in list(self._entries) if self._live(key))

    def __contains__(self, key: object) -> bool:
        return self._live(key)
