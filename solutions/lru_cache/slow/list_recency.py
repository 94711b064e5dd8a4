"""Slow but correct: recency kept in a Python list, so every use is O(n).

``list.remove`` and ``list.pop(0)`` scan or shift the whole list: the cache
gives the right answers, but n operations take O(n²).
"""

from __future__ import annotations

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
        self._order: list[Hashable] = []  # least recently used first

    def _live(self, key: object) -> bool:
        entry = self._entries.get(key)  # type: ignore[call-overload]
        if entry is not None and time.monotonic() >= entry[1]:
            del self._entries[key]  # type: ignore[arg-type]
            self._order.remove(key)
            return False
        return entry is not None

    def _touch(self, key: Hashable) -> None:
        if key in self._entries:
            self._order.remove(key)
        self._order.append(key)

    def get(self, key: Hashable, default: Any = None) -> Any:
        if not self._live(key):
            return default
        self._touch(key)
        return self._entries[key][0]

    def put(self, key: Hashable, value: Any) -> None:
        self._live(key)
        self._touch(key)
        expires_at = time.monotonic() + self._ttl if self._ttl is not None else float("inf")
        self._entries[key] = (value, expires_at)
        if len(self._entries) > self._capacity:
            del self._entries[self._order.pop(0)]

    def delete(self, key: Hashable) -> bool:
        if not self._live(key):
            return False
        del self._entries[key]
        self._order.remove(key)
        return True

    def __len__(self) -> int:
        return sum(1 for key in list(self._entries) if self._live(key))

    def __contains__(self, key: object) -> bool:
        return self._live(key)
