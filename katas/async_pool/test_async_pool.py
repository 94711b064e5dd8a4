"""Tests for the asyncio worker pool kata.

The rules are those of the Python documentation's "Coroutines and Tasks"
(https://docs.python.org/3/library/asyncio-task.html): Task cancellation
("CancelledError ... should generally be propagated when clean-up is
complete"), gather(return_exceptions=True), wait_for and Timeouts.

Every ordering is forced, never raced: each job of the tests is an
instrumented coroutine that waits on a future the test resolves, and counts
how many jobs run at once. Timeouts run on an event loop whose clock is
virtual (``VirtualClockLoop``): when every task waits, the clock jumps to the
next timer, so a 10-second job takes no real time and "which timer fires
first" is decided by the deadlines alone. After each test's coroutine
returns, ``asyncio.all_tasks()`` must be empty: a task still pending then was
leaked.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import selectors
import weakref
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest

from async_pool import PoolClosed, WorkerPool


class Deadlock(Exception):
    """Every task waits, and no timer is due: nothing can ever happen again."""


class _VirtualSelector(selectors.DefaultSelector):
    """A selector that, instead of sleeping until the next timer, moves the clock there."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[Any]:
        if timeout is None:  # no timer at all: only another thread could wake the loop
            events = super().select(0.5)
            if not events:
                raise Deadlock(
                    "every task is waiting and no timer is due: something awaits a future,"
                    " an event or a task that nothing will ever complete"
                )
            return events
        if timeout > 0:
            self.now += timeout
        return super().select(0)


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose ``time()`` is virtual: it advances only when every task waits."""

    def __init__(self) -> None:
        self._virtual = _VirtualSelector()
        super().__init__(self._virtual)

    def time(self) -> float:
        return self._virtual.now


def _log_in_one_line(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Log what asyncio reports (an exception never retrieved, a callback that raised) in a line.

    asyncio's default handler formats the exception's traceback, and it runs when the garbage
    collector finalizes a forgotten future: that can happen while pytest parses a test's source
    to show a failure, and on Python 3.11 a parse inside a parse breaks pytest itself
    (``INTERNALERROR … SystemError: AST constructor recursion depth mismatch``).
    """
    error = context.get("exception")
    detail = f": {error!r}" if error is not None else ""
    logging.getLogger("asyncio").error("%s%s", context.get("message", "asyncio error"), detail)


def run(main: Callable[[], Coroutine[Any, Any, Any]], *, if_stuck: str = "") -> Any:
    """Run ``main()`` on a fresh virtual-clock loop; fail if it leaves a task behind.

    ``if_stuck`` says what the test was waiting for, should every task wait forever.
    """
    loop = VirtualClockLoop()
    loop.set_exception_handler(_log_in_one_line)
    try:
        try:
            result = loop.run_until_complete(main())
        except Deadlock as stuck:
            if not if_stuck:
                raise
            raise AssertionError(f"{if_stuck} ({stuck})") from None
        leaked = asyncio.all_tasks(loop)
        names = sorted(t.get_coro().__qualname__ for t in leaked)  # type: ignore[union-attr]
        assert not leaked, (
            f"tasks still pending after the test's coroutine returned (leaked): {names}"
        )
        return result
    finally:
        leftovers = asyncio.all_tasks(loop)
        for task in leftovers:
            task.cancel()
        if leftovers:
            with contextlib.suppress(Deadlock):
                loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
        loop.close()
        gc.collect()  # the futures this test forgot are finalized now, in the test


async def settle() -> None:
    """Let every task run until it waits (no virtual time passes)."""
    for _ in range(30):
        await asyncio.sleep(0)


def now() -> float:
    return asyncio.get_running_loop().time()


