"""Circuit breaker — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- circuit_breaker
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class CircuitOpenError(Exception):
    """Raised by ``CircuitBreaker.call`` when the breaker rejects a call
    without running it."""


class CircuitBreaker:
    """Stops calling a failing dependency, and probes it again after a pause.

    Args:
        failure_threshold: consecutive failures that open the breaker; at least 1.
        reset_timeout: seconds the breaker stays open before it lets trial
            calls through; positive.
        half_open_max_calls: trial calls let through while half-open, and the
            number of them that must succeed to close; at least 1.

    Raises:
        ValueError: an argument out of range.
    """

    def __init__(
        self, failure_threshold: int, reset_timeout: float, half_open_max_calls: int = 1
    ) -> None:
        raise NotImplementedError

    @property
    def state(self) -> str:
        """``"closed"``, ``"open"`` or ``"half_open"`` — as of now.

        An open breaker whose ``reset_timeout`` has passed reads ``"half_open"``.
        """
        raise NotImplementedError

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` through the breaker and return its result.

        An exception raised by ``fn`` counts as a failure and propagates
        unchanged.

        Raises:
            CircuitOpenError: the breaker is open, or half-open with all its
                trial calls already let through; ``fn`` is not called.
        """
        raise NotImplementedError
