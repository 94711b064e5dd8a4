"""Reference solution: capped exponential backoff with jitter, and a retry loop.

The exponential term is computed by repeated doubling, capped at every step,
so it never overflows: ``2.0 ** 1024`` raises ``OverflowError``, and a client
that has retried a thousand times must not crash on its next delay. Doubling a
float is exact, so each ceiling is exactly ``min(cap, base * 2**i)``. The four
schedules are looked up in a table, one function each.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


def _validate(base: float, cap: float, attempts: int) -> None:
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    if not 0 < base <= cap:
        raise ValueError(f"need 0 < base <= cap, got base={base}, cap={cap}")


def _ceilings(base: float, cap: float, count: int) -> Iterator[float]:
    """``min(cap, base * 2**i)`` for ``i`` in ``range(count)``, without overflow.

    Doubling a float is exact, and ``min`` keeps ``t`` at most ``cap``, so the
    product never reaches the size where ``2 ** i`` would overflow.
    """
    t = base
    for _ in range(count):
        yield t
        t = min(cap, t * 2)


def _no_jitter(base: float, cap: float, count: int, rng: random.Random) -> list[float]:
    return list(_ceilings(base, cap, count))


def _full_jitter(base: float, cap: float, count: int, rng: random.Random) -> list[float]:
    return [rng.uniform(0, t) for t in _ceilings(base, cap, count)]


def _equal_jitter(base: float, cap: float, count: int, rng: random.Random) -> list[float]:
    return [t / 2 + rng.uniform(0, t / 2) for t in _ceilings(base, cap, count)]


def _decorrelated_jitter(base: float, cap: float, count: int, rng: random.Random) -> list[float]:
    delays = []
    sleep = base
    for _ in range(count):
        sleep = min(cap, rng.uniform(base, sleep * 3))  # the capped value is the next state
        delays.append(sleep)
    return delays


_SCHEDULES = {
    "none": _no_jitter,
    "full": _full_jitter,
    "equal": _equal_jitter,
    "decorrelated": _decorrelated_jitter,
}
JITTER_MODES = tuple(_SCHEDULES)


def backoff_delays(
    base: float,
    cap: float,
    attempts: int,
    jitter: str = "full",
    rng: random.Random | None = None,
) -> list[float]:
    """The ``attempts - 1`` delays to sleep between ``attempts`` tries."""
    schedule = _SCHEDULES.get(jitter)
    if schedule is None:
        raise ValueError(f"unknown jitter {jitter!r}; expected one of {JITTER_MODES}")
    _validate(base, cap, attempts)
    return schedule(base, cap, attempts - 1, rng or random.Random())


def retry(
    fn: Callable[[], T],
    *,
    attempts: int,
    base: float,
    cap: float,
    retry_on: type[BaseException] | tuple[type[BaseException], ...] = (Exception,),
    sleep: Callable[[float], object] = time.sleep,
    rng: random.Random | None = None,
) -> T:
    """Call ``fn`` until it returns, sleeping full-jitter delays between tries.

    Each of the first ``attempts - 1`` tries is followed, when it fails with a
    retryable exception, by one delay; the last try is outside the loop, so
    whatever it raises propagates as it is.
    """
    _validate(base, cap, attempts)
    rng = rng or random.Random()
    for ceiling in _ceilings(base, cap, attempts - 1):
        try:
            return fn()
        except retry_on:
            pass
        sleep(rng.uniform(0, ceiling))
    return fn()
