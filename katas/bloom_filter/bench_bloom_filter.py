"""Timing workload for the Bloom filter kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: a fresh filter with room to grow (sized for 4n
items at a 1% error rate), n adds, then n lookups (half of them of added
items). With O(k) adds and lookups the total grows linearly in n; a bit array
whose updates cost O(m) makes it quadratic.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    added = [f"user:{i:08d}" for i in range(n)]
    probes = [f"user:{i:08d}" for i in range(n // 2, n // 2 + n)]
    bloom = module.BloomFilter

    def run() -> None:
        bf = bloom(4 * n, 0.01)
        for item in added:
            bf.add(item)
        for item in probes:
            _ = item in bf

    return run