class Probe:
    """Instrumented jobs: each waits on a future of the test's, and reports what happens."""

    def __init__(self) -> None:
        self.running = 0
        self.peak = 0
        self.log: list[tuple[str, Any]] = []
        self.gates: dict[Any, asyncio.Future[Any]] = {}

    def gate(self, key: Any) -> asyncio.Future[Any]:
        if key not in self.gates:
            self.gates[key] = asyncio.get_running_loop().create_future()
        return self.gates[key]

    def release(self, key: Any, value: Any = None) -> None:
        self.gate(key).set_result(value if value is not None else f"done {key}")

    def started(self) -> list[Any]:
        return [k for event, k in self.log if event == "start"]

    def events(self, key: Any) -> list[str]:
        return [event for event, k in self.log if k == key]

    async def job(self, key: Any, cleanup: float = 0.0) -> Any:
        """Runs until the test releases ``key`` (its value is the job's result).

        A cancelled one takes ``cleanup`` seconds of virtual time to clean up.
        """
        self.running += 1
        self.peak = max(self.peak, self.running)
        self.log.append(("start", key))
        try:
            return await self.gate(key)
        except asyncio.CancelledError:
            self.log.append(("cancelled", key))
            await asyncio.sleep(cleanup)
            raise
        finally:
            self.running -= 1
            self.log.append(("end", key))

    async def sleeper(self, seconds: float, cleanup: float = 0.0) -> str:
        """Sleeps ``seconds`` of virtual time; a cancelled one takes ``cleanup`` to clean up."""
        self.running += 1
        self.peak = max(self.peak, self.running)
        self.log.append(("start", seconds))
        try:
            await asyncio.sleep(seconds)
            return f"slept {seconds}"
        except asyncio.CancelledError:
            self.log.append(("cancelled", seconds))
            await asyncio.sleep(cleanup)
            raise
        finally:
            self.running -= 1
            self.log.append(("end", seconds))


async def double(x: int) -> int:
    await asyncio.sleep(0)
    return 2 * x


class Boom(Exception):
    """The failure the tests' jobs raise."""


# --- API --------------------------------------------------------------------------------------


@pytest.mark.spec("API")
def test_map_returns_each_items_result() -> None:
    async def main() -> list[int]:
        async with WorkerPool(3) as pool:
            return await pool.map(double, range(10))

    assert run(main) == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]


@pytest.mark.spec("API")
def test_map_reads_any_iterable() -> None:
    async def main() -> list[int]:
        async with WorkerPool(2) as pool:
            return await pool.map(double, (x for x in [5, 6, 7]))

    assert run(main) == [10, 12, 14]


@pytest.mark.spec("API")
def test_map_reads_all_the_items_before_it_queues_a_job() -> None:
    calls: list[int] = []

    async def fn(x: int) -> int:
        calls.append(x)
        return x

    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise Boom("the items ran out badly")

    async def main() -> None:
        async with WorkerPool(2) as pool:
            with pytest.raises(Boom):
                await pool.map(fn, items())
            await settle()
            assert calls == [], (
                f"reading the items raised after 2 of them, yet jobs {calls} ran: map reads"
                " its items to the end before it queues any job"
            )

    run(main)


@pytest.mark.spec("API")
def test_submit_returns_a_future_of_the_result() -> None:
    async def main() -> tuple[bool, Any]:
        async with WorkerPool(2) as pool:
            future = pool.submit(double, 21)
            is_future = asyncio.isfuture(future)
            return is_future, await future

    assert run(main) == (True, 42)


@pytest.mark.spec("API")
def test_submit_passes_positional_arguments() -> None:
    async def add(a: int, b: int, c: int) -> int:
        return 100 * a + 10 * b + c

    async def main() -> int:
        async with WorkerPool(1) as pool:
            return await pool.submit(add, 1, 2, 3)

    assert run(main) == 123


@pytest.mark.spec("API")
def test_size_is_readable() -> None:
    assert WorkerPool(7).size == 7


@pytest.mark.spec("API")
def test_timeout_is_keyword_only() -> None:
    assert WorkerPool(2, timeout=5.0).size == 2
    with pytest.raises(TypeError):
        WorkerPool(2, 5.0)  # type: ignore[misc]


@pytest.mark.spec("API")
def test_a_job_that_never_starts_never_calls_fn() -> None:
    calls: list[int] = []
    probe = Probe()

    def fn(x: int) -> Coroutine[Any, Any, Any]:
        calls.append(x)
        return probe.job(x)

    async def main() -> None:
        async with WorkerPool(1) as pool:
            futures = [pool.submit(fn, x) for x in range(3)]
            await settle()
            assert calls == [0], "fn is called when a job starts, not when it is queued"
            futures[1].cancel()
            futures[2].cancel()
            probe.release(0)

    run(main)
    assert calls == [0]


