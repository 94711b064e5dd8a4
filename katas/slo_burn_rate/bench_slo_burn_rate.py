"""Timing workload for the SLO burn-rate alerts kata.

The grader calls ``workload(module, n)`` and times the callable it returns: a
monitor built over a seeded log of n requests spread over a week (with an
incident), then the firing alerts and the budget remaining at n / 16 evaluation
times. With sorted timestamps and prefix sums the whole is O(n log n); a scan
of the log per query makes it quadratic.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    rng = random.Random(n)
    span = 7 * module.DAY
    incident = (3 * module.DAY, 3 * module.DAY + 2 * module.HOUR)
    log = []
    for _ in range(n):
        t = rng.randrange(span)
        p = 0.05 if incident[0] <= t < incident[1] else 0.0005
        log.append((t, rng.random() >= p))
    times = [rng.randrange(span) for _ in range(n // 16)]

    def run() -> None:
        monitor = module.SLOMonitor(log, slo=0.999)
        for t in times:
            monitor.firing(t)
            monitor.budget_remaining(t)

    return run
