"""An asyncio worker pool: bounded, in order, cancellable, with per-job timeouts.

Each job runs in a task of its own, created only when one of the ``size``
slots is free; a job that waits for a slot is an entry in a deque, not a
task. A slot frees when the job's task has ended (its clean-up included), and
the next waiting job starts from a done callback, so nothing polls.

A job's timeout is a timer of the event loop's (``loop.call_later``) that
cancels the job's task, not ``asyncio.wait_for``: on Python 3.10 and 3.11 a
cancel that reaches ``wait_for`` while the timed-out coroutine cleans up makes
it stop waiting for that clean-up, and the deadline of ``asyncio.timeout``
cancels a job again that the caller cancelled already. Either way a task is
cancelled once only, through ``_Job.cancel_task``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")


class PoolClosed(RuntimeError):
    """Raised by ``submit`` and ``map`` once the pool has been closed."""


class _Job:
    """One unit of work: what to call, the future its caller awaits, its task once started."""

    __slots__ = ("args", "cancelled", "fn", "future", "task", "timed_out")

    def __init__(self, fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...]) -> None:
        self.fn = fn
        self.args = args
        self.future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.task: asyncio.Task[None] | None = None
        self.cancelled = False  # its task was cancelled: by the caller or by its deadline
        self.timed_out = False

    def cancel(self) -> None:
        """The caller's cancel: the future is cancelled, and the task if it runs."""
        self.future.cancel()
        self.cancel_task()

    def expire(self) -> None:
        """The deadline: a job that is not being cancelled already is cancelled, and timed out."""
        if not self.cancelled:
            self.timed_out = True
            self.cancel_task()

    def cancel_task(self) -> None:
        """Cancel the task once: a second Task.cancel() would interrupt its clean-up."""
        if self.task is not None and not self.cancelled:
            self.cancelled = True
            self.task.cancel()


class WorkerPool:
    """Runs coroutine functions with at most ``size`` of them running at once.

    Args:
        size: how many jobs may run at the same time; at least 1.
        timeout: seconds each job may run, counted from its start; None for no limit.

    Raises:
        ValueError: ``size`` is not a positive integer, or ``timeout`` is not positive.
    """

    def __init__(self, size: int, *, timeout: float | None = None) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"size must be a positive integer, not {size!r}")
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0
        ):
            raise ValueError(f"timeout must be positive or None, not {timeout!r}")
        self._size = size
        self._timeout = timeout
        self._waiting: deque[_Job] = deque()
        self._running: dict[asyncio.Task[None], _Job] = {}
        self._joiners: list[asyncio.Future[None]] = []
        self._closed = False

    @property
    def size(self) -> int:
        return self._size

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, fn: Callable[..., Awaitable[T]], /, *args: Any) -> asyncio.Future[T]:
        """Queue ``fn(*args)``; the future holds its result, its exception or a TimeoutError.

        Cancelling the future cancels the job: a waiting job never starts, a
        running one is cancelled.
        """
        self._check_open()
        return self._enqueue(fn, args).future

    async def map(self, fn: Callable[[Any], Awaitable[T]], items: Iterable[Any]) -> list[Any]:
        """``fn(item)`` for every item through the pool; results in the items' order.

        A job's exception (a TimeoutError for one that ran too long) is its
        result. When the caller is cancelled, this call's jobs are cancelled,
        waited for, and the CancelledError propagates.
        """
        self._check_open()
        jobs = [self._enqueue(fn, (item,)) for item in list(items)]
        if not jobs:
            return []
        try:
            return list(await asyncio.gather(*(j.future for j in jobs), return_exceptions=True))
        except asyncio.CancelledError:
            for job in jobs:
                job.cancel()
            started = [j.task for j in jobs if j.task is not None and not j.task.done()]
            if started:
                await asyncio.wait(started)
            raise

    def close(self) -> None:
        """Refuse new work; what was submitted still runs. Calling it again does nothing."""
        self._closed = True

    async def join(self) -> None:
        """Wait until no job is waiting or running (every task of the pool has ended)."""
        if not self._waiting and not self._running:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._joiners.append(waiter)
        await waiter

    async def __aenter__(self) -> WorkerPool:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close and drain; when the block raised, cancel the outstanding work first."""
        self.close()
        if exc_type is not None:
            for job in [*self._waiting, *self._running.values()]:
                job.cancel()
            self._waiting.clear()
        await self.join()

    def _check_open(self) -> None:
        if self._closed:
            raise PoolClosed("the pool is closed: it takes no new work")

    def _enqueue(self, fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...]) -> _Job:
        job = _Job(fn, args)
        job.future.add_done_callback(lambda f: job.cancel() if f.cancelled() else None)
        self._waiting.append(job)
        self._start_waiting()
        return job

    def _start_waiting(self) -> None:
        """Start waiting jobs while a slot is free; wake the joiners once idle."""
        while self._waiting and len(self._running) < self._size:
            job = self._waiting.popleft()
            if job.future.done():  # cancelled while it waited
                continue
            job.task = asyncio.get_running_loop().create_task(self._run(job))
            self._running[job.task] = job
            job.task.add_done_callback(self._finished)
        if not self._waiting and not self._running:
            for waiter in self._joiners:
                if not waiter.done():
                    waiter.set_result(None)
            self._joiners.clear()

    def _finished(self, task: asyncio.Task[None]) -> None:
        del self._running[task]
        self._start_waiting()

    async def _run(self, job: _Job) -> None:
        timer = None
        if self._timeout is not None:
            timer = asyncio.get_running_loop().call_later(self._timeout, job.expire)
        try:
            result = await job.fn(*job.args)
        except asyncio.CancelledError:
            if not job.timed_out:
                job.future.cancel()
                raise
            if not job.future.done():
                job.future.set_exception(asyncio.TimeoutError())
        except Exception as exc:
            if not job.future.done():
                job.future.set_exception(exc)
        else:
            if not job.future.done():
                # A timed-out job that swallowed its CancelledError still timed out.
                if job.timed_out:
                    job.future.set_exception(asyncio.TimeoutError())
                else:
                    job.future.set_result(result)
        finally:
            if timer is not None:
                timer.cancel()