# --- Bounded concurrency ----------------------------------------------------------------------


@pytest.mark.spec("Bounded concurrency")
@pytest.mark.parametrize("size", [1, 3], ids=["size1", "size3"])
def test_never_more_than_size_jobs_run(size: int) -> None:
    probe = Probe()

    async def main() -> list[Any]:
        async with WorkerPool(size) as pool:
            batch = asyncio.ensure_future(pool.map(probe.job, range(10)))
            await settle()
            assert probe.running == size, f"{size} slots, {probe.running} jobs running"
            for key in range(10):
                probe.release(key)
                await settle()
                assert probe.running <= size
            return await batch

    assert run(main) == [f"done {k}" for k in range(10)]
    assert probe.peak == size


@pytest.mark.spec("Bounded concurrency")
def test_a_large_pool_is_bounded_too() -> None:
    probe = Probe()

    async def main() -> None:
        async with WorkerPool(300) as pool:
            futures = [pool.submit(probe.job, k) for k in range(320)]
            await settle()
            assert probe.running == 300, f"300 slots, {probe.running} jobs running"
            for key in range(320):
                probe.release(key)
            await asyncio.wait(futures)

    run(main)
    assert probe.peak == 300


@pytest.mark.spec("Bounded concurrency")
def test_a_freed_slot_is_refilled_at_once() -> None:
    probe = Probe()

    async def main() -> None:
        async with WorkerPool(3) as pool:
            batch = asyncio.ensure_future(pool.map(probe.job, range(6)))
            await settle()
            probe.release(1)  # job 0 and 2 still run
            await settle()
            assert probe.started() == [0, 1, 2, 3], (
                "when job 1 ended, job 3 must start without waiting for jobs 0 and 2"
            )
            assert probe.running == 3
            for key in (0, 2, 3, 4, 5):
                probe.release(key)
            await batch

    run(main)


@pytest.mark.spec("Bounded concurrency")
@pytest.mark.parametrize("size", [1, 2], ids=["size1", "size2"])
def test_jobs_start_in_the_order_they_were_queued(size: int) -> None:
    probe = Probe()
    order = [4, 1, 3, 0, 2, 5]

    async def main() -> None:
        async with WorkerPool(size) as pool:
            for key in order:
                pool.submit(probe.job, key)
            await settle()
            for key in order:
                probe.release(key)
                await settle()

    run(main)
    assert probe.started() == order


@pytest.mark.spec("Bounded concurrency")
def test_submit_and_map_share_the_slots() -> None:
    probe = Probe()

    async def main() -> None:
        async with WorkerPool(2) as pool:
            first = pool.submit(probe.job, "s")
            batch = asyncio.ensure_future(pool.map(probe.job, ["m1", "m2"]))
            await settle()
            assert probe.started() == ["s", "m1"], "the submitted job holds one of the 2 slots"
            probe.release("s")
            await settle()
            assert probe.started() == ["s", "m1", "m2"]
            probe.release("m1")
            probe.release("m2")
            await batch
            await first

    run(main)
    assert probe.peak == 2


@pytest.mark.spec("Bounded concurrency")
def test_a_waiting_job_costs_no_task() -> None:
    async def tasks_with_waiting(waiting: int) -> int:
        probe = Probe()
        async with WorkerPool(3) as pool:
            futures = [pool.submit(probe.job, k) for k in range(3 + waiting)]
            await settle()
            count = len(asyncio.all_tasks()) - 1  # not this test's own task
            for f in futures:
                f.cancel()
        return count

    async def main() -> tuple[int, int]:
        return await tasks_with_waiting(1), await tasks_with_waiting(300)

    one, many = run(main)
    assert many == one, (
        f"{one} tasks with 1 job waiting, {many} with 300 waiting: a waiting job must be an"
        " entry in a queue, not a task (create a job's task only when a slot is free)"
    )


# --- Results ----------------------------------------------------------------------------------


@pytest.mark.spec("Results")
def test_results_are_in_the_items_order_not_the_finishing_order() -> None:
    probe = Probe()

    async def main() -> list[Any]:
        async with WorkerPool(4) as pool:
            batch = asyncio.ensure_future(pool.map(probe.job, ["a", "b", "c", "d"]))
            await settle()
            for key in ["d", "b", "c", "a"]:
                probe.release(key, key.upper())
                await settle()
            return await batch

    assert run(main) == ["A", "B", "C", "D"]


