"""Correct: Go-style single flight with one Event per load in progress, and SET … PX.

The first caller to miss a key becomes its leader and registers an Event;
followers wait on it and then read Redis again (or, if the leader's load
failed and nothing was stored, take their own turn at loading). The leader
removes its Event when done, so the table only holds loads in progress.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

_MISSING = object()


class CacheAside:
    """Read-through cache in Redis in front of ``loader``."""

    def __init__(
        self,
        redis: Any,
        loader: Callable[[str], Any | None],
        ttl: int,
        negative_ttl: int,
    ) -> None:
        if min(ttl, negative_ttl) <= 0:
            raise ValueError(f"ttl and negative_ttl must be positive, got {ttl}, {negative_ttl}")
        self._redis = redis
        self._loader = loader
        self._ttl = ttl
        self._negative_ttl = negative_ttl
        self._mutex = threading.Lock()
        self._flights: dict[str, threading.Event] = {}

    def _cached(self, key: str) -> Any:
        raw = self._redis.get(f"cache:{key}")
        return _MISSING if raw is None else json.loads(raw)

    def get(self, key: str) -> Any | None:
        while True:
            value = self._cached(key)
            if value is not _MISSING:
                return value
            with self._mutex:
                flight = self._flights.get(key)
                leader = flight is None
                if leader:
                    flight = self._flights[key] = threading.Event()
            if not leader:
                flight.wait()
                continue  # look again: stored by the leader, or our turn to load
            try:
                value = self._cached(key)  # stored just before we became leader?
                if value is _MISSING:
                    value = self._load(key)
                return value
            finally:
                with self._mutex:
                    del self._flights[key]
                flight.set()

    def _load(self, key: str) -> Any | None:
        found = self._loader(key)
        raw = json.dumps(found)
        ttl = self._negative_ttl if found is None else self._ttl
        self._redis.set(f"cache:{key}", raw, px=ttl * 1000)
        return json.loads(raw)

    def invalidate(self, key: str) -> None:
        self._redis.delete(f"cache:{key}")
