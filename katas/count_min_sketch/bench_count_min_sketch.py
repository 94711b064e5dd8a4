"""Timing workload for the count-min sketch kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: a fresh heavy-hitters tracker (φ = 0.01 over a
272 × 5 sketch) fed a seeded Zipf-like stream of n items, then asked for its
heavy hitters, and a conservative sketch fed the same stream. Every call does
the same work: linear in n.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    rng = random.Random(n)
    weights = [1 / k for k in range(1, 2001)]
    stream = [f"user:{k}" for k in rng.choices(range(2000), weights=weights, k=n)]

    def run() -> None:
        hh = module.HeavyHitters(0.01, 0.01, 0.01)
        cms = module.CountMinSketch(0.01, 0.01, conservative=True)
        for item in stream:
            hh.add(item)
            cms.add(item)
        hh.heavy_hitters()

    return run
