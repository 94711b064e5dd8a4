"""Wrong: a put evicts by the count of stored entries, expired ones included.

Expired entries are only purged on reads, so a put into a cache full of
live and expired entries evicts the least recently used *live* entry while
an expired one keeps its place.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

_MISSING = object()


class LRUCache:
    """A bounded cache that evicts the least recently used entry."""

    def __init__(self, capacity: int, ttl: float | None = None) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        if ttl is not None and ttl <= 0:
            raise ValueError(f"ttl must be positive, got {ttl}")
        self._capacity = capacity
        self._ttl = ttl
        self._values: OrderedDict[Hashable, Any] = OrderedDict()  # least recently used first
        self._expiry: OrderedDict[Hashable, float] = OrderedDict()  # soonest to expire first

    def _purge(self) -> None:
        """Drop every expired entry (they sit at the front of ``_expiry``)."""
        if self._ttl is None:
            return
        now = time.monotonic()
        while self._expiry:
            key, expires_at = next(iter(self._expiry.items()))
            if now < expires_at:
                break
            del self._expiry[key]
            del self._values[key]

    def get(self, key: Hashable, default: Any = None) -> Any:
        self._purge()
        value = self._values.get(key, _MISSING)
        if value is _MISSING:
            return default
        self._values.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        self._values[key] = value
        self._values.move_to_end(key)
        if self._ttl is not None:
            self._expiry[key] = time.monotonic() + self._ttl
            self._expiry.move_to_end(key)
        if len(self._values) > self._capacity:
            evicted, _ = self._values.popitem(last=False)
            self._expiry.pop(evicted, None)

    def delete(self, key: Hashable) -> bool:
        self._purge()
        if key not in self._values:
            return False
        del self._values[key]
        self._expiry.pop(key, None)
        return True

    def __len__(self) -> int:
        self._purge()
        return len(self._values)

    def __contains__(self, key: object) -> bool:
        self._purge()
        return key in self._values
