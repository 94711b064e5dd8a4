"""Tests for the rate limiter kata.

The expected verdicts follow from the definitions in the README, worked out
by hand in each test: fixed windows aligned to the epoch as in the INCR rate
limiter pattern of the Redis documentation (https://redis.io/commands/incr/),
a sliding log over the half-open interval (t - window, t], and a token bucket
as described by Stripe (https://stripe.com/blog/rate-limiters).

The client clock is frozen with freezegun at T0 = 1 700 000 000
(2023-11-14 22:13:20 UTC), a multiple of every window length used here, so
T0 starts a window. Against a real Redis server the server's own clock keeps
running: verdicts must come from the client's time, never from key expiry.

Races are forced, not hoped for: the limiter under test talks through a
RedisRecorder client (grader.kata_support), whose hook lets another client's
request in between two of its round trips. The thread tests only add load.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

import freezegun
import pytest
from freezegun import freeze_time
from freezegun.config import settings as freezegun_settings

from grader.kata_support import RedisRecorder, run_threads
from rate_limiter import FixedWindowLimiter, SlidingWindowLogLimiter, TokenBucketLimiter

T0 = 1_700_000_000


def at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def verdicts(limiter: Any, key: str, times: int) -> list[bool]:
    return [limiter.allow(key) for _ in range(times)]


# Each factory builds a limiter that allows 2 requests right away and (with
# the clock frozen) no more.
FACTORIES: dict[str, Callable[[Any], Any]] = {
    "fixed": lambda r: FixedWindowLimiter(r, limit=2, window=10),
    "sliding_log": lambda r: SlidingWindowLogLimiter(r, limit=2, window=10),
    "token_bucket": lambda r: TokenBucketLimiter(r, capacity=2, refill_per_sec=0.1),
}
KINDS = list(FACTORIES)


@contextmanager
def frozen_in_threads(ts: float) -> Iterator[Any]:
    """Freeze the clock at ``ts`` for worker threads too.

    freezegun's default ignore list holds "threading": code called near a
    Thread's run() would see the real clock. Drop it for this block.
    """
    saved = list(freezegun_settings.default_ignore_list)
    freezegun.configure(default_ignore_list=[m for m in saved if m != "threading"])
    try:
        with freeze_time(at(ts)) as clock:
            yield clock
    finally:
        freezegun.configure(default_ignore_list=saved)


def hammer(call: Callable[[], bool], threads: int = 8, calls: int = 50) -> int:
    """Run ``call`` from many threads released together; count the True results."""
    barrier = threading.Barrier(threads)
    allowed = [0] * threads

    def worker(i: int) -> None:
        barrier.wait()
        for _ in range(calls):
            if call():
                allowed[i] += 1

    run_threads([lambda i=i: worker(i) for i in range(threads)])
    return sum(allowed)


# -- Fixed window -------------------------------------------------------------


@pytest.mark.spec("Fixed window")
def test_fixed_window_allows_limit_then_denies(redis: Any) -> None:
    with freeze_time(at(T0)):
        limiter = FixedWindowLimiter(redis, limit=3, window=10)
        assert verdicts(limiter, "alice", 5) == [True, True, True, False, False]


@pytest.mark.spec("Fixed window")
@pytest.mark.parametrize("first", [0, 5, 9.5])
def test_fixed_window_resets_exactly_at_the_epoch_aligned_boundary(
    redis: Any, first: float
) -> None:
    # Window 10 s: T0 .. T0+10 is one window whatever the time of the first
    # request. A "window" that starts at the first request (a counter with a
    # TTL) would still deny at T0+10 when first > 0.
    with freeze_time(at(T0 + first)) as clock:
        limiter = FixedWindowLimiter(redis, limit=3, window=10)
        assert verdicts(limiter, "alice", 4) == [True, True, True, False]
        clock.move_to(at(T0 + 9.999))
        assert limiter.allow("alice") is False, "9.999 s is still in the first window"
        clock.move_to(at(T0 + 10))
        assert verdicts(limiter, "alice", 4) == [True, True, True, False], (
            "at T0+10 a new window starts: floor(now / window) changed, the count starts at 0"
        )


@pytest.mark.spec("Fixed window")
def test_fixed_window_fractional_window(redis: Any) -> None:
    with freeze_time(at(T0)) as clock:
        limiter = FixedWindowLimiter(redis, limit=1, window=0.5)
        assert limiter.allow("alice") is True
        clock.move_to(at(T0 + 0.25))
        assert limiter.allow("alice") is False
        clock.move_to(at(T0 + 0.5))
        assert limiter.allow("alice") is True, "floor((T0 + 0.5) / 0.5) is a new window"
        clock.move_to(at(T0 + 0.75))
        assert limiter.allow("alice") is False


@pytest.mark.spec("Fixed window")
def test_fixed_window_skipped_windows_start_fresh(redis: Any) -> None:
    with freeze_time(at(T0 + 3)) as clock:
        limiter = FixedWindowLimiter(redis, limit=2, window=10)
        assert verdicts(limiter, "alice", 3) == [True, True, False]
        clock.move_to(at(T0 + 47))
        assert verdicts(limiter, "alice", 3) == [True, True, False]


# -- Sliding window log -------------------------------------------------------


@pytest.mark.spec("Sliding window log")
def test_sliding_log_counts_the_half_open_window(redis: Any) -> None:
    # limit 3, window 10: allowed requests at 0, 1, 2. At t the window is
    # (t - 10, t]: the request at 0 still counts at 9.999 and not at 10.
    with freeze_time(at(T0)) as clock:
        limiter = SlidingWindowLogLimiter(redis, limit=3, window=10)
        steps = [
            (0, True),
            (1, True),
            (2, True),
            (3, False),
            (9.999, False),
            (10, True),  # log now 1, 2, 10
            (10, False),
            (11, True),  # 1 aged out: log 2, 10, 11
            (11.5, False),
        ]
        for offset, expected in steps:
            clock.move_to(at(T0 + offset))
            assert limiter.allow("alice") is expected, f"request at T0+{offset}"


@pytest.mark.spec("Sliding window log")
def test_sliding_log_has_no_window_boundary(redis: Any) -> None:
    with freeze_time(at(T0 + 8)) as clock:
        limiter = SlidingWindowLogLimiter(redis, limit=3, window=10)
        assert verdicts(limiter, "alice", 3) == [True, True, True]
        clock.move_to(at(T0 + 10))
        assert limiter.allow("alice") is False, (
            "3 requests at T0+8 are within (T0, T0+10]: a sliding log has no window boundary"
        )
        clock.move_to(at(T0 + 17.999))
        assert limiter.allow("alice") is False
        clock.move_to(at(T0 + 18))
        assert verdicts(limiter, "alice", 4) == [True, True, True, False]


@pytest.mark.spec("Sliding window log")
def test_sliding_log_does_not_log_denied_requests(redis: Any) -> None:
    with freeze_time(at(T0)) as clock:
        limiter = SlidingWindowLogLimiter(redis, limit=2, window=10)
        steps = [
            (0, True),
            (1, True),
            (5, False),
            (9, False),
            (10, True),  # 0 aged out; only 1 is logged
            (10.5, False),
            (11, True),
        ]
        for offset, expected in steps:
            clock.move_to(at(T0 + offset))
            assert limiter.allow("alice") is expected, (
                f"request at T0+{offset}: only allowed requests are logged, "
                "the denied ones at T0+5 and T0+9 must not count"
            )


@pytest.mark.spec("Sliding window log")
def test_sliding_log_requests_at_the_same_instant_each_count(redis: Any) -> None:
    with freeze_time(at(T0)):
        limiter = SlidingWindowLogLimiter(redis, limit=5, window=10)
        assert verdicts(limiter, "alice", 7) == [True] * 5 + [False] * 2, (
            "five requests at one instant are five log entries (sorted-set members must be unique)"
        )


# -- Token bucket -------------------------------------------------------------


@pytest.mark.spec("Token bucket")
def test_token_bucket_starts_full(redis: Any) -> None:
    with freeze_time(at(T0)):
        limiter = TokenBucketLimiter(redis, capacity=5, refill_per_sec=1)
        assert verdicts(limiter, "alice", 7) == [True] * 5 + [False] * 2


@pytest.mark.spec("Token bucket")
def test_token_bucket_refills_continuously(redis: Any) -> None:
    # capacity 5, 2 tokens/s. Empty at T0; half a token at +0.25 (denied),
    # a whole one at +0.5; two more by +1.5.
    with freeze_time(at(T0)) as clock:
        limiter = TokenBucketLimiter(redis, capacity=5, refill_per_sec=2)
        assert verdicts(limiter, "alice", 5) == [True] * 5
        steps = [(0.25, [False]), (0.5, [True, False]), (1.5, [True, True, False])]
        for offset, expected in steps:
            clock.move_to(at(T0 + offset))
            assert verdicts(limiter, "alice", len(expected)) == expected, (
                f"at T0+{offset} with 2 tokens/s (partial refills add up across denied requests)"
            )


@pytest.mark.spec("Token bucket")
def test_token_bucket_fractional_rate(redis: Any) -> None:
    # One token every 2 s: 0.75 token at +1.5, exactly 1 at +2.
    with freeze_time(at(T0)) as clock:
        limiter = TokenBucketLimiter(redis, capacity=1, refill_per_sec=0.5)
        assert verdicts(limiter, "alice", 2) == [True, False]
        clock.move_to(at(T0 + 1.5))
        assert limiter.allow("alice") is False
        clock.move_to(at(T0 + 2))
        assert verdicts(limiter, "alice", 2) == [True, False]


@pytest.mark.spec("Token bucket")
def test_token_bucket_never_holds_more_than_capacity(redis: Any) -> None:
    # capacity 3, 1 token/s: one request leaves 2 tokens; 2 s later the refill
    # would make 4, but the bucket holds at most 3.
    with freeze_time(at(T0)) as clock:
        limiter = TokenBucketLimiter(redis, capacity=3, refill_per_sec=1)
        assert limiter.allow("alice") is True
        clock.move_to(at(T0 + 2))
        assert verdicts(limiter, "alice", 5) == [True, True, True, False, False], (
            "2 tokens + 2 s x 1 token/s is capped at capacity: 3 tokens, not 4"
        )


@pytest.mark.spec("Token bucket")
def test_token_bucket_clock_behind_adds_nothing(redis: Any) -> None:
    # One token every 10 s. Emptied at T0+10; a client 5 s behind adds nothing
    # and must not move the last update back to T0+5, so at T0+25 there are
    # 1.5 tokens (not 2).
    with freeze_time(at(T0 + 10)) as clock:
        limiter = TokenBucketLimiter(redis, capacity=2, refill_per_sec=0.1)
        assert verdicts(limiter, "alice", 2) == [True, True]
        clock.move_to(at(T0 + 5))
        assert limiter.allow("alice") is False
        clock.move_to(at(T0 + 25))
        assert verdicts(limiter, "alice", 2) == [True, False], (
            "1.5 tokens at T0+25: refill counts from T0+10, the clock reading of T0+5 added nothing"
        )


# -- Atomicity and shared state -----------------------------------------------


@pytest.mark.spec("Atomicity and shared state")
@pytest.mark.parametrize("kind", KINDS)
def test_keys_are_independent(redis: Any, kind: str) -> None:
    with freeze_time(at(T0)):
        limiter = FACTORIES[kind](redis)
        assert verdicts(limiter, "alice", 3) == [True, True, False]
        assert verdicts(limiter, "bob", 3) == [True, True, False], "bob has his own limit"


@pytest.mark.spec("Atomicity and shared state")
@pytest.mark.parametrize("kind", KINDS)
def test_state_lives_in_redis(redis: Any, kind: str) -> None:
    with freeze_time(at(T0)):
        first = FACTORIES[kind](redis)
        second = FACTORIES[kind](redis)
        assert first.allow("alice") is True
        assert second.allow("alice") is True
        assert first.allow("alice") is False, "two limiter objects on one Redis share the limit"
        assert second.allow("alice") is False


@pytest.mark.spec("Atomicity and shared state")
def test_limiter_kinds_do_not_share_keys(redis: Any) -> None:
    with freeze_time(at(T0)):
        limiters = [factory(redis) for factory in FACTORIES.values()]
        for limiter in limiters:
            assert verdicts(limiter, "alice", 3) == [True, True, False], type(limiter).__name__


def make_limiter(kind: str, redis: Any, limit: int) -> Any:
    """A limiter of ``kind`` that allows ``limit`` requests at one frozen instant."""
    if kind == "fixed":
        return FixedWindowLimiter(redis, limit=limit, window=60)
    if kind == "sliding_log":
        return SlidingWindowLogLimiter(redis, limit=limit, window=60)
    return TokenBucketLimiter(redis, capacity=limit, refill_per_sec=1)


@pytest.mark.spec("Atomicity and shared state")
@pytest.mark.weight(2)
@pytest.mark.parametrize("kind", KINDS)
def test_concurrent_requests_never_exceed_the_limit(redis: Any, kind: str) -> None:
    with frozen_in_threads(T0):
        limiter = make_limiter(kind, redis, limit=20)
        allowed = hammer(lambda: limiter.allow("alice"), calls=10)
    assert allowed == 20, (
        f"8 threads x 10 requests on one key with limit 20: {allowed} allowed; "
        "the check and the update must be one atomic step"
    )


@pytest.mark.spec("Atomicity and shared state")
@pytest.mark.weight(2)
@pytest.mark.parametrize("kind", KINDS)
def test_concurrent_requests_within_the_limit_are_all_allowed(redis: Any, kind: str) -> None:
    with frozen_in_threads(T0):
        limiter = make_limiter(kind, redis, limit=48)
        allowed = hammer(lambda: limiter.allow("alice"), calls=6)
        assert allowed == 48, (
            f"8 threads x 6 requests on one key with limit 48: only {allowed} allowed; "
            "a request that lost a race to another one must be retried, not denied"
        )
        assert limiter.allow("alice") is False


@pytest.mark.spec("Atomicity and shared state")
@pytest.mark.weight(2)
@pytest.mark.parametrize("kind", KINDS)
def test_two_clients_racing_for_the_last_request_get_one_allowed(redis: Any, kind: str) -> None:
    # limit 2, one request made: another server's request for the same key
    # arrives between two round trips of this one. Only one may be allowed.
    with freeze_time(at(T0)):
        rec = RedisRecorder(redis)
        limiter = make_limiter(kind, rec.client, limit=2)
        other = make_limiter(kind, redis, limit=2)
        assert limiter.allow("alice") is True
        verdict: list[bool] = []
        race = rec.after(1, lambda: verdict.append(other.allow("alice")))
        mine = limiter.allow("alice")
        assert race.fired == 1
        assert [mine, *verdict].count(True) == 1, (
            f"this request got {mine}, the other client's {verdict[0]}: with one request left "
            "exactly one may pass; a read, compare, then write in separate steps lets both in"
        )


@pytest.mark.spec("Atomicity and shared state")
@pytest.mark.weight(2)
@pytest.mark.parametrize("kind", KINDS)
def test_a_request_that_lost_a_race_is_retried_not_denied(redis: Any, kind: str) -> None:
    # limit 3: another server's request arrives between two round trips of
    # this one (right after a WATCH, its EXEC fails). Both fit in the limit.
    with freeze_time(at(T0)):
        rec = RedisRecorder(redis)
        limiter = make_limiter(kind, rec.client, limit=3)
        other = make_limiter(kind, redis, limit=3)
        verdict: list[bool] = []
        race = rec.after(1, lambda: verdict.append(other.allow("alice")))
        assert limiter.allow("alice") is True, (
            "2 requests with a limit of 3: both are allowed; a transaction that failed "
            "because another client wrote meanwhile (WatchError) must be retried"
        )
        assert race.fired == 1 and verdict == [True]
        assert verdicts(limiter, "alice", 2) == [True, False]


# -- Keys and expiry ----------------------------------------------------------


@pytest.mark.spec("Keys and expiry")
def test_keys_have_the_documented_names_and_shapes(redis: Any) -> None:
    with freeze_time(at(T0 + 3)):  # frozen throughout: fakeredis expires keys by this clock
        fixed = FixedWindowLimiter(redis, limit=2, window=10)
        log = SlidingWindowLogLimiter(redis, limit=2, window=10)
        bucket = TokenBucketLimiter(redis, capacity=2, refill_per_sec=1)
        for limiter in (fixed, log, bucket):
            verdicts(limiter, "alice", 3)
        counter = f"ratelimit:fixed:alice:{T0 // 10}"  # floor((T0 + 3) / 10)
        assert redis.type(counter) == "string", f"the fixed window's counter is {counter!r}"
        assert int(redis.get(counter)) >= 2
        assert redis.type("ratelimit:log:alice") == "zset", "the log is ratelimit:log:alice"
        entries = redis.zrange("ratelimit:log:alice", 0, -1, withscores=True)
        assert [score for _, score in entries] == [T0 + 3, T0 + 3], (
            f"the log holds {entries}: one entry per allowed request (2), scored by time.time()"
        )
        assert redis.type("ratelimit:bucket:alice") == "hash", (
            "the bucket is ratelimit:bucket:alice"
        )


@pytest.mark.spec("Keys and expiry")
@pytest.mark.parametrize(
    ("make", "needed_ms"),
    [
        (lambda r: FixedWindowLimiter(r, limit=5, window=10), 10_000),  # rest of the window
        (lambda r: SlidingWindowLogLimiter(r, limit=5, window=10), 10_000),  # the window
        (lambda r: TokenBucketLimiter(r, capacity=10, refill_per_sec=1), 10_000),  # refill time
        (lambda r: TokenBucketLimiter(r, capacity=2, refill_per_sec=0.3), 6_667),  # 2 / 0.3 s
    ],
    ids=[*KINDS, "token_bucket_slow_refill"],
)
def test_every_key_gets_a_cleanup_ttl_long_enough(
    redis: Any, make: Callable[[Any], Any], needed_ms: int
) -> None:
    with freeze_time(at(T0)):
        limiter = make(redis)
        verdicts(limiter, "alice", 10)  # the bucket ends up empty
        keys = list(redis.scan_iter())
        assert keys, "the limiter must keep its state in Redis"
        for key in keys:
            pttl = redis.pttl(key)
            assert pttl >= 0, f"key {key!r} has no TTL: idle keys would stay forever"
            assert pttl >= needed_ms - 500, (
                f"key {key!r} expires in {pttl} ms but its data matters for {needed_ms} ms"
            )


@pytest.mark.spec("Keys and expiry")
@pytest.mark.parametrize("kind", KINDS)
def test_verdicts_do_not_depend_on_the_server_expiring_keys(redis: Any, kind: str) -> None:
    # A server that is slow to expire keys: remove every TTL, then move on.
    with freeze_time(at(T0)) as clock:
        limiter = FACTORIES[kind](redis)
        assert verdicts(limiter, "alice", 3) == [True, True, False]
        for key in redis.scan_iter():
            redis.persist(key)
        clock.move_to(at(T0 + 1000))
        assert verdicts(limiter, "alice", 3) == [True, True, False], (
            "1000 s later the limit applies afresh even though the old keys were never expired"
        )


# -- Validation ---------------------------------------------------------------


@pytest.mark.spec("Validation")
@pytest.mark.parametrize(
    ("cls", "first", "second"),
    [
        (FixedWindowLimiter, 0, 10),
        (FixedWindowLimiter, 5, 0),
        (FixedWindowLimiter, 5, -1),
        (SlidingWindowLogLimiter, 0, 10),
        (SlidingWindowLogLimiter, 5, 0),
        (SlidingWindowLogLimiter, 5, -1),
        (TokenBucketLimiter, 0, 1),
        (TokenBucketLimiter, 5, 0),
        (TokenBucketLimiter, 5, -2),
    ],
)
def test_invalid_parameters_are_rejected(redis: Any, cls: type, first: int, second: float) -> None:
    with pytest.raises(ValueError):
        cls(redis, first, second)


@pytest.mark.spec("Validation")
@pytest.mark.parametrize(
    "make",
    [
        lambda r: FixedWindowLimiter(r, limit=1, window=0.5),
        lambda r: SlidingWindowLogLimiter(r, limit=1, window=0.5),
        lambda r: TokenBucketLimiter(r, capacity=1, refill_per_sec=0.5),
    ],
    ids=KINDS,
)
def test_a_limit_of_one_and_short_windows_are_accepted(
    redis: Any, make: Callable[[Any], Any]
) -> None:
    with freeze_time(at(T0)):
        limiter = make(redis)
        assert verdicts(limiter, "alice", 2) == [True, False]
