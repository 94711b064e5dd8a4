"""Timing workload for the LRU cache kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n puts into a full cache of capacity n (each
evicting the least recently used key) and n gets. With O(1) operations the
total grows linearly in n.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from types import ModuleType


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    cache = module.LRUCache(n)
    for key in range(n):
        cache.put(key, key)
    keys = itertools.count(n)
    half = n // 2

    def run() -> None:
        for _ in range(n):
            key = next(keys)
            cache.put(key, key)
            cache.get(key - half)

    return run
