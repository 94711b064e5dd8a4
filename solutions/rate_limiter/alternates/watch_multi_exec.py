"""Correct: optimistic locking for all three limiters: WATCH, read, MULTI … EXEC, retry.

No Lua: each request watches its key, reads the state, decides in Python and
writes in a MULTI/EXEC block that fails if another client wrote the key
since the WATCH. redis-py's ``Redis.transaction`` runs that loop and starts
over from the WATCH on ``WatchError``: a lost race is retried, never denied.
"""

from __future__ import annotations

import math
import time
import uuid
from typing import Any

_SLACK_MS = 2000  # cleanup TTLs outlive the data's usefulness by this much


class FixedWindowLimiter:
    """At most ``limit`` allowed requests per key in each window of ``window`` seconds."""

    def __init__(self, redis: Any, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError(f"limit must be >= 1 and window > 0, got {limit}, {window}")
        self._redis, self._limit, self._window = redis, limit, window

    def allow(self, key: str) -> bool:
        window = int(time.time() // self._window)
        counter = f"ratelimit:fixed:{key}:{window}"
        ttl_ms = math.ceil(self._window * 1000) + _SLACK_MS

        def attempt(pipe: Any) -> bool:
            count = int(pipe.get(counter) or 0)
            pipe.multi()
            if count >= self._limit:
                return False  # an empty MULTI/EXEC: nothing to write
            pipe.incr(counter)
            pipe.pexpire(counter, ttl_ms)
            return True

        return self._redis.transaction(attempt, counter, value_from_callable=True)


class SlidingWindowLogLimiter:
    """At most ``limit`` allowed requests per key in any ``window`` seconds."""

    def __init__(self, redis: Any, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError(f"limit must be >= 1 and window > 0, got {limit}, {window}")
        self._redis, self._limit, self._window = redis, limit, window

    def allow(self, key: str) -> bool:
        log = f"ratelimit:log:{key}"
        now = time.time()
        cutoff = now - self._window
        ttl_ms = math.ceil(self._window * 1000) + _SLACK_MS

        def attempt(pipe: Any) -> bool:
            # Entries still counting: score in (now - window, +inf), an O(log n) count.
            live = pipe.zcount(log, f"({cutoff!r}", "+inf")
            pipe.multi()
            pipe.zremrangebyscore(log, "-inf", repr(cutoff))
            if live >= self._limit:
                return False
            pipe.zadd(log, {uuid.uuid4().hex: now})
            pipe.pexpire(log, ttl_ms)
            return True

        return self._redis.transaction(attempt, log, value_from_callable=True)


class TokenBucketLimiter:
    """A bucket of ``capacity`` tokens per key, refilled at ``refill_per_sec``."""

    def __init__(self, redis: Any, capacity: int, refill_per_sec: float) -> None:
        if capacity < 1 or refill_per_sec <= 0:
            raise ValueError(f"need capacity >= 1 and rate > 0, got {capacity}, {refill_per_sec}")
        self._redis, self._capacity, self._rate = redis, capacity, refill_per_sec
        self._ttl_ms = math.ceil(capacity / refill_per_sec * 1000) + _SLACK_MS

    def allow(self, key: str) -> bool:
        bucket = f"ratelimit:bucket:{key}"
        now = time.time()

        def attempt(pipe: Any) -> bool:
            tokens, ts = pipe.hmget(bucket, "tokens", "ts")
            if tokens is None:
                level, last = float(self._capacity), now
            else:
                level, last = float(tokens), float(ts)
                if now > last:
                    level = min(self._capacity, level + (now - last) * self._rate)
                    last = now
            allowed = level >= 1
            pipe.multi()
            pipe.hset(bucket, mapping={"tokens": repr(level - allowed), "ts": repr(last)})
            pipe.pexpire(bucket, self._ttl_ms)
            return allowed

        return self._redis.transaction(attempt, bucket, value_from_callable=True)
