"""Timing workload for the distributed lock kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n rounds of acquire (taking a fencing token),
extend and release over a few lock names, on an in-process fakeredis. Every
call does the same work; with one round trip per operation the total grows
linearly in n.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import fakeredis


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    redis = fakeredis.FakeRedis(decode_responses=True)
    locks = [module.RedisLock(redis, f"job:{i}", ttl_ms=60_000) for i in range(8)]

    def run() -> None:
        for i in range(n):
            lock = locks[i % len(locks)]
            lock.acquire(blocking=False)
            lock.extend(30_000)
            lock.release()

    return run
