"""Wrong: the open timer starts when the failing call started, not when it failed.

The call notes the time it was let through and the breaker uses it as the
moment it opened: a call that fails after a long wait opens a breaker whose
reset_timeout has already partly (or wholly) run out.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class CircuitOpenError(Exception):
    """Raised by ``CircuitBreaker.call`` when the breaker rejects a call
    without running it."""


class CircuitBreaker:
    def __init__(
        self, failure_threshold: int, reset_timeout: float, half_open_max_calls: int = 1
    ) -> None:
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold must be at least 1, got {failure_threshold}")
        if reset_timeout <= 0:
            raise ValueError(f"reset_timeout must be positive, got {reset_timeout}")
        if half_open_max_calls < 1:
            raise ValueError(f"half_open_max_calls must be at least 1, got {half_open_max_calls}")
        self._failure_threshold = failure_threshold
        self._reset_timeout = reset_timeout
        self._half_open_max_calls = half_open_max_calls
        self._lock = threading.Lock()
        self._state = CLOSED
        self._generation = 0
        self._failures = 0  # consecutive failures while closed
        self._opened_at = 0.0
        self._trials_started = 0  # while half-open
        self._trials_succeeded = 0

    # --- transitions; the lock is held ---------------------------------------------------

    def _enter(self, state: str, since: float | None = None) -> None:
        self._state = state
        self._generation += 1
        self._failures = 0
        self._trials_started = self._trials_succeeded = 0
        if state == OPEN:
            self._opened_at = time.monotonic() if since is None else since

    def _current(self) -> str:
        if self._state == OPEN and time.monotonic() - self._opened_at >= self._reset_timeout:
            self._enter(HALF_OPEN)
        return self._state

    def _admit(self) -> int:
        """Let a call through or raise CircuitOpenError; return the generation."""
        state = self._current()
        if state == OPEN:
            raise CircuitOpenError("circuit open: call rejected")
        if state == HALF_OPEN:
            if self._trials_started >= self._half_open_max_calls:
                raise CircuitOpenError("circuit half-open: all trial calls are in flight")
            self._trials_started += 1
        return self._generation

    def _record(self, generation: int, success: bool, started: float = 0.0) -> None:
        if generation != self._generation:
            return  # the breaker moved on while this call ran
        if self._state == CLOSED:
            self._failures = 0 if success else self._failures + 1
            if self._failures >= self._failure_threshold:
                self._enter(OPEN, started)
        elif self._state == HALF_OPEN:
            if not success:
                self._enter(OPEN, started)
            else:
                self._trials_succeeded += 1
                if self._trials_succeeded >= self._half_open_max_calls:
                    self._enter(CLOSED)

    # --- public API ----------------------------------------------------------------------

    @property
    def state(self) -> str:
        with self._lock:
            return self._current()

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self._lock:
            generation = self._admit()
            started = time.monotonic()
        try:
            result = fn(*args, **kwargs)
        except BaseException:
            with self._lock:
                self._record(generation, success=False, started=started)
            raise
        with self._lock:
            self._record(generation, success=True)
        return result
