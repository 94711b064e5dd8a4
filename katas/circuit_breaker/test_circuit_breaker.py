"""Tests for the circuit breaker kata.

The state machine is the one in Martin Fowler's "CircuitBreaker" article
(https://martinfowler.com/bliki/CircuitBreaker.html) and Nygard's "Release
It!": closed counts consecutive failures, open fails fast for reset_timeout
seconds, half-open lets trial calls decide. The clock is frozen with
freezegun; concurrent trial calls are held in flight with threading.Event,
and races are forced with ``check_interleavings``: the second call runs at
every point of the first where the breaker's lock is not held.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import freezegun
import pytest

import circuit_breaker
from circuit_breaker import CircuitBreaker, CircuitOpenError
from grader.kata_support import Outcome, check_interleavings

START = "2024-01-01 00:00:00"


@contextlib.contextmanager
def frozen_clock(start: str = START) -> Iterator[Any]:
    """``freeze_time(START)``, with the frozen clock also seen by worker threads.

    freezegun hands out real time to calls made from inside the ``threading``
    module (it is on its default ignore list), and a worker thread's calls are.
    Only Event waits (real-time C lock timeouts) are used while it is frozen.
    """
    saved = list(freezegun.config.settings.default_ignore_list)
    freezegun.configure(default_ignore_list=[m for m in saved if m != "threading"])
    try:
        with freezegun.freeze_time(start) as clock:
            yield clock
    finally:
        freezegun.configure(default_ignore_list=saved)


class Boom(Exception):
    """The failure the tests' dependency raises."""


class Dependency:
    """A fake downstream service that counts how often it is called."""

    def __init__(self) -> None:
        self.calls = 0

    def ok(self, value: Any = "ok") -> Any:
        self.calls += 1
        return value

    def fail(self) -> None:
        self.calls += 1
        raise Boom("down")


def fail_times(breaker: CircuitBreaker, dep: Dependency, n: int) -> None:
    for _ in range(n):
        with pytest.raises(Boom):
            breaker.call(dep.fail)


def assert_rejected(breaker: CircuitBreaker, dep: Dependency) -> None:
    before = dep.calls
    with pytest.raises(CircuitOpenError):
        breaker.call(dep.ok)
    assert dep.calls == before, "a rejected call must not run fn"


_IN_FLIGHT: list[threading.Event] = []


@pytest.fixture(autouse=True)
def _release_blocked_calls() -> Iterator[None]:
    """Never leave a test's blocked call behind, whatever the test's outcome."""
    yield
    while _IN_FLIGHT:
        _IN_FLIGHT.pop().set()


class Blocking:
    """Runs ``fn`` in a thread via the breaker, holding it inside until released."""

    def __init__(self, breaker: CircuitBreaker, fn: Callable[[], Any] = lambda: "done") -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        _IN_FLIGHT.append(self.release)
        self.outcome: list[Any] = []

        def body() -> Any:
            self.entered.set()
            assert self.release.wait(5), "test did not release the call"
            return fn()

        def run() -> None:
            try:
                self.outcome.append(breaker.call(body))
            except BaseException as exc:
                self.outcome.append(exc)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def finish(self) -> Any:
        self.release.set()
        self.thread.join(5)
        assert not self.thread.is_alive(), "call did not finish"
        return self.outcome[0]


# --- API -----------------------------------------------------------------------------------


@pytest.mark.spec("API")
def test_starts_closed_and_passes_arguments_and_result_through() -> None:
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=10)
    assert breaker.state == "closed"
    assert breaker.call(lambda a, b, *, c: (a, b, c), 1, 2, c=3) == (1, 2, 3)
    assert breaker.call(divmod, 17, 5) == (3, 2)


@pytest.mark.spec("API")
def test_exception_propagates_unchanged() -> None:
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=10)
    error = Boom("the very same object")

    def raise_it() -> None:
        raise error

    with pytest.raises(Boom) as caught:
        breaker.call(raise_it)
    assert caught.value is error, "fn's exception must propagate itself, not a wrapper"