@pytest.mark.spec("Results")
def test_map_of_no_items_is_an_empty_list() -> None:
    async def main() -> list[Any]:
        async with WorkerPool(2) as pool:
            return await pool.map(double, [])

    assert run(main) == []


# --- Errors -----------------------------------------------------------------------------------


@pytest.mark.spec("Errors")
def test_a_jobs_exception_is_its_outcome_and_the_others_go_on() -> None:
    raised: dict[int, Boom] = {}

    async def job(x: int) -> int:
        await asyncio.sleep(x)
        if x % 2:
            raised[x] = Boom(x)
            raise raised[x]
        return x * 10

    async def main() -> list[Any]:
        async with WorkerPool(2) as pool:
            return await pool.map(job, [1, 2, 3, 4])

    results = run(main)
    assert results[0] is raised[1], "the slot holds the very exception the job raised"
    assert results[2] is raised[3]
    assert [results[1], results[3]] == [20, 40]


@pytest.mark.spec("Errors")
def test_submits_future_raises_the_jobs_exception() -> None:
    async def fail() -> None:
        raise Boom("down")

    async def main() -> None:
        async with WorkerPool(1) as pool:
            future = pool.submit(fail)
            with pytest.raises(Boom, match="down"):
                await future

    run(main)


@pytest.mark.spec("Errors")
def test_the_pool_keeps_every_slot_after_failures() -> None:
    probe = Probe()

    async def fail(x: int) -> None:
        raise Boom(x)

    async def main() -> list[Any]:
        async with WorkerPool(2) as pool:
            failures = await pool.map(fail, range(5))
            assert [repr(f) for f in failures] == [repr(Boom(x)) for x in range(5)], (
                "each failed job's outcome is the exception it raised, in its item's slot"
            )
            batch = asyncio.ensure_future(pool.map(probe.job, range(3)))
            await settle()
            assert probe.running == 2, "after 5 failed jobs the pool must still run 2 at once"
            for key in range(3):
                probe.release(key)
            return await batch

    assert run(main) == ["done 0", "done 1", "done 2"]


# --- Timeouts ---------------------------------------------------------------------------------


@pytest.mark.spec("Timeouts")
def test_a_job_past_the_timeout_gets_a_timeout_error_and_the_others_go_on() -> None:
    probe = Probe()

    async def main() -> tuple[list[Any], float]:
        async with WorkerPool(4, timeout=5.0) as pool:
            results = await pool.map(probe.sleeper, [1, 10, 2, 3])
        return results, now()

    results, finished = run(main)
    assert isinstance(results[1], asyncio.TimeoutError), (
        f"the job that ran past the timeout must hold an asyncio.TimeoutError, not {results[1]!r}"
    )
    assert [results[0], results[2], results[3]] == ["slept 1", "slept 2", "slept 3"]
    assert probe.events(10) == ["start", "cancelled", "end"], "a timed-out job is cancelled"
    assert finished == 5.0, "the batch ends when the timed-out job is cancelled, at t = 5"


@pytest.mark.spec("Timeouts")
def test_the_timeout_counts_from_the_jobs_start_not_its_queueing() -> None:
    probe = Probe()

    async def main() -> tuple[list[Any], float]:
        async with WorkerPool(1, timeout=5.0) as pool:
            results = await pool.map(probe.sleeper, [4, 4.5, 3])
        return results, now()

    results, finished = run(main)
    assert results == ["slept 4", "slept 4.5", "slept 3"], (
        "each job ran under 5 s; the 2nd and 3rd only waited longer for the one slot"
    )
    assert finished == 11.5


@pytest.mark.spec("Timeouts")
def test_a_timed_out_job_holds_its_slot_until_its_clean_up_ends() -> None:
    probe = Probe()
    starts: list[float] = []

    async def timed(seconds: float) -> str:
        starts.append(now())
        return await probe.sleeper(seconds, cleanup=2.0)

    async def main() -> list[Any]:
        async with WorkerPool(1, timeout=5.0) as pool:
            return await pool.map(timed, [10, 1])

    results = run(main)
    assert isinstance(results[0], asyncio.TimeoutError)
    assert results[1] == "slept 1"
    assert starts == [0.0, 7.0], (
        "the first job timed out at t = 5 and took 2 s to clean up: the second starts at t = 7,"
        " when the slot is really free"
    )
    assert probe.peak == 1


