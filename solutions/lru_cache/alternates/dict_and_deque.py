"""Correct: a plain dict in recency order (pop and re-insert) and a deque of expiry times.

Python dicts keep insertion order, so popping a key and inserting it again
makes it the most recently used, and the first key is the least recently
used. Expiry times go into a deque in write order (one TTL for all, so that
is expiry order); a re-put or a delete leaves a stale deque item behind,
recognised later because its time no longer matches the entry's.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Hashable
from typing import Any


class LRUCache:
    """A bounded cache that evicts the least recently used entry."""

    def __init__(self, capacity: int, ttl: float | None = None) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        if ttl is not None and not ttl > 0:
            raise ValueError("ttl must be None or positive")
        self._capacity = capacity
        self._ttl = ttl
        self._entries: dict[Hashable, tuple[Any, float]] = {}  # key -> (value, expires_at)
        self._deadlines: deque[tuple[float, Hashable]] = deque()

    def _expire(self) -> None:
        if self._ttl is None:
            return
        now = time.monotonic()
        deadlines, entries = self._deadlines, self._entries
        while deadlines and deadlines[0][0] <= now:
            expires_at, key = deadlines.popleft()
            entry = entries.get(key)
            if entry is not None and entry[1] == expires_at:
                del entries[key]

    def get(self, key: Hashable, default: Any = None) -> Any:
        self._expire()
        entry = self._entries.pop(key, None)
        if entry is None:
            return default
        self._entries[key] = entry
        return entry[0]

    def put(self, key: Hashable, value: Any) -> None:
        self._expire()
        expires_at = time.monotonic() + self._ttl if self._ttl is not None else 0.0
        if self._entries.pop(key, None) is None and len(self._entries) >= self._capacity:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = (value, expires_at)
        if self._ttl is not None:
            self._deadlines.append((expires_at, key))

    def delete(self, key: Hashable) -> bool:
        self._expire()
        return self._entries.pop(key, None) is not None

    def __len__(self) -> int:
        self._expire()
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        self._expire()
        return key in self._entries
