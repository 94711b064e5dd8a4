"""Timing workload for the rate limiter kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns. The set-up writes a sliding log of n recent
requests for one key straight into ``ratelimit:log:<key>`` (its documented
shape) and makes the limit n, so the log is full. The timed callable then
makes 32 requests through the sliding log (and 8 each through the fixed
window and the token bucket), all denied, on an in-process fakeredis:
denied requests change nothing, so every call does the same work. With
O(log n) server work per request the time barely grows with the log's size;
a log read whole into Python on every request grows linearly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import ModuleType

import fakeredis

REQUESTS = 32


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    redis = fakeredis.FakeRedis(decode_responses=True)
    key = "client:42"
    now = time.time()
    redis.zadd(f"ratelimit:log:{key}", {f"req:{i}": now - i * 0.001 for i in range(n)})
    redis.pexpire(f"ratelimit:log:{key}", 7_200_000)
    log = module.SlidingWindowLogLimiter(redis, limit=n, window=3600)
    fixed = module.FixedWindowLimiter(redis, limit=1, window=3600)
    bucket = module.TokenBucketLimiter(redis, capacity=1, refill_per_sec=0.0001)
    fixed.allow(key)
    bucket.allow(key)

    def run() -> None:
        for i in range(REQUESTS):
            log.allow(key)
            if i % 4 == 0:
                fixed.allow(key)
                bucket.allow(key)

    return run
