"""Correct: one dispatcher task takes a semaphore slot, then a job, then starts its task.

The semaphore is acquired *before* a job's task is created, so waiting jobs
stay in an ``asyncio.Queue`` and cost no task; the slot is released in the
job task's ``finally``, after its clean-up. Timeouts are a ``call_later``
that cancels the job's task and marks it timed out, unless the caller has
cancelled it already (a task is cancelled once, so that its clean-up runs
uninterrupted), and ``map`` waits with
``asyncio.wait`` and reads the futures back in order. The dispatcher ends on
a sentinel that ``close()`` queues.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")


class PoolClosed(RuntimeError):
    """Raised by ``submit`` and ``map`` once the pool has been closed."""


class _Job:
    def __init__(self, fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...]) -> None:
        self.fn = fn
        self.args = args
        self.future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.task: asyncio.Task[None] | None = None
        self.timed_out = False
        self.cancelling = False

    def cancel_task(self) -> None:
        if self.task is not None and not self.cancelling:
            self.cancelling = True
            self.task.cancel()


class WorkerPool:
    """Runs coroutine functions with at most ``size`` of them running at once."""

    def __init__(self, size: int, *, timeout: float | None = None) -> None:
        if type(size) is not int or size <= 0:
            raise ValueError("size must be a positive int")
        if timeout is not None and (
            type(timeout) not in (int, float) or not timeout > 0  # nan is not > 0
        ):
            raise ValueError("timeout must be positive")
        self._size = size
        self._timeout = timeout
        self._closed = False
        self._queue: asyncio.Queue[_Job | None] | None = None
        self._slots: asyncio.Semaphore | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._jobs: set[_Job] = set()  # queued and not finished

    @property
    def size(self) -> int:
        return self._size

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, fn: Callable[..., Awaitable[T]], /, *args: Any) -> asyncio.Future[T]:
        if self._closed:
            raise PoolClosed("closed")
        return self._put(fn, args).future

    async def map(self, fn: Callable[[Any], Awaitable[T]], items: Iterable[Any]) -> list[Any]:
        if self._closed:
            raise PoolClosed("closed")
        jobs = [self._put(fn, (item,)) for item in list(items)]
        if not jobs:
            return []
        try:
            await asyncio.wait([j.future for j in jobs])
        except asyncio.CancelledError:
            for job in jobs:
                job.future.cancel()
                job.cancel_task()
            started = [j.task for j in jobs if j.task is not None and not j.task.done()]
            if started:
                await asyncio.wait(started)
            raise
        outcomes: list[Any] = []
        for job in jobs:
            if job.future.cancelled():
                outcomes.append(asyncio.CancelledError())
            else:
                error = job.future.exception()
                outcomes.append(error if error is not None else job.future.result())
        return outcomes

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self._queue is not None:
                self._queue.put_nowait(None)

    async def join(self) -> None:
        if self._queue is None:
            return
        await self._queue.join()
        if self._closed and self._dispatcher is not None:
            await asyncio.wait([self._dispatcher])

    async def __aenter__(self) -> WorkerPool:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
        if exc_type is not None:
            for job in list(self._jobs):
                job.future.cancel()
                job.cancel_task()
        await self.join()

    def _put(self, fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...]) -> _Job:
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._slots = asyncio.Semaphore(self._size)
            self._dispatcher = asyncio.get_running_loop().create_task(self._dispatch())
        job = _Job(fn, args)

        def on_done(future: asyncio.Future[Any]) -> None:
            if future.cancelled():
                job.cancel_task()

        job.future.add_done_callback(on_done)
        self._jobs.add(job)
        self._queue.put_nowait(job)
        return job

    async def _dispatch(self) -> None:
        assert self._queue is not None and self._slots is not None
        while True:
            await self._slots.acquire()
            job = await self._queue.get()
            if job is None:
                self._slots.release()
                self._queue.task_done()
                return
            if job.future.done():  # cancelled while it waited
                self._slots.release()
                self._jobs.discard(job)
                self._queue.task_done()
                continue
            job.task = asyncio.get_running_loop().create_task(self._run(job))

    async def _run(self, job: _Job) -> None:
        assert self._queue is not None and self._slots is not None
        timer = None
        if self._timeout is not None:

            def expire() -> None:
                if not job.cancelling:
                    job.timed_out = True
                    job.cancel_task()

            timer = asyncio.get_running_loop().call_later(self._timeout, expire)
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
            if job.timed_out:  # it swallowed the timeout's CancelledError
                if not job.future.done():
                    job.future.set_exception(asyncio.TimeoutError())
            elif not job.future.done():
                job.future.set_result(result)
        finally:
            if timer is not None:
                timer.cancel()
            self._jobs.discard(job)
            self._slots.release()
            self._queue.task_done()
