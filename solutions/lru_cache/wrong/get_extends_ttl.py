"""Wrong: ``get`` renews the entry's expiry, so a hot key never expires.

A common slip when TTL is bolted onto LRU: the recency update and the
expiry update are done together, as if expiry were "idle time".
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

_MISSING = object()


class LRUCache:
    def __init__(self, capacity: int, ttl: float | None = None) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        if ttl is not None and ttl <= 0:
            raise ValueError("ttl must be positive")
        self._capacity = capacity
        self._ttl = ttl
        self._entries: OrderedDict[Hashable, tuple[Any, float]] = OrderedDict()

    def _deadline(self) -> float:
        return time.monotonic() + self._ttl if self._ttl is not None else float("inf")

    def _live(self, key: object) -> bool:
        entry = self._entries.get(key)  # type: ignore[call-overload]
        if entry is not None and time.monotonic() >= entry[1]:
            del self._entries[key]  # type: ignore[arg-type]
            return False
        return entry is not None

    def get(self, key: Hashable, default: Any = None) -> Any:
        if not self._live(key):
            return default
        value, _ = self._entries[key]
        self._entries[key] = (value, self._deadline())  # the bug: get renews the TTL
        self._entries.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        self._entries[key] = (value, self._deadline())
        self._entries.move_to_end(key)
        if len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def delete(self, key: Hashable) -> bool:
        if not self._live(key):
            return False
        del self._entries[key]
        return True

    def __len__(self) -> int:
        return sum(1 for key in list(self._entries) if self._live(key))

    def __contains__(self, key: object) -> bool:
        return self._live(key)
