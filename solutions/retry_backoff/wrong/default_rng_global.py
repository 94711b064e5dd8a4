"""Wrong: without ``rng`` the module-level ``random`` is used, so ``random.seed()`` decides it."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

JITTER_MODES = ("none", "full", "equal", "decorrelated")


def _validate(base: float, cap: float, attempts: int) -> None:
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    if not 0 < base <= cap:
        raise ValueError(f"need 0 < base <= cap, got base={base}, cap={cap}")


def _capped_exponentials(base: float, cap: float, count: int) -> list[float]:
    """``[min(cap, base * 2**i) for i in range(count)]`` without overflow."""
    out = []
    t = base
    for _ in range(count):
        out.append(min(cap, t))
        if t < cap:
            t *= 2
    return out


def backoff_delays(
    base: float,
    cap: float,
    attempts: int,
    jitter: str = "full",
    rng: random.Random | None = None,
) -> list[float]:
    """The ``attempts - 1`` delays to sleep between ``attempts`` tries."""
    if jitter not in JITTER_MODES:
        raise ValueError(f"unknown jitter {jitter!r}; expected one of {JITTER_MODES}")
    _validate(base, cap, attempts)
    if rng is None:
        rng = random  # type: ignore[assignment]
    count = attempts - 1

    if jitter == "decorrelated":
        delays = []
        sleep = base
        for _ in range(count):
            sleep = min(cap, rng.uniform(base, sleep * 3))
            delays.append(sleep)
        return delays

    ceilings = _capped_exponentials(base, cap, count)
    if jitter == "none":
        return ceilings
    if jitter == "full":
        return [rng.uniform(0, t) for t in ceilings]
    return [t / 2 + rng.uniform(0, t / 2) for t in ceilings]  # "equal"


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
    """Call ``fn`` until it returns, sleeping full-jitter delays between tries."""
    _validate(base, cap, attempts)
    if rng is None:
        rng = random  # type: ignore[assignment]
    ceiling = base
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except retry_on:
            if attempt == attempts:
                raise
        sleep(rng.uniform(0, min(cap, ceiling)))
        if ceiling < cap:
            ceiling *= 2
    raise AssertionError("unreachable: the last attempt returns or raises")
