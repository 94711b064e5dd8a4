"""Wrong: the fixed window uses WATCH/MULTI/EXEC but denies a request whose EXEC failed.

Optimistic locking never lets two requests both take the last slot, so no
limit is ever exceeded; but a failed EXEC only means another request wrote
first: denying it turns every lost race into a wrong "rate limited".
"""

from __future__ import annotations

import math
import time
import uuid
from typing import Any

from redis.exceptions import WatchError

# KEYS[1] the log (a sorted set: member = request id, score = time)
# ARGV: cutoff (entries with score <= cutoff are out of the window), limit,
#       now, request id, cleanup TTL in ms
_SLIDING_LOG = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
    redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
    redis.call('PEXPIRE', KEYS[1], ARGV[5])
    return 1
end
return 0
"""

# KEYS[1] the bucket (a hash: tokens, ts)
# ARGV: now, capacity, refill per second, cleanup TTL in ms
_TOKEN_BUCKET = """
local now = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local rate = tonumber(ARGV[3])
local tokens, ts = capacity, now
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
if state[1] then
    tokens, ts = tonumber(state[1]), tonumber(state[2])
    if now > ts then
        tokens = math.min(capacity, tokens + (now - ts) * rate)
        ts = now
    end
end
local allowed = 0
if tokens >= 1 then
    tokens = tokens - 1
    allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', ts)  -- numbers go over as %.17g
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return allowed
"""

_MARGIN_MS = 1000  # cleanup TTLs run this much past the moment the data stops mattering


def _ttl_ms(seconds: float) -> int:
    return math.ceil(seconds * 1000) + _MARGIN_MS


class FixedWindowLimiter:
    """At most ``limit`` allowed requests per key in each window of ``window`` seconds."""

    def __init__(self, redis: Any, limit: int, window: float) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        if window <= 0:
            raise ValueError(f"window must be positive, got {window}")
        self._redis = redis
        self._limit = limit
        self._window = window
        self._ttl = _ttl_ms(window)

    def allow(self, key: str) -> bool:
        index = math.floor(time.time() / self._window)
        counter = f"ratelimit:fixed:{key}:{index}"
        with self._redis.pipeline() as pipe:
            pipe.watch(counter)
            if int(pipe.get(counter) or 0) >= self._limit:
                return False
            pipe.multi()
            pipe.incr(counter)
            pipe.pexpire(counter, self._ttl)
            try:
                pipe.execute()
            except WatchError:
                return False  # the bug: someone else wrote first, but there may be room left
        return True


class SlidingWindowLogLimiter:
    """At most ``limit`` allowed requests per key in any ``window`` seconds."""

    def __init__(self, redis: Any, limit: int, window: float) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        if window <= 0:
            raise ValueError(f"window must be positive, got {window}")
        self._limit = limit
        self._window = window
        self._ttl = _ttl_ms(window)
        self._script = redis.register_script(_SLIDING_LOG)

    def allow(self, key: str) -> bool:
        now = time.time()
        # Floats go over as repr(): the shortest text that reads back as the same double.
        args = [repr(now - self._window), self._limit, repr(now), uuid.uuid4().hex, self._ttl]
        return self._script(keys=[f"ratelimit:log:{key}"], args=args) == 1


class TokenBucketLimiter:
    """A bucket of ``capacity`` tokens per key, refilled at ``refill_per_sec``."""

    def __init__(self, redis: Any, capacity: int, refill_per_sec: float) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        if refill_per_sec <= 0:
            raise ValueError(f"refill_per_sec must be positive, got {refill_per_sec}")
        self._capacity = capacity
        self._rate = refill_per_sec
        # An untouched bucket is full again after capacity / rate seconds, and a
        # missing key means a full bucket: after that the key may go.
        self._ttl = _ttl_ms(capacity / refill_per_sec)
        self._script = redis.register_script(_TOKEN_BUCKET)

    def allow(self, key: str) -> bool:
        args = [repr(time.time()), self._capacity, repr(self._rate), self._ttl]
        return self._script(keys=[f"ratelimit:bucket:{key}"], args=args) == 1
