"""Timing workload for the Bloom filter kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: a fresh filter with room to grow (sized for 64n
items at a 1% error rate, so m is about 614n bits), n adds, then n lookups
(half of them of added items). With O(k) adds and lookups the total grows
linearly in n; a bit set whose updates cost O(m) — a Python int, where
``bits |= 1 << p`` copies all m bits — makes it quadratic.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

ROOM = 64
"""Capacity over items added: m grows with n, and an O(m) update shows at small n."""


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    added = [f"user:{i:08d}" for i in range(n)]
    probes = [f"user:{i:08d}" for i in range(n // 2, n // 2 + n)]
    bloom = module.BloomFilter

    def run() -> None:
        bf = bloom(ROOM * n, 0.01)
        for item in added:
            bf.add(item)
        for item in probes:
            _ = item in bf

    return run
