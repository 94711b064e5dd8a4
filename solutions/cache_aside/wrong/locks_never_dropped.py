"""Wrong: the per-key locks are kept forever, one for every key that ever missed.

``self._locks.setdefault(key, threading.Lock())`` gives correct single
flight, and no test of behaviour notices; but a cache that sees millions of
keys keeps millions of locks: the lock table grows without bound.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

NEGATIVE = "null"  # json.dumps(None): the stored form of "the loader found nothing"


class CacheAside:
    """Read-through cache in Redis in front of ``loader``."""

    def __init__(
        self,
        redis: Any,
        loader: Callable[[str], Any | None],
        ttl: int,
        negative_ttl: int,
    ) -> None:
        if ttl <= 0:
            raise ValueError(f"ttl must be positive, got {ttl}")
        if negative_ttl <= 0:
            raise ValueError(f"negative_ttl must be positive, got {negative_ttl}")
        self._redis = redis
        self._loader = loader
        self._ttl = ttl
        self._negative_ttl = negative_ttl
        self._guard = threading.Lock()  # protects _locks
        self._locks: dict[str, threading.Lock] = {}  # the bug: one lock per key ever seen, forever

    @staticmethod
    def _redis_key(key: str) -> str:
        return f"cache:{key}"

    @contextmanager
    def _key_lock(self, key: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            yield

    def get(self, key: str) -> Any | None:
        redis_key = self._redis_key(key)
        raw = self._redis.get(redis_key)
        if raw is not None:  # a hit, negative or not: falsy values are hits too
            return json.loads(raw)
        with self._key_lock(key):
            # Whoever held the lock before us may have loaded the value meanwhile.
            raw = self._redis.get(redis_key)
            if raw is not None:
                return json.loads(raw)
            value = self._loader(key)  # an exception leaves the cache untouched
            if value is None:
                self._redis.set(redis_key, NEGATIVE, ex=self._negative_ttl)
                return None
            raw = json.dumps(value)
            self._redis.set(redis_key, raw, ex=self._ttl)
            return json.loads(raw)  # exactly what later hits will return

    def invalidate(self, key: str) -> None:
        self._redis.delete(self._redis_key(key))
