"""Wrong: evicts in insertion order (FIFO), because ``get`` never updates recency.

The classic mistake with a plain ``dict``: it remembers insertion order, so
evicting ``next(iter(d))`` looks like LRU until a read should have saved a key.
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

    def _live(self, key: object) -> bool:
        entry = self._entries.get(key)  # type: ignore[call-overload]
        if entry is not None and time.monotonic() >= entry[1]:
            del self._entries[key]  # type: ignore[arg-type]
            return False
        return entry is not None

    def get(self, key: Hashable, default: Any = None) -> Any:
        return self._entries[key][0] if self._live(key) else default

    def put(self, key: Hashable, value: Any) -> None:
        expires_at = time.monotonic() + self._ttl if self._ttl is not None else float("inf")
        self._entries.pop(key, None)
        self._entries[key] = (value, expires_at)
        if len(self._entries) > self._capacity:
            del self._entries[next(iter(self._entries))]

    def delete(self, key: Hashable) -> bool:
        if not self._live(key):
            return False
        del self._entries[key]
        return True

    def __len__(self) -> int:
        return sum(1 for key in list(self._entries) if self._live(key))

    def __contains__(self, key: object) -> bool:
        return self._live(key)
