"""Timing workload for the retry-with-backoff kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: the n - 1 delays of an n-try schedule in each
of the three random jitter modes, from a freshly seeded generator each time.
Every delay is O(1) work, so the total grows linearly in n.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    backoff_delays = module.backoff_delays

    def run() -> None:
        for mode in ("full", "equal", "decorrelated"):
            backoff_delays(0.001, 60.0, n, jitter=mode, rng=random.Random(n))

    return run
