"""Asyncio worker pool — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- async_pool
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")


class PoolClosed(RuntimeError):
    """Raised by ``submit`` and ``map`` once the pool has been closed."""


class WorkerPool:
    """Runs coroutine functions with at most ``size`` of them running at once.

    Args:
        size: how many jobs may run at the same time; an int (not a bool), at least 1.
        timeout: seconds each job may run, counted from its start (an int or a float,
            ``float("inf")`` included); None for no limit.

    Raises:
        ValueError: ``size`` is not a positive int, or ``timeout`` is not a positive
            number (``nan`` and a bool are not).
    """

    def __init__(self, size: int, *, timeout: float | None = None) -> None:
        raise NotImplementedError

    @property
    def size(self) -> int:
        """How many jobs may run at once."""
        raise NotImplementedError

    @property
    def closed(self) -> bool:
        """Whether ``close()`` has been called."""
        raise NotImplementedError

    def submit(self, fn: Callable[..., Awaitable[T]], /, *args: Any) -> asyncio.Future[T]:
        """Queue ``fn(*args)`` and return at once with a future of its outcome.

        The future holds the job's result, or raises its exception (an
        ``asyncio.TimeoutError`` for a job that ran past the timeout, even if
        its coroutine then returned a value) when awaited. Cancelling the
        future cancels the job. Call it from a coroutine, inside the running
        event loop.

        Raises:
            PoolClosed: the pool has been closed.
        """
        raise NotImplementedError

    async def map(self, fn: Callable[[Any], Awaitable[T]], items: Iterable[Any]) -> list[Any]:
        """Run ``fn(item)`` for every item through the pool; outcomes in the items' order.

        ``items`` is read to the end before any job is queued. A job's
        exception is its outcome, in its slot. When the caller is cancelled,
        this call's jobs are cancelled (each once: one that timed out already
        is not cancelled again) and waited for, and the ``CancelledError``
        propagates.

        Raises:
            PoolClosed: the pool has been closed.
            Exception: whatever reading ``items`` raised (then no job is queued).
        """
        raise NotImplementedError

    def close(self) -> None:
        """Refuse new work from now on; what was queued still runs."""
        raise NotImplementedError

    async def join(self) -> None:
        """Wait until no job is waiting or running."""
        raise NotImplementedError

    async def __aenter__(self) -> WorkerPool:
        raise NotImplementedError

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close and drain the pool; when the block raised, cancel the outstanding work first."""
        raise NotImplementedError