@pytest.mark.spec("Timeouts")
def test_a_timed_out_job_that_swallows_the_cancel_still_timed_out() -> None:
    ended: list[float] = []

    async def stubborn(_: int) -> str:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            await asyncio.sleep(1)  # clean-up, then it returns a value anyway
            ended.append(now())
            return "late"
        return "on time"

    async def main() -> tuple[list[Any], float]:
        async with WorkerPool(1, timeout=5.0) as pool:
            results = await pool.map(stubborn, [1])
        return results, now()

    (outcome,), finished = run(main)
    assert isinstance(outcome, asyncio.TimeoutError), (
        "the job ran past the 5 s timeout; that its coroutine caught the CancelledError and"
        f" returned a value does not undo that: its outcome is a TimeoutError, not {outcome!r}"
    )
    assert ended == [6.0] and finished == 6.0, "its slot frees when its clean-up has ended"


@pytest.mark.spec("Timeouts")
def test_a_finished_job_is_not_kept_until_its_deadline() -> None:
    class Payload:
        """An argument whose lifetime the test watches."""

    async def use(payload: Payload) -> str:
        await asyncio.sleep(1)
        return type(payload).__name__

    async def main() -> tuple[str, bool]:
        async with WorkerPool(1, timeout=3600.0) as pool:
            payload = Payload()
            watch = weakref.ref(payload)
            result = await pool.submit(use, payload)
            del payload
            await pool.submit(use, Payload())  # a worker may hold on to its last job: not this one
            await settle()
            gc.collect()
            return result, watch() is None

    result, freed = run(main)
    assert result == "Payload"
    assert freed, (
        "the job ended at t = 1 and another ran after it, yet something of the pool still holds"
        " its argument: a deadline timer left armed keeps the job until its deadline (cancel the"
        " timer when the job ends)"
    )


@pytest.mark.spec("Timeouts")
def test_a_timeout_error_is_the_outcome_of_a_submitted_job() -> None:
    probe = Probe()

    async def main() -> None:
        async with WorkerPool(1, timeout=1.0) as pool:
            with pytest.raises(asyncio.TimeoutError):
                await pool.submit(probe.sleeper, 2)

    run(main)


@pytest.mark.spec("Timeouts")
def test_no_timeout_by_default() -> None:
    probe = Probe()

    async def main() -> list[Any]:
        async with WorkerPool(1) as pool:
            return await pool.map(probe.sleeper, [86400.0])

    assert run(main) == ["slept 86400.0"]


# --- Cancellation -----------------------------------------------------------------------------


@pytest.mark.spec("Cancellation")
def test_cancelling_maps_caller_cancels_its_jobs_and_propagates() -> None:
    probe = Probe()

    async def main() -> None:
        async with WorkerPool(2) as pool:

            def slow_cleanup(key: int) -> Coroutine[Any, Any, Any]:
                return probe.job(key, cleanup=1.0)

            caller = asyncio.ensure_future(pool.map(slow_cleanup, range(5)))
            await settle()
            caller.cancel()
            with pytest.raises(asyncio.CancelledError):
                await caller
            assert caller.cancelled(), "map must let the CancelledError propagate"
            # Checked at once: map re-raised only after its running jobs had ended
            # (each took 1 s to clean up).
            assert probe.running == 0, "map re-raised before its cancelled jobs had ended"
            assert now() == 1.0, (
                f"map re-raised at t = {now()}: its 2 running jobs, cancelled at t = 0, take 1 s"
                " each to clean up (at once), so map re-raises at t = 1"
            )
            assert probe.events(0) == ["start", "cancelled", "end"]
            assert probe.events(1) == ["start", "cancelled", "end"]
            assert probe.started() == [0, 1], "waiting jobs of a cancelled map never start"

    run(main)


class SlowCleanUp:
    """A job that sleeps an hour and, once cancelled, takes 4 s of virtual time to clean up."""

    def __init__(self) -> None:
        self.log: list[tuple[float, str, str]] = []

    async def job(self, key: str) -> str:
        self.log.append((now(), "start", key))
        try:
            await asyncio.sleep(3600)
            return key
        except asyncio.CancelledError:
            self.log.append((now(), "cancelled", key))
            try:
                await asyncio.sleep(4)
            except asyncio.CancelledError:
                self.log.append((now(), "clean-up interrupted", key))
                raise
            self.log.append((now(), "cleaned up", key))
            raise