@pytest.mark.spec("API")
def test_circuit_open_error_is_an_exception() -> None:
    assert issubclass(CircuitOpenError, Exception)
    with frozen_clock():
        breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10)
        with pytest.raises(Boom):
            breaker.call(Dependency().fail)
        with pytest.raises(CircuitOpenError):
            breaker.call(int)


# --- closed --------------------------------------------------------------------------------


@pytest.mark.spec("Closed")
def test_opens_at_threshold_consecutive_failures() -> None:
    with frozen_clock():
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=3, reset_timeout=10)
        fail_times(breaker, dep, 2)
        assert breaker.state == "closed", "2 failures are below the threshold of 3"
        fail_times(breaker, dep, 1)
        assert breaker.state == "open"
        assert_rejected(breaker, dep)


@pytest.mark.spec("Closed")
def test_success_resets_the_failure_count() -> None:
    with frozen_clock():
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=3, reset_timeout=10)
        fail_times(breaker, dep, 2)
        assert breaker.call(dep.ok) == "ok"
        fail_times(breaker, dep, 2)
        assert breaker.state == "closed", (
            "2 failures, a success, 2 failures: never 3 in a row, so the breaker stays closed"
        )
        fail_times(breaker, dep, 1)
        assert breaker.state == "open"


@pytest.mark.spec("Closed")
def test_threshold_one_opens_on_first_failure() -> None:
    with frozen_clock():
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10)
        for _ in range(5):
            assert breaker.call(dep.ok) == "ok"
        fail_times(breaker, dep, 1)
        assert breaker.state == "open"


# --- open ----------------------------------------------------------------------------------


@pytest.mark.spec("Open")
def test_open_rejects_until_reset_timeout_exactly() -> None:
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=2, reset_timeout=10)
        fail_times(breaker, dep, 2)
        calls = dep.calls
        for _ in range(3):
            assert_rejected(breaker, dep)
        clock.tick(9.999)
        assert breaker.state == "open", "at 9.999 s of a 10 s timeout the breaker is still open"
        assert_rejected(breaker, dep)
        clock.tick(0.001)
        assert breaker.state == "half_open", "at exactly reset_timeout the breaker is half-open"
        assert dep.calls == calls


@pytest.mark.spec("Open")
def test_rejected_calls_do_not_extend_the_open_period() -> None:
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10)
        fail_times(breaker, dep, 1)
        for _ in range(9):
            clock.tick(1)
            assert_rejected(breaker, dep)
        clock.tick(1)
        assert breaker.state == "half_open"


@pytest.mark.spec("Open")
def test_open_timer_starts_when_the_failing_call_returns() -> None:
    # The call is let through at t=0 and fails at t=5: the breaker opened at t=5.
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10)
        slow = Blocking(breaker, dep.fail)
        assert slow.entered.wait(5)
        clock.tick(5)
        assert isinstance(slow.finish(), Boom)
        assert breaker.state == "open"
        clock.tick(9.999)
        assert breaker.state == "open", (
            "the breaker opened when the failure came back (t=5), not when the call started"
        )
        assert_rejected(breaker, dep)
        clock.tick(0.001)
        assert breaker.state == "half_open"


@pytest.mark.spec("Open")
def test_open_timer_starts_at_the_failure_that_reaches_the_threshold() -> None:
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=2, reset_timeout=10)
        fail_times(breaker, dep, 1)  # t=0: the streak starts
        clock.tick(5)
        fail_times(breaker, dep, 1)  # t=5: the threshold is reached, the breaker opens
        clock.tick(9.999)
        assert breaker.state == "open", (
            "the breaker opened at the failure that reached the threshold, not the first one"
        )
        clock.tick(0.001)
        assert breaker.state == "half_open"


