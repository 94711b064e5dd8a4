"""Correct: each state period is an object of its own; a call keeps the period it was let in.

Every transition replaces the breaker's current ``_Period`` with a new one
(its state, when it began, its counters). A call holds on to the period that
admitted it and records its outcome only if that period is still current:
identity stands in for a generation counter. The lock is an ``RLock`` held
around admission and around recording, never while ``fn`` runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


class CircuitOpenError(Exception):
    """Raised by ``CircuitBreaker.call`` when the breaker rejects a call
    without running it."""


@dataclass(eq=False)
class _Period:
    state: str
    began: float
    failures: int = 0  # consecutive, while closed
    admitted: int = 0  # trial calls let through, while half-open
    succeeded: int = 0


class CircuitBreaker:
    def __init__(
        self, failure_threshold: int, reset_timeout: float, half_open_max_calls: int = 1
    ) -> None:
        if failure_threshold < 1 or reset_timeout <= 0 or half_open_max_calls < 1:
            raise ValueError(
                "need failure_threshold >= 1, reset_timeout > 0 and half_open_max_calls >= 1"
            )
        self._threshold = failure_threshold
        self._timeout = reset_timeout
        self._trials = half_open_max_calls
        self._lock = threading.RLock()
        self._period = _Period("closed", time.monotonic())

    def _now_period(self) -> _Period:
        period = self._period
        if period.state == "open":
            now = time.monotonic()
            if now - period.began >= self._timeout:
                period = self._period = _Period("half_open", now)
        return period

    @property
    def state(self) -> str:
        with self._lock:
            return self._now_period().state

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self._lock:
            period = self._now_period()
            if period.state == "open" or (
                period.state == "half_open" and period.admitted == self._trials
            ):
                raise CircuitOpenError(f"circuit {period.state}: call rejected")
            if period.state == "half_open":
                period.admitted += 1
        try:
            result = fn(*args, **kwargs)
        except BaseException:
            self._finished(period, ok=False)
            raise
        self._finished(period, ok=True)
        return result

    def _finished(self, period: _Period, ok: bool) -> None:
        with self._lock:
            if period is not self._period:
                return  # a late outcome from a period that is over
            if period.state == "closed":
                period.failures = 0 if ok else period.failures + 1
                if period.failures == self._threshold:
                    self._period = _Period("open", time.monotonic())
            elif not ok:
                self._period = _Period("open", time.monotonic())
            else:
                period.succeeded += 1
                if period.succeeded == self._trials:
                    self._period = _Period("closed", time.monotonic())