CANCEL_CASES = {
    # when the cancel arrives: t = 6, while the job that timed out at t = 5 cleans up,
    # or t = 2, so that its deadline (t = 5) passes while it cleans up
    "timeout_then_cancel": (6.0, [(0.0, "start", "a"), (5.0, "cancelled", "a")], 9.0),
    "cancel_then_timeout": (2.0, [(0.0, "start", "a"), (2.0, "cancelled", "a")], 6.0),
}


@pytest.mark.spec("Cancellation")
@pytest.mark.parametrize("case", list(CANCEL_CASES))
@pytest.mark.parametrize("how", ["map_cancelled", "block_raises"])
def test_a_job_is_cancelled_once_and_waited_for_whatever_cancels_it_first(
    case: str, how: str
) -> None:
    at, first_events, cleaned = CANCEL_CASES[case]
    work = SlowCleanUp()

    async def cancel_map() -> None:
        async with WorkerPool(1, timeout=5.0) as pool:
            caller = asyncio.ensure_future(pool.map(work.job, ["a", "b"]))
            await asyncio.sleep(at)
            caller.cancel()
            with pytest.raises(asyncio.CancelledError):
                await caller

    async def raise_in_block() -> None:
        with pytest.raises(Boom):
            async with WorkerPool(1, timeout=5.0) as pool:
                pool.submit(work.job, "a")
                pool.submit(work.job, "b")
                await asyncio.sleep(at)
                raise Boom("the request failed")

    want = [*first_events, (cleaned, "cleaned up", "a")]
    what = "map re-raised" if how == "map_cancelled" else "the block's exception propagated"

    async def main() -> None:
        await (cancel_map() if how == "map_cancelled" else raise_in_block())
        assert work.log == want, (
            f"job 'a' timed out at t = 5 or was cancelled at t = {at}, whichever came first, and"
            " takes 4 s to clean up: nothing may cancel it again while it cleans up (cancel each"
            f" job once), and {what} only once that clean-up had ended;"
            " events as (time, event, job)"
        )
        assert now() == cleaned, f"{what} at t = {now()}, before job 'a' had cleaned up"

    run(main)


@pytest.mark.spec("Cancellation")
def test_a_cancelled_map_returns_nothing() -> None:
    probe = Probe()
    returned: list[Any] = []

    async def caller(pool: WorkerPool) -> None:
        returned.append(await pool.map(probe.job, range(3)))

    async def main() -> None:
        async with WorkerPool(3) as pool:
            task = asyncio.ensure_future(caller(pool))
            await settle()
            task.cancel()
            await asyncio.wait([task])
            assert task.cancelled(), "the caller's task must end cancelled"

    run(main)
    assert returned == [], "a cancelled map must raise CancelledError, not return"


@pytest.mark.spec("Cancellation")
def test_cancelling_one_map_spares_the_other_work() -> None:
    probe = Probe()

    async def main() -> list[Any]:
        async with WorkerPool(4) as pool:
            doomed = asyncio.ensure_future(pool.map(probe.job, ["x1", "x2"]))
            kept = asyncio.ensure_future(pool.map(probe.job, ["k1", "k2"]))
            alone = pool.submit(probe.job, "s")
            await settle()
            doomed.cancel()
            await asyncio.wait([doomed])
            assert probe.events("k1") == ["start"], "another map's running job was cancelled"
            for key in ["k1", "k2", "s"]:
                probe.release(key)
            return [await kept, await alone]

    assert run(main) == [["done k1", "done k2"], "done s"]


@pytest.mark.spec("Cancellation")
def test_cancelling_a_submitted_future_cancels_that_job() -> None:
    probe = Probe()

    async def main() -> None:
        async with WorkerPool(1) as pool:
            running = pool.submit(probe.job, "run")
            waiting = pool.submit(probe.job, "wait")
            after = pool.submit(probe.job, "after")
            await settle()
            waiting.cancel()
            running.cancel()
            await settle()
            assert probe.events("run") == ["start", "cancelled", "end"]
            assert probe.started() == ["run", "after"], "a cancelled waiting job never starts"
            probe.release("after")
            assert await after == "done after"

    run(main)


