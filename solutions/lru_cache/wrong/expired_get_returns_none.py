"""Wrong: get of an expired key returns None instead of the caller's default.

Expiry is checked lazily, per key, when the key is read: the expired branch
removes the entry and returns None, forgetting ``default``.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class LRUCache:
    """A bounded cache that evicts the least recently used entry."""

    def __init__(self, capacity: int, ttl: float | None = None) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        if ttl is not None and ttl <= 0:
            raise ValueError(f"ttl must be positive, got {ttl}")
        self._capacity = capacity
        self._ttl = ttl
        self._data: OrderedDict[Hashable, tuple[Any, float]] = OrderedDict()
        self._written: OrderedDict[Hashable, float] = OrderedDict()  # expiry, in write order

    def _expired(self, expires_at: float) -> bool:
        return self._ttl is not None and time.monotonic() >= expires_at

    def _purge(self) -> None:
        while self._written:
            key, expires_at = next(iter(self._written.items()))
            if not self._expired(expires_at):
                break
            del self._written[key]
            del self._data[key]

    def get(self, key: Hashable, default: Any = None) -> Any:
        if key not in self._data:
            return default
        value, expires_at = self._data[key]
        if self._expired(expires_at):
            del self._data[key]
            del self._written[key]
            return None
        self._data.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        self._purge()
        expires_at = time.monotonic() + self._ttl if self._ttl is not None else 0.0
        self._data[key] = (value, expires_at)
        self._data.move_to_end(key)
        self._written[key] = expires_at
        self._written.move_to_end(key)
        if len(self._data) > self._capacity:
            evicted, _ = self._data.popitem(last=False)
            del self._written[evicted]

    def delete(self, key: Hashable) -> bool:
        self._purge()
        if key not in self._data:
            return False
        del self._data[key]
        del self._written[key]
        return True

    def __len__(self) -> int:
        self._purge()
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        self._purge()
        return key in self._data
