"""Correct: the exponent at which the ceiling reaches the cap is found once, up front.

``k`` is the first exponent with ``base * 2**k >= cap``; from there on every
ceiling is ``cap``, so ``2**i`` is never formed for a large ``i`` and nothing
overflows. Below ``k`` the ceiling is ``base * 2**i`` exactly. ``retry`` draws
its delays one at a time from the same function.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def _check(base: float, cap: float, attempts: int) -> None:
    if attempts < 1 or not 0 < base <= cap:
        raise ValueError("need attempts >= 1 and 0 < base <= cap")


def _cap_exponent(base: float, cap: float) -> int:
    k = 0
    while base * 2**k < cap:
        k += 1
    return k


def _ceiling(base: float, cap: float, k: int, i: int) -> float:
    return cap if i >= k else base * 2**i


def backoff_delays(
    base: float,
    cap: float,
    attempts: int,
    jitter: str = "full",
    rng: random.Random | None = None,
) -> list[float]:
    if jitter not in {"none", "full", "equal", "decorrelated"}:
        raise ValueError(f"unknown jitter {jitter!r}")
    _check(base, cap, attempts)
    draw = (rng or random.Random()).uniform
    k = _cap_exponent(base, cap)
    delays: list[float] = []
    previous = base
    for i in range(attempts - 1):
        t = _ceiling(base, cap, k, i)
        if jitter == "none":
            delays.append(t)
        elif jitter == "full":
            delays.append(draw(0, t))
        elif jitter == "equal":
            delays.append(t / 2 + draw(0, t / 2))
        else:
            previous = min(cap, draw(base, previous * 3))
            delays.append(previous)
    return delays


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
    _check(base, cap, attempts)
    draw = (rng or random.Random()).uniform
    k = _cap_exponent(base, cap)
    tries = 0
    while True:
        try:
            return fn()
        except retry_on:
            if tries == attempts - 1:
                raise
        sleep(draw(0, _ceiling(base, cap, k, tries)))
        tries += 1
