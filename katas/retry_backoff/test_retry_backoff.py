"""Tests for the retry-with-backoff kata.

The schedules are the four of Marc Brooker's "Exponential Backoff And Jitter"
(AWS Architecture Blog, 2015) and of the simulator published with it
(aws-samples/aws-arch-backoff-simulator, src/backoff_simulator.py):

    none:          min(cap, base * 2 ** attempt)
    full jitter:   random_between(0, min(cap, base * 2 ** attempt))
    equal jitter:  temp = min(cap, base * 2 ** attempt)
                   temp / 2 + random_between(0, temp / 2)
    decorrelated:  sleep = min(cap, random_between(base, sleep * 3))

Expected random delays are computed here, straight from those formulas, with
a second ``random.Random`` seeded like the one handed to the code under test.
"""

from __future__ import annotations

import random

import pytest

from retry_backoff import backoff_delays, retry

MODES = ["none", "full", "equal", "decorrelated"]
SEEDS = range(25)


def ceiling(base: float, cap: float, i: int) -> float:
    """The article's capped exponential, for small i (no overflow here)."""
    return min(cap, base * 2**i)


def expected_full(base: float, cap: float, attempts: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(0, ceiling(base, cap, i)) for i in range(attempts - 1)]


def expected_equal(base: float, cap: float, attempts: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    out = []
    for i in range(attempts - 1):
        temp = ceiling(base, cap, i)
        out.append(temp / 2 + rng.uniform(0, temp / 2))
    return out


def expected_decorrelated(base: float, cap: float, attempts: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    out = []
    sleep = base
    for _ in range(attempts - 1):
        sleep = min(cap, rng.uniform(base, sleep * 3))
        out.append(sleep)
    return out


class Recorder:
    """A fake ``sleep`` that remembers what it was asked to sleep."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def script(*outcomes: object):
    """A function that raises or returns the given outcomes in turn, counting calls."""
    queue = list(outcomes)
    calls = []

    def fn() -> object:
        calls.append(1)
        outcome = queue.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    fn.calls = calls  # type: ignore[attr-defined]
    return fn


# --- backoff_delays ---------------------------------------------------------


@pytest.mark.spec("Delays")
@pytest.mark.parametrize(
    ("base", "cap", "attempts", "expected"),
    [
        (1, 10, 6, [1, 2, 4, 8, 10]),
        (0.5, 100, 5, [0.5, 1, 2, 4]),
        (0.25, 1, 7, [0.25, 0.5, 1, 1, 1, 1]),
        (3, 3, 4, [3, 3, 3]),
    ],
)
def test_no_jitter_is_capped_doubling(base, cap, attempts, expected) -> None:
    assert backoff_delays(base, cap, attempts, jitter="none") == expected


@pytest.mark.spec("API")
@pytest.mark.parametrize("mode", MODES)
def test_one_attempt_means_no_delays(mode: str) -> None:
    assert backoff_delays(1, 10, 1, jitter=mode, rng=random.Random(0)) == []


@pytest.mark.spec("API")
@pytest.mark.parametrize("mode", MODES)
def test_attempts_minus_one_delays(mode: str) -> None:
    delays = backoff_delays(0.1, 30, 12, jitter=mode, rng=random.Random(1))
    assert len(delays) == 11, "`attempts` counts every try, so there are attempts - 1 waits"


@pytest.mark.spec("Delays")
def test_jitter_is_compared_by_value() -> None:
    """A mode built at run time (read from a config file, say) is not the interned literal:
    compare it with ==, not is."""
    mode = "".join(["no", "ne"])
    assert backoff_delays(1, 10, 6, jitter=mode) == [1, 2, 4, 8, 10]
    seeded = backoff_delays(0.5, 8, 5, jitter="".join(["fu", "ll"]), rng=random.Random(2))
    assert seeded == pytest.approx(expected_full(0.5, 8, 5, 2), rel=1e-12)
    decorrelated = "".join(["decorrel", "ated"])
    got = backoff_delays(0.5, 8, 5, jitter=decorrelated, rng=random.Random(2))
    assert got == pytest.approx(expected_decorrelated(0.5, 8, 5, 2), rel=1e-12)


@pytest.mark.spec("Delays")
def test_full_jitter_is_the_default_mode() -> None:
    assert backoff_delays(0.1, 5, 10, rng=random.Random(3)) == pytest.approx(
        expected_full(0.1, 5, 10, 3)
    )


@pytest.mark.spec("Delays")
@pytest.mark.parametrize("seed", [0, 1, 42])
def test_full_jitter_matches_the_formula(seed: int) -> None:
    got = backoff_delays(0.1, 3, 12, jitter="full", rng=random.Random(seed))
    assert got == pytest.approx(expected_full(0.1, 3, 12, seed), rel=1e-12), (
        "full jitter is one rng.uniform(0, min(cap, base * 2**i)) per delay"
    )


@pytest.mark.spec("Delays")
@pytest.mark.parametrize("seed", [0, 1, 42])
def test_equal_jitter_matches_the_formula(seed: int) -> None:
    got = backoff_delays(0.1, 3, 12, jitter="equal", rng=random.Random(seed))
    assert got == pytest.approx(expected_equal(0.1, 3, 12, seed), rel=1e-12), (
        "equal jitter is t/2 + rng.uniform(0, t/2) with t = min(cap, base * 2**i)"
    )


@pytest.mark.spec("Delays")
@pytest.mark.parametrize("seed", [0, 1, 42])
def test_decorrelated_jitter_matches_the_formula(seed: int) -> None:
    # A small cap makes the state saturate, so growing from an uncapped value shows.
    got = backoff_delays(1, 4, 30, jitter="decorrelated", rng=random.Random(seed))
    assert got == pytest.approx(expected_decorrelated(1, 4, 30, seed), rel=1e-12), (
        "decorrelated: sleep = min(cap, rng.uniform(base, sleep * 3)), from sleep = base, "
        "and the next delay grows from the capped sleep"
    )


@pytest.mark.spec("Delays")
def test_full_jitter_stays_under_the_capped_ceiling() -> None:
    for seed in SEEDS:
        delays = backoff_delays(0.5, 20, 15, jitter="full", rng=random.Random(seed))
        for i, delay in enumerate(delays):
            assert 0 <= delay <= ceiling(0.5, 20, i), f"delay {i} = {delay} (seed {seed})"


@pytest.mark.spec("Delays")
def test_equal_jitter_stays_in_the_upper_half() -> None:
    for seed in SEEDS:
        delays = backoff_delays(0.5, 20, 15, jitter="equal", rng=random.Random(seed))
        for i, delay in enumerate(delays):
            t = ceiling(0.5, 20, i)
            assert t / 2 <= delay <= t, f"delay {i} = {delay} not in [{t / 2}, {t}]"


@pytest.mark.spec("Delays")
def test_decorrelated_jitter_stays_between_base_and_cap() -> None:
    for seed in SEEDS:
        delays = backoff_delays(0.5, 20, 40, jitter="decorrelated", rng=random.Random(seed))
        assert all(0.5 <= d <= 20 for d in delays), f"seed {seed}: {delays}"


@pytest.mark.spec("Delays")
@pytest.mark.parametrize("mode", MODES)
def test_many_attempts_do_not_overflow(mode: str) -> None:
    # 2.0 ** 2000 and float(2 ** 2000) raise OverflowError: the ceiling must be
    # capped before it is ever that large.
    delays = backoff_delays(0.1, 30, 2000, jitter=mode, rng=random.Random(5))
    assert len(delays) == 1999
    assert max(delays) <= 30
    if mode == "none":
        assert delays[-1] == 30


@pytest.mark.spec("API")
@pytest.mark.parametrize("mode", ["full", "equal", "decorrelated"])
def test_default_rng_is_fresh_not_the_seeded_global(mode: str) -> None:
    """rng=None means a fresh random.Random() (seeded from the OS): not the module-level
    random functions, which random.seed() makes repeat, and not a fixed seed. Clients that
    share a schedule retry in lockstep, which is what jitter is for."""
    random.seed(1234)
    first = backoff_delays(1, 60, 12, jitter=mode)
    random.seed(1234)
    second = backoff_delays(1, 60, 12, jitter=mode)
    assert first != second, "random.seed() must not decide the default delays"
    assert backoff_delays(1, 60, 12, jitter=mode) != backoff_delays(1, 60, 12, jitter=mode), (
        "two calls without rng must not give the same delays (a fixed seed?)"
    )


@pytest.mark.spec("Retry loop")
def test_retry_default_rng_is_fresh_not_the_seeded_global() -> None:
    schedules = []
    for _ in range(2):
        random.seed(99)
        sleep = Recorder()
        with pytest.raises(OSError):
            retry(script(*[OSError()] * 10), attempts=10, base=1, cap=60, sleep=sleep)
        schedules.append(sleep.calls)
    assert schedules[0] != schedules[1], "random.seed() must not decide retry's default delays"


@pytest.mark.spec("API")
def test_default_rng_gives_valid_delays() -> None:
    delays = backoff_delays(0.1, 2, 10, jitter="full")
    assert len(delays) == 9
    assert all(0 <= d <= ceiling(0.1, 2, i) for i, d in enumerate(delays))


@pytest.mark.spec("Validation")
@pytest.mark.parametrize(
    ("base", "cap", "jitter"),
    [(0, 10, "none"), (-1, 10, "full"), (5, 1, "equal"), (1, 10, "exponential")],
    ids=["zero-base", "negative-base", "base-above-cap", "unknown-jitter"],
)
def test_one_attempt_is_validated_too(base: float, cap: float, jitter: str) -> None:
    """One try has no delay to compute, but the arguments are still checked."""
    with pytest.raises(ValueError):
        backoff_delays(base, cap, 1, jitter=jitter)


@pytest.mark.spec("Validation")
@pytest.mark.parametrize("mode", ["", "Full", "exponential", "jitter"])
def test_unknown_jitter_is_rejected(mode: str) -> None:
    with pytest.raises(ValueError):
        backoff_delays(1, 10, 3, jitter=mode)


@pytest.mark.spec("Validation")
@pytest.mark.parametrize(
    ("base", "cap", "attempts"),
    [(1, 10, 0), (1, 10, -3), (0, 10, 3), (-1, 10, 3), (5, 1, 3)],
)
def test_bad_numbers_are_rejected(base: float, cap: float, attempts: int) -> None:
    with pytest.raises(ValueError):
        backoff_delays(base, cap, attempts, jitter="none")


# --- retry -------------------------------------------------------------------


@pytest.mark.spec("Retry loop")
def test_success_on_first_try_returns_without_sleeping() -> None:
    sleep = Recorder()
    fn = script("value")
    assert retry(fn, attempts=3, base=1, cap=10, sleep=sleep) == "value"
    assert fn.calls == [1]
    assert sleep.calls == []


@pytest.mark.spec("Retry loop")
def test_retries_until_success_with_full_jitter_delays() -> None:
    sleep = Recorder()
    fn = script(ConnectionError("1"), ConnectionError("2"), TimeoutError("3"), 42)
    result = retry(fn, attempts=6, base=0.2, cap=10, sleep=sleep, rng=random.Random(9))
    assert result == 42
    assert len(fn.calls) == 4
    assert sleep.calls == pytest.approx(expected_full(0.2, 10, 6, 9)[:3], rel=1e-12), (
        "the waits are the full-jitter sequence: rng.uniform(0, min(cap, base * 2**k))"
    )


@pytest.mark.spec("Retry loop")
def test_exhausted_attempts_reraise_the_last_exception() -> None:
    errors = [ConnectionError(f"try {k}") for k in range(4)]
    sleep = Recorder()
    fn = script(*errors)
    with pytest.raises(ConnectionError) as info:
        retry(fn, attempts=4, base=1, cap=10, sleep=sleep, rng=random.Random(0))
    assert info.value is errors[-1], "re-raise the last try's exception itself"
    assert len(fn.calls) == 4
    assert len(sleep.calls) == 3, "no sleep after the last try: 4 tries, 3 waits"


@pytest.mark.spec("Retry loop")
def test_single_attempt_never_sleeps() -> None:
    sleep = Recorder()
    fn = script(ConnectionError("down"))
    with pytest.raises(ConnectionError):
        retry(fn, attempts=1, base=1, cap=10, sleep=sleep)
    assert sleep.calls == []


@pytest.mark.spec("Retry loop")
def test_non_retryable_exception_propagates_at_once() -> None:
    sleep = Recorder()
    fn = script(KeyError("bug"), "unreached")
    with pytest.raises(KeyError):
        retry(fn, attempts=5, base=1, cap=10, retry_on=(ConnectionError,), sleep=sleep)
    assert len(fn.calls) == 1, "an exception outside retry_on must not be retried"
    assert sleep.calls == []


@pytest.mark.spec("Retry loop")
def test_non_retryable_exception_after_retryable_ones() -> None:
    sleep = Recorder()
    fn = script(ConnectionError(), ValueError("bad input"), "unreached")
    with pytest.raises(ValueError):
        retry(fn, attempts=5, base=1, cap=10, retry_on=ConnectionError, sleep=sleep)
    assert len(fn.calls) == 2
    assert len(sleep.calls) == 1


@pytest.mark.spec("Retry loop")
def test_subclasses_of_retry_on_are_retried() -> None:
    sleep = Recorder()
    fn = script(ConnectionRefusedError(), ConnectionResetError(), "ok")
    assert retry(fn, attempts=3, base=1, cap=10, retry_on=(OSError,), sleep=sleep) == "ok"
    assert len(sleep.calls) == 2


@pytest.mark.spec("Retry loop")
def test_retry_delays_respect_the_cap() -> None:
    sleep = Recorder()
    fn = script(*[OSError() for _ in range(12)])
    with pytest.raises(OSError):
        retry(fn, attempts=12, base=0.5, cap=2, sleep=sleep, rng=random.Random(11))
    assert sleep.calls == pytest.approx(expected_full(0.5, 2, 12, 11), rel=1e-12)
    assert max(sleep.calls) <= 2


@pytest.mark.spec("Retry loop")
def test_retry_many_attempts_do_not_overflow() -> None:
    """Inside retry() too: base * 2 ** 1024 raises OverflowError, so the 1026th try must not
    compute it. After 2000 failed tries the exception itself is re-raised."""
    sleep = Recorder()
    error = OSError("still down")
    fn = script(*[error] * 2000)
    with pytest.raises(OSError) as raised:
        retry(fn, attempts=2000, base=0.5, cap=30, sleep=sleep, rng=random.Random(3))
    assert raised.value is error
    assert len(sleep.calls) == 1999
    assert sleep.calls[:59] == pytest.approx(expected_full(0.5, 30, 60, 3), rel=1e-12)
    assert max(sleep.calls) <= 30


@pytest.mark.spec("API")
def test_retry_options_are_keyword_only() -> None:
    """The API puts * after fn: retry(fn, 3, 0.1, 1) would read three bare numbers."""
    assert retry(script("ok"), attempts=3, base=0.1, cap=1, sleep=Recorder()) == "ok"
    with pytest.raises(TypeError):
        retry(script("ok"), 3, 0.1, 1)  # type: ignore[misc]


@pytest.mark.spec("Validation")
@pytest.mark.parametrize(
    ("attempts", "base", "cap"), [(0, 1, 10), (3, 0, 10), (3, 4, 2), (1, 0, 10), (1, 4, 2)]
)
def test_retry_validates_before_calling(attempts: int, base: float, cap: float) -> None:
    fn = script("unreached")
    with pytest.raises(ValueError):
        retry(fn, attempts=attempts, base=base, cap=cap, sleep=Recorder())
    assert fn.calls == [], "validate the arguments before the first try"
