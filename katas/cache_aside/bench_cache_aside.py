"""Timing workload for the cache-aside kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: for n keys, an invalidate, a get that misses
and loads, and a get that hits, on an in-process fakeredis. Every call does
the same work; with a constant number of round trips per operation the total
grows linearly in n.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import fakeredis


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    redis = fakeredis.FakeRedis(decode_responses=True)

    def loader(key: str) -> Any:
        return None if key.endswith("7") else {"id": key, "tags": ["a", "b"], "score": 1.5}

    cache = module.CacheAside(redis, loader, ttl=600, negative_ttl=60)
    keys = [f"item:{i}" for i in range(n)]

    def run() -> None:
        for key in keys:
            cache.invalidate(key)
            cache.get(key)
            cache.get(key)

    return run
