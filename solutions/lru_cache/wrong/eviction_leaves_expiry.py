"""Wrong: evicting or deleting a key leaves its expiry time behind.

The expiry dict still holds the key after it is gone from the values; when
that time comes, the purge deletes a value that is no longer there (KeyError).
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
        self._purge()
        self._values[key] = value
        self._values.move_to_end(key)
        if self._ttl is not None:
            self._expiry[key] = time.monotonic() + self._ttl
            self._expiry.move_to_end(key)
        if len(self._values) > self._capacity:
            self._values.popitem(last=False)

    def delete(self, key: Hashable) -> bool:
        self._purge()
        if key not in self._values:
            return False
        del self._values[key]
        return True

    def __len__(self) -> int:
        self._purge()
        return len(self._values)

    def __contains__(self, key: object) -> bool:
        self._purge()
        return key in self._values