@pytest.mark.spec("Cancellation")
def test_the_pool_keeps_every_slot_after_a_cancellation() -> None:
    probe = Probe()

    async def main() -> list[Any]:
        async with WorkerPool(2) as pool:
            first = asyncio.ensure_future(pool.map(probe.job, ["a", "b", "c"]))
            await settle()
            first.cancel()
            await asyncio.wait([first])
            batch = asyncio.ensure_future(pool.map(probe.job, ["d", "e"]))
            await settle()
            assert probe.running == 2, "after a cancelled map the pool must still run 2 at once"
            probe.release("d")
            probe.release("e")
            return await batch

    assert run(main) == ["done d", "done e"]


# --- Shutdown ---------------------------------------------------------------------------------


@pytest.mark.spec("Shutdown")
def test_a_closed_pool_refuses_new_work() -> None:
    async def main() -> None:
        pool = WorkerPool(2)
        assert not pool.closed
        pool.close()
        pool.close()  # a second close does nothing
        assert pool.closed
        with pytest.raises(PoolClosed):
            pool.submit(double, 1)
        with pytest.raises(PoolClosed):
            await pool.map(double, [1])
        await pool.join()

    run(main)


@pytest.mark.spec("Shutdown")
def test_close_lets_the_queued_work_run_and_join_waits_for_it() -> None:
    probe = Probe()

    async def main() -> list[Any]:
        pool = WorkerPool(1)
        futures = [pool.submit(probe.job, k) for k in range(3)]
        await settle()
        pool.close()
        joiner = asyncio.ensure_future(pool.join())
        for key in range(3):
            await settle()
            assert not joiner.done(), f"join() returned with job {key} still to finish"
            probe.release(key)
        await joiner
        return [f.result() for f in futures]

    assert run(main) == ["done 0", "done 1", "done 2"]


@pytest.mark.spec("Shutdown")
def test_join_on_an_idle_pool_returns_at_once() -> None:
    async def main() -> None:
        pool = WorkerPool(2)
        await asyncio.wait_for(pool.join(), 1.0)
        assert await pool.map(double, [4]) == [8], "join() must not close the pool"
        pool.close()
        await pool.join()

    run(main)


@pytest.mark.spec("Shutdown")
def test_join_does_not_close_the_pool() -> None:
    probe = Probe()

    async def main() -> None:
        pool = WorkerPool(2)
        first = pool.submit(probe.job, 1)
        joiner = asyncio.ensure_future(pool.join())
        await settle()
        probe.release(1)
        await joiner
        assert await first == "done 1"
        assert not pool.closed
        assert await pool.map(double, [3]) == [6]
        pool.close()
        await pool.join()

    run(main)


@pytest.mark.spec("Shutdown")
def test_async_with_drains_the_queued_work() -> None:
    probe = Probe()

    async def main() -> tuple[list[Any], float]:
        async with WorkerPool(2) as pool:
            futures = [pool.submit(probe.sleeper, s) for s in (3, 1, 2)]
        assert pool.closed
        pending = [s for s, f in zip((3, 1, 2), futures) if not f.done()]
        assert pending == [], f"the block ended with the jobs {pending} still to finish"
        cancelled = [s for s, f in zip((3, 1, 2), futures) if f.cancelled()]
        assert cancelled == [], (
            f"the jobs {cancelled} were cancelled: a block that ends normally drains the queued"
            " work (close() only refuses new work; the waiting jobs still run)"
        )
        return [f.result() for f in futures], now()

    results, finished = run(main)
    assert results == ["slept 3", "slept 1", "slept 2"]
    assert finished == 3.0


@pytest.mark.spec("Shutdown")
def test_async_with_returns_the_pool() -> None:
    async def main() -> bool:
        pool = WorkerPool(1)
        async with pool as entered:
            return entered is pool

    assert run(main) is True


