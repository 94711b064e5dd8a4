"""Timing workload for the W3C Trace Context kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n ``traceparent`` headers parsed and written
back, and n ``tracestate`` headers of eight members parsed and written back.
Every header has a bounded size, so the total grows linearly in n.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    rng = random.Random(n)
    traceparents = [
        f"00-{rng.getrandbits(128) | 1:032x}-{rng.getrandbits(64) | 1:016x}-0{rng.choice('01')}"
        for _ in range(n)
    ]
    tracestates = [
        ",".join(f"vendor{j}@sys{i % 7}={rng.getrandbits(48):012x}" for j in range(8))
        for i in range(n)
    ]

    def run() -> None:
        for header in traceparents:
            module.format_traceparent(module.parse_traceparent(header))
        for header in tracestates:
            module.format_tracestate(module.parse_tracestate(header))

    return run