@pytest.mark.spec("Open")
@pytest.mark.parametrize("start", ["1970-01-01 00:00:00", "1970-01-01 00:00:04"])
def test_any_monotonic_reading_works_as_an_opening_time(start: str) -> None:
    # time.monotonic() has an undefined reference point: it may read 0.0, or a few seconds
    # (the system's uptime). freezegun makes it read the frozen time since 1970.
    with frozen_clock(start) as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10)
        fail_times(breaker, dep, 1)
        clock.tick(9.999)
        assert breaker.state == "open"
        clock.tick(0.001)
        assert breaker.state == "half_open", "an opening time of 0.0 is a time like any other"


@pytest.mark.spec("Constraints")
def test_a_fractional_reset_timeout() -> None:
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=1, reset_timeout=0.25)
        fail_times(breaker, dep, 1)
        clock.tick(0.249)
        assert breaker.state == "open"
        clock.tick(0.001)
        assert breaker.state == "half_open"


@pytest.mark.spec("Constraints")
def test_large_thresholds_and_trial_counts() -> None:
    # Counts above 256 are separate int objects in CPython: compare them with ==/>=, not `is`.
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=300, reset_timeout=10, half_open_max_calls=300)
        fail_times(breaker, dep, 299)
        assert breaker.state == "closed"
        fail_times(breaker, dep, 1)
        assert breaker.state == "open", "the 300th consecutive failure opens"
        clock.tick(10)
        for _ in range(299):
            breaker.call(dep.ok)
        running = Blocking(breaker)
        assert running.entered.wait(5)
        assert_rejected(breaker, dep)  # all 300 trial slots are taken
        assert running.finish() == "done"
        assert breaker.state == "closed", "the 300th trial success closes"


# --- half-open -----------------------------------------------------------------------------


@pytest.mark.spec("Half-open")
def test_trial_success_closes_and_counting_starts_afresh() -> None:
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=2, reset_timeout=10)
        fail_times(breaker, dep, 2)
        clock.tick(10)
        assert breaker.call(dep.ok, 42) == 42
        assert breaker.state == "closed"
        fail_times(breaker, dep, 1)
        assert breaker.state == "closed", "after closing, one failure is below the threshold"
        fail_times(breaker, dep, 1)
        assert breaker.state == "open"


@pytest.mark.spec("Half-open")
def test_after_timeout_one_failure_reopens_regardless_of_threshold() -> None:
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=3, reset_timeout=10)
        fail_times(breaker, dep, 3)
        clock.tick(10)
        assert breaker.state == "half_open", "after the timeout the breaker probes, not closes"
        fail_times(breaker, dep, 1)
        assert breaker.state == "open", "a failed trial call reopens the breaker at once"
        assert_rejected(breaker, dep)


@pytest.mark.spec("Half-open")
def test_failed_trial_restarts_the_timeout() -> None:
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10)
        fail_times(breaker, dep, 1)  # opens at t=0
        clock.tick(15)
        fail_times(breaker, dep, 1)  # trial fails at t=15: open until t=25
        assert breaker.state == "open"
        clock.tick(9.999)
        assert breaker.state == "open", "the timeout counts from the failed trial call"
        assert_rejected(breaker, dep)
        clock.tick(0.001)
        assert breaker.state == "half_open"
        assert breaker.call(dep.ok) == "ok"
        assert breaker.state == "closed"


@pytest.mark.spec("Half-open")
def test_closes_only_after_all_trial_calls_succeed() -> None:
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10, half_open_max_calls=3)
        fail_times(breaker, dep, 1)
        clock.tick(10)
        breaker.call(dep.ok)
        breaker.call(dep.ok)
        assert breaker.state == "half_open", "2 of 3 trial calls succeeded: still half-open"
        breaker.call(dep.ok)
        assert breaker.state == "closed"


@pytest.mark.spec("Half-open")
def test_a_late_trial_failure_reopens() -> None:
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10, half_open_max_calls=3)
        fail_times(breaker, dep, 1)
        clock.tick(10)
        breaker.call(dep.ok)
        breaker.call(dep.ok)
        fail_times(breaker, dep, 1)
        assert breaker.state == "open"
        assert_rejected(breaker, dep)