@pytest.mark.spec("Shutdown")
def test_an_error_in_the_block_cancels_the_work_and_propagates() -> None:
    probe = Probe()
    futures: list[asyncio.Future[Any]] = []

    async def main() -> None:
        with pytest.raises(Boom):
            async with WorkerPool(2) as pool:
                futures.extend(pool.submit(probe.job, k) for k in range(4))
                await settle()
                raise Boom("the request failed")
        assert probe.running == 0, "the block ended before its cancelled jobs had ended"

    run(
        main,
        if_stuck="the block raised, so the outstanding jobs should have been cancelled (they"
        " never end unless cancelled), but __aexit__ is still waiting for a job that never ends",
    )
    assert probe.events(0) == ["start", "cancelled", "end"]
    assert probe.events(1) == ["start", "cancelled", "end"]
    assert probe.started() == [0, 1], "waiting jobs never start once the block has raised"
    assert all(f.cancelled() for f in futures)


@pytest.mark.spec("Shutdown")
def test_cancelling_the_block_cancels_the_work() -> None:
    probe = Probe()

    async def body() -> None:
        async with WorkerPool(1) as pool:
            pool.submit(probe.job, "a")
            pool.submit(probe.job, "b")
            await asyncio.sleep(100)

    async def main() -> None:
        task = asyncio.ensure_future(body())
        await settle()
        task.cancel()
        await asyncio.wait([task])
        assert task.cancelled(), "the block's CancelledError must propagate"

    run(
        main,
        if_stuck="the block was cancelled, so its jobs 'a' (running) and 'b' (waiting) should"
        " have been cancelled (they never end unless cancelled), but __aexit__ is still waiting"
        " for a job that never ends",
    )
    assert probe.events("a") == ["start", "cancelled", "end"]
    assert probe.started() == ["a"]


# --- No task left behind ----------------------------------------------------------------------


@pytest.mark.spec("No task left behind")
def test_no_task_is_left_once_the_pool_is_joined() -> None:
    probe = Probe()

    async def main() -> list[str]:
        pool = WorkerPool(3, timeout=5.0)
        quick = pool.submit(probe.sleeper, 1)
        slow = pool.submit(probe.sleeper, 9)  # times out
        batch = asyncio.ensure_future(pool.map(probe.job, range(4)))
        await settle()
        batch.cancel()
        await asyncio.wait([batch])
        pool.close()
        await pool.join()
        for name, future in [("the 1 s job", quick), ("the 9 s job", slow)]:
            assert future.done(), f"join() returned before {name} submitted to the pool ended"
            assert not future.cancelled(), (
                f"{name} submitted to the pool was cancelled: cancelling a map cancels only"
                " that call's jobs"
            )
        assert quick.result() == "slept 1"
        assert isinstance(slow.exception(), asyncio.TimeoutError), (
            f"the 9 s job ran past the 5 s timeout: its outcome is a TimeoutError,"
            f" not {slow.exception()!r}"
        )
        me = asyncio.current_task()
        return sorted(t.get_coro().__qualname__ for t in asyncio.all_tasks() if t is not me)

    assert run(main) == [], "join() returned with tasks of the pool still pending"


# --- Validation -------------------------------------------------------------------------------


@pytest.mark.spec("Validation")
@pytest.mark.parametrize(
    "size", [0, -1, 2.5, "3", True], ids=["zero", "negative", "float", "str", "bool"]
)
def test_size_must_be_a_positive_int(size: Any) -> None:
    with pytest.raises(ValueError):
        WorkerPool(size)


@pytest.mark.spec("Validation")
@pytest.mark.parametrize(
    "timeout",
    [0, -1.0, float("nan"), float("-inf"), True, "5"],
    ids=["zero", "negative", "nan", "minus_inf", "bool", "str"],
)
def test_timeout_must_be_positive(timeout: Any) -> None:
    with pytest.raises(ValueError):
        WorkerPool(2, timeout=timeout)


@pytest.mark.spec("Validation")
@pytest.mark.parametrize("timeout", [3, float("inf")], ids=["int", "inf"])
def test_a_timeout_may_be_an_int_or_infinite(timeout: float) -> None:
    probe = Probe()

    async def main() -> list[Any]:
        async with WorkerPool(1, timeout=timeout) as pool:
            return await pool.map(probe.sleeper, [2, 86400.0])

    results = run(main)
    assert results[0] == "slept 2"
    if timeout == 3:
        assert isinstance(results[1], asyncio.TimeoutError)
    else:
        assert results[1] == "slept 86400.0", "an infinite timeout sets no limit"
