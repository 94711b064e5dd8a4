"""Timing workload for the circuit breaker kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n calls through a closed breaker, alternating
success and failure so the breaker counts and resets but never opens. Each
call costs O(1), so the total grows linearly in n.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from types import ModuleType


class _Down(Exception):
    pass


def _ok(x: int) -> int:
    return x


def _fail(x: int) -> int:
    raise _Down(x)


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    breaker = module.CircuitBreaker(failure_threshold=3, reset_timeout=60.0)
    call = breaker.call

    def run() -> None:
        for i in range(0, n, 2):
            call(_ok, i)
            with contextlib.suppress(_Down):
                call(_fail, i)

    return run
