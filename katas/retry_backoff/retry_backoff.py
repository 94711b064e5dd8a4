"""Retries with exponential backoff and jitter — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- retry_backoff
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def backoff_delays(
    base: float,
    cap: float,
    attempts: int,
    jitter: str = "full",
    rng: random.Random | None = None,
) -> list[float]:
    """The delays to sleep between ``attempts`` tries: a list of ``attempts - 1`` floats.

    With ``t_i = min(cap, base * 2**i)`` (computed without overflow), delay ``i`` is:

    - ``"none"``: ``t_i``
    - ``"full"``: ``rng.uniform(0, t_i)``
    - ``"equal"``: ``t_i / 2 + rng.uniform(0, t_i / 2)``
    - ``"decorrelated"``: ``sleep = min(cap, rng.uniform(base, sleep * 3))``,
      starting from ``sleep = base``.

    Each random delay is exactly one ``rng.uniform`` call, in order.

    Args:
        base: the first delay ceiling, in seconds.
        cap: the largest delay ever returned.
        attempts: the total number of tries, the first one included.
        jitter: ``"none"``, ``"full"``, ``"equal"`` or ``"decorrelated"``.
        rng: the randomness source; ``None`` means a fresh ``random.Random()``.

    Raises:
        ValueError: unknown ``jitter``, ``attempts`` below 1, or not ``0 < base <= cap``.
    """
    raise NotImplementedError


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
    """Call ``fn()`` until it returns, at most ``attempts`` times, and return its value.

    After a failed try that raised an instance of ``retry_on``, sleep the next
    ``"full"`` jitter delay (via ``sleep``) and try again. When the last try
    fails, re-raise its exception; never sleep after the last try. Exceptions
    not in ``retry_on`` propagate at once.

    Raises:
        ValueError: ``attempts`` below 1, or not ``0 < base <= cap`` (before calling ``fn``).
    """
    raise NotImplementedError
