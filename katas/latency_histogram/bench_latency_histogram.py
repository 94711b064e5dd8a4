"""Timing workload for the latency histogram kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n observations into a histogram with n bucket
bounds (each observation a bucket lookup, O(log n) by binary search), three
quantile estimates (O(n) each) and an exact percentile of the n values (a
sort). The total grows as n log n; a linear scan per observation makes it
quadratic.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    bounds = [0.001 * (i + 1) for i in range(n)]
    rng = random.Random(n)
    values = [rng.uniform(0.0, 0.0011 * n) for _ in range(n)]
    hist = module.Histogram(bounds)

    def run() -> None:
        for value in values:
            hist.observe(value)
        for q in (0.5, 0.9, 0.99):
            hist.quantile(q)
        module.percentile(values, 0.99)

    return run
