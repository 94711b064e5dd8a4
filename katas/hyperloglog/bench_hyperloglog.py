"""Timing workload for the HyperLogLog kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n adds (of items already seen after the first
call, which is the same work) into a sketch with 1024 registers, then one
count. With O(1) adds the total grows linearly in n.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    hll = module.HyperLogLog(10)
    items = [f"visitor:{i}" for i in range(n)]

    def run() -> None:
        for item in items:
            hll.add(item)
        hll.count()

    return run