@pytest.mark.spec("Half-open")
@pytest.mark.weight(2)
@pytest.mark.parametrize("max_calls", [1, 2])
def test_half_open_rejects_calls_beyond_the_trial_limit(max_calls: int) -> None:
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(
            failure_threshold=1, reset_timeout=10, half_open_max_calls=max_calls
        )
        fail_times(breaker, dep, 1)
        clock.tick(10)
        trials = [Blocking(breaker) for _ in range(max_calls)]
        for trial in trials:
            assert trial.entered.wait(5), "a trial call was not let through"
        assert breaker.state == "half_open"
        assert_rejected(breaker, dep)
        assert_rejected(breaker, dep)
        assert [trial.finish() for trial in trials] == ["done"] * max_calls
        assert breaker.state == "closed"
        assert breaker.call(dep.ok) == "ok"


@pytest.mark.spec("Half-open")
def test_completed_trial_still_holds_its_slot() -> None:
    # With 2 trial calls allowed: one has succeeded, one is still running. Both slots are
    # taken, so a third call is rejected, and the breaker closes when the second succeeds.
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10, half_open_max_calls=2)
        fail_times(breaker, dep, 1)
        clock.tick(10)
        assert breaker.call(dep.ok) == "ok"
        running = Blocking(breaker)
        assert running.entered.wait(5)
        assert_rejected(breaker, dep)
        assert running.finish() == "done"
        assert breaker.state == "closed"


@pytest.mark.spec("Half-open")
def test_outcome_of_a_call_from_an_earlier_state_is_ignored() -> None:
    # Two trial calls run; the first fails and reopens the breaker; the second then
    # succeeds. Its success belongs to the half-open period that is over: the breaker
    # stays open, and the timeout runs from the failure.
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10, half_open_max_calls=2)
        fail_times(breaker, dep, 1)
        clock.tick(10)
        failing = Blocking(breaker, dep.fail)
        succeeding = Blocking(breaker)
        assert failing.entered.wait(5) and succeeding.entered.wait(5)
        assert isinstance(failing.finish(), Boom)
        assert breaker.state == "open"
        assert succeeding.finish() == "done", "the late call still returns its own result"
        assert breaker.state == "open", "a late success from a finished half-open period"
        clock.tick(10)
        assert breaker.state == "half_open"


@pytest.mark.spec("Half-open")
@pytest.mark.parametrize("succeeds", [True, False], ids=["success", "failure"])
def test_a_call_let_through_while_closed_does_not_count_in_half_open(succeeds: bool) -> None:
    # A slow call starts while closed; another call's failure opens the breaker, and the
    # timeout passes. The slow call's outcome belongs to the closed period: it neither
    # closes the half-open breaker nor reopens it, and the trial slot is still free.
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10)
        slow = Blocking(breaker, (lambda: "late") if succeeds else dep.fail)
        assert slow.entered.wait(5)
        fail_times(breaker, dep, 1)
        clock.tick(10)
        assert breaker.state == "half_open"
        outcome = slow.finish()
        assert outcome == "late" if succeeds else isinstance(outcome, Boom)
        assert breaker.state == "half_open", (
            "a call let through while closed must not decide the half-open trial"
        )
        calls = dep.calls
        assert breaker.call(dep.ok) == "ok", "the trial slot is still free"
        assert dep.calls == calls + 1
        assert breaker.state == "closed"


@pytest.mark.spec("Half-open")
def test_a_call_from_an_earlier_closed_period_does_not_count() -> None:
    # closed -> open -> half-open -> closed again, while one slow call from the first closed
    # period is still running. Its failure belongs to that period, not to the new one.
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10)
        slow = Blocking(breaker, dep.fail)
        assert slow.entered.wait(5)
        fail_times(breaker, dep, 1)
        clock.tick(10)
        assert breaker.call(dep.ok) == "ok"
        assert breaker.state == "closed"
        assert isinstance(slow.finish(), Boom)
        assert breaker.state == "closed", (
            "a failure from an earlier closed period must not count in the new one"
        )


# --- concurrency ---------------------------------------------------------------------------


