"""Reference solution: three rate limiters whose state lives in Redis.

Every check-and-update is one atomic step on the server, so any number of
threads or processes sharing the Redis see a consistent count:

- the fixed window needs nothing more than INCR (atomic on its own) sent in a
  MULTI/EXEC block together with the cleanup PEXPIRE;
- the sliding log and the token bucket read, decide and write, so each runs
  as one Lua script (``register_script`` sends it with EVALSHA).

The client's clock (``time.time()``) decides which window or instant a request
belongs to, and it reaches the scripts as an argument. Key expiry is only for
cleanup: every TTL outlives the data's usefulness, so whether the server
expires a key on time, late or never changes no verdict.
"""

from __future__ import annotations

import math
import time
import uuid
from typing import Any

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


def _ttl_ms(seconds: float) -> int:
    """A cleanup TTL that lasts until the data stops mattering, rounded up to the millisecond."""
    return math.ceil(seconds * 1000)


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
        pipe = self._redis.pipeline()  # transaction=True: MULTI ... EXEC
        pipe.incr(counter)
        pipe.pexpire(counter, self._ttl)
        count, _ = pipe.execute()
        return int(count) <= self._limit


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