@pytest.mark.spec("Concurrency")
@pytest.mark.weight(2)
def test_a_trial_slot_is_checked_and_reserved_atomically() -> None:
    # Half-open with one trial slot; two callers race for it, and each trial fails. At
    # whatever point the first caller is paused, the second caller either takes the slot
    # (then its failure reopens the breaker and the first caller is rejected) or finds it
    # taken: fn runs once. A slot checked in one step and reserved in another lets both in.
    with frozen_clock() as clock:

        def setup() -> tuple[CircuitBreaker, list[str]]:
            breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10)
            with pytest.raises(Boom):
                breaker.call(Dependency().fail)
            clock.tick(10)
            return breaker, []

        def trial(name: str) -> Callable[[tuple[CircuitBreaker, list[str]]], Any]:
            def call(state: tuple[CircuitBreaker, list[str]]) -> Any:
                breaker, ran = state

                def fn() -> None:
                    ran.append(name)
                    raise Boom(name)

                return breaker.call(fn)

            return call

        def check(state: tuple[CircuitBreaker, list[str]], a: Outcome, b: Outcome) -> None:
            breaker, ran = state
            for outcome in (a, b):
                assert isinstance(outcome.error, (Boom, CircuitOpenError)), outcome
            assert len(ran) == 1, f"one trial slot, but fn ran for {ran}"
            assert breaker.state == "open"

        check_interleavings(circuit_breaker, setup, trial("first"), trial("second"), check)


@pytest.mark.spec("Concurrency")
@pytest.mark.weight(2)
def test_racing_callers_get_exactly_the_allowed_trial_slots() -> None:
    with frozen_clock() as clock:
        dep = Dependency()
        breaker = CircuitBreaker(failure_threshold=1, reset_timeout=10, half_open_max_calls=3)
        fail_times(breaker, dep, 1)
        clock.tick(10)
        go, release = threading.Event(), threading.Event()
        _IN_FLIGHT.extend([go, release])
        settled = [threading.Event() for _ in range(12)]  # entered fn, or was rejected
        entered: list[int] = []
        outcomes: list[Any] = []

        def racer(i: int) -> None:
            def trial() -> str:
                entered.append(i)
                settled[i].set()
                release.wait(5)
                return "done"

            go.wait(5)
            try:
                outcomes.append(breaker.call(trial))
            except CircuitOpenError as exc:
                outcomes.append(exc)
                settled[i].set()

        threads = [threading.Thread(target=racer, args=(i,), daemon=True) for i in range(12)]
        for thread in threads:
            thread.start()
        go.set()
        for event in settled:
            assert event.wait(5), "a racing call neither ran nor was rejected"
        rejected = sum(isinstance(o, CircuitOpenError) for o in outcomes)
        assert (len(entered), rejected) == (3, 9), (
            f"12 racing calls, 3 trial slots: {len(entered)} ran fn, {rejected} were rejected"
        )
        release.set()
        for thread in threads:
            thread.join(5)
        assert outcomes.count("done") == 3
        assert breaker.state == "closed"


@pytest.mark.spec("Concurrency")
def test_a_slow_call_does_not_block_other_callers() -> None:
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=10)
    slow = Blocking(breaker)
    assert slow.entered.wait(5)
    done = threading.Event()

    def quick() -> None:
        breaker.call(int)
        _ = breaker.state
        done.set()

    threading.Thread(target=quick, daemon=True).start()
    finished = done.wait(1)
    slow.finish()
    assert finished, "a call (or reading state) waited for another call's fn to return"


# --- validation ----------------------------------------------------------------------------


@pytest.mark.spec("Validation")
@pytest.mark.parametrize(
    "args",
    [(0, 10, 1), (-1, 10, 1), (3, 0, 1), (3, -5, 1), (3, 10, 0), (3, 10, -2)],
    ids=["threshold=0", "threshold<0", "timeout=0", "timeout<0", "max_calls=0", "max_calls<0"],
)
def test_out_of_range_arguments_are_rejected(args: tuple[int, float, int]) -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(*args)
