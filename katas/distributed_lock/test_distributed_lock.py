"""Tests for the distributed lock kata.

The lock follows the single-instance algorithm of "Distributed Locks with
Redis" (https://redis.io/docs/latest/develop/use/patterns/distributed-locks/):
SET key <random value> NX PX <ttl>, and release by a compare-and-delete
script. Fencing tokens follow Martin Kleppmann, "How to do distributed
locking" (2016): a number that increases with every grant of the lock.

Expiry needs real time on a real server, so a lock is expired by shortening
its TTL (PEXPIRE key 1) and pausing briefly, as a holder that stalled past its
TTL would find it. Races are forced, not hoped for: the lock under test talks
through a RedisRecorder client, whose hooks let the lock expire and pass to
another client between two of its round trips.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest

from distributed_lock import LockNotOwnedError, RedisLock
from grader.kata_support import RedisRecorder, in_thread, run_threads

NAME = "invoice:42"


def expire_now(redis: Any, key: str = NAME) -> None:
    """Make the lock's key expire (a stalled holder's lock ran out)."""
    redis.pexpire(key, 1)
    time.sleep(0.01)
    assert redis.exists(key) == 0


# -- Acquire ------------------------------------------------------------------


@pytest.mark.spec("Acquire")
def test_acquire_sets_the_key_with_an_owner_value_and_ttl(redis: Any) -> None:
    lock = RedisLock(redis, NAME, ttl_ms=5000)
    assert lock.acquire(blocking=False) is True
    owner = redis.get(NAME)
    assert isinstance(owner, str) and owner, f"the lock is the key {NAME!r} holding an owner value"
    assert 0 < redis.pttl(NAME) <= 5000, "the lock key expires after ttl_ms"


@pytest.mark.spec("Acquire")
def test_held_lock_cannot_be_taken_by_another_object(redis: Any) -> None:
    a = RedisLock(redis, NAME, ttl_ms=5000)
    b = RedisLock(redis, NAME, ttl_ms=5000)
    assert a.acquire(blocking=False) is True
    owner = redis.get(NAME)
    assert b.acquire(blocking=False) is False
    assert redis.get(NAME) == owner, "a failed acquire must not touch the holder's key"
    other = RedisLock(redis, "invoice:43", ttl_ms=5000)
    assert other.acquire(blocking=False) is True, "locks with other names are independent"


@pytest.mark.spec("Acquire")
def test_every_acquisition_has_a_new_owner_value(redis: Any) -> None:
    a = RedisLock(redis, NAME, ttl_ms=5000)
    b = RedisLock(redis, NAME, ttl_ms=5000)
    seen = []
    for lock in (a, b, a):
        assert lock.acquire(blocking=False) is True
        seen.append(redis.get(NAME))
        lock.release()
    assert len(set(seen)) == 3, f"owner values {seen}: each acquisition needs a fresh random one"


@pytest.mark.spec("Acquire")
def test_blocking_acquire_gives_up_after_timeout(redis: Any) -> None:
    a = RedisLock(redis, NAME, ttl_ms=10_000)
    b = RedisLock(redis, NAME, ttl_ms=10_000)
    assert a.acquire(blocking=False)
    started = time.monotonic()
    assert b.acquire(timeout=0.2) is False
    waited = time.monotonic() - started
    assert waited >= 0.15, f"acquire(timeout=0.2) gave up after {waited:.3f} s: it must wait"


@pytest.mark.spec("Acquire")
def test_blocking_acquire_gets_the_lock_once_released(redis: Any) -> None:
    a = RedisLock(redis, NAME, ttl_ms=10_000)
    b = RedisLock(redis, NAME, ttl_ms=10_000)
    assert a.acquire(blocking=False)
    thread, out = in_thread(lambda: b.acquire(timeout=1.5))
    time.sleep(0.1)  # b is now retrying
    a.release()
    thread.join(2)
    assert out.get("result") is True, "a blocking acquire must retry until the lock is free"
    assert b.token == 2


@pytest.mark.spec("Acquire")
def test_blocking_acquire_gets_an_expired_lock(redis: Any) -> None:
    stalled = RedisLock(redis, NAME, ttl_ms=100)  # takes the lock and never releases it
    waiting = RedisLock(redis, NAME, ttl_ms=5000)
    assert stalled.acquire(blocking=False)
    assert waiting.acquire(timeout=1.5) is True, "the lock expires after 100 ms"


@pytest.mark.spec("Acquire")
def test_the_lock_never_exists_without_its_expiry(redis: Any) -> None:
    # After each round trip of acquire, a lock key that exists must already
    # expire (PTTL -1 means no expiry): a holder dying right there would
    # otherwise leave a lock nobody can ever take.
    rec = RedisRecorder(redis)
    lock = RedisLock(rec.client, NAME, ttl_ms=5000)
    pttls: list[int] = []
    rec.after(lambda _: True, lambda: pttls.append(redis.pttl(NAME)), times=100)
    assert lock.acquire(blocking=False)
    assert pttls and -1 not in pttls, (
        f"PTTL of the lock after each round trip: {pttls}; take it with SET NX PX in one step, "
        "not SETNX then PEXPIRE"
    )


@pytest.mark.spec("Acquire")
def test_zero_timeout_on_a_held_lock_returns_at_once(redis: Any) -> None:
    holder = RedisLock(redis, NAME, ttl_ms=10_000)
    assert holder.acquire(blocking=False)
    rec = RedisRecorder(redis)
    waiting = RedisLock(rec.client, NAME, ttl_ms=10_000)
    thread, out = in_thread(lambda: waiting.acquire(timeout=0))
    thread.join(1)
    hung = thread.is_alive()
    holder.release()  # lets a wrongly waiting acquire finish
    thread.join(1)
    assert not hung, "acquire(timeout=0) on a held lock must return False at once, not wait"
    assert out.get("result") is False
    assert rec.steps == 1, f"timeout=0 makes exactly one attempt, not {rec.steps} round trips"


@pytest.mark.spec("Acquire")
def test_zero_timeout_on_a_free_lock_takes_it(redis: Any) -> None:
    lock = RedisLock(redis, NAME, ttl_ms=5000)
    assert lock.acquire(timeout=0) is True, "timeout=0 still makes one attempt"
    assert lock.token == 1 and redis.exists(NAME) == 1


@pytest.mark.spec("Acquire")
@pytest.mark.weight(2)
def test_the_lock_is_not_reentrant(redis: Any) -> None:
    lock = RedisLock(redis, NAME, ttl_ms=5000)
    assert lock.acquire(blocking=False)
    owner = redis.get(NAME)
    assert lock.acquire(blocking=False) is False, "the holder's own second acquire must fail"
    assert lock.acquire(timeout=0.05) is False, "...and a blocking one waits like anyone's"
    assert redis.get(NAME) == owner, "a failed acquire must not touch the lock"
    assert lock.token == 1 and redis.get(f"{NAME}:fencing") == "1"
    lock.release()  # still the holder: no LockNotOwnedError
    assert redis.exists(NAME) == 0


# -- Release ------------------------------------------------------------------


@pytest.mark.spec("Release")
def test_release_frees_the_lock(redis: Any) -> None:
    a = RedisLock(redis, NAME, ttl_ms=5000)
    b = RedisLock(redis, NAME, ttl_ms=5000)
    assert a.acquire(blocking=False)
    a.release()
    assert redis.exists(NAME) == 0
    assert b.acquire(blocking=False) is True


@pytest.mark.spec("Release")
@pytest.mark.weight(2)
def test_release_after_expiry_raises_and_keeps_the_new_holders_lock(redis: Any) -> None:
    a = RedisLock(redis, NAME, ttl_ms=5000)
    b = RedisLock(redis, NAME, ttl_ms=5000)
    assert a.acquire(blocking=False)
    expire_now(redis)
    assert b.acquire(blocking=False) is True
    owner_b = redis.get(NAME)
    with pytest.raises(LockNotOwnedError):
        a.release()
    assert redis.get(NAME) == owner_b, "a's late release deleted b's lock"
    b.release()
    assert redis.exists(NAME) == 0


@pytest.mark.spec("Release")
def test_release_after_expiry_without_new_holder_raises(redis: Any) -> None:
    a = RedisLock(redis, NAME, ttl_ms=5000)
    assert a.acquire(blocking=False)
    expire_now(redis)
    with pytest.raises(LockNotOwnedError):
        a.release()


@pytest.mark.spec("Release")
def test_release_of_a_lock_never_acquired_raises(redis: Any) -> None:
    holder = RedisLock(redis, NAME, ttl_ms=5000)
    assert holder.acquire(blocking=False)
    stranger = RedisLock(redis, NAME, ttl_ms=5000)
    with pytest.raises(LockNotOwnedError):
        stranger.release()
    assert redis.exists(NAME) == 1, "a stranger's release must not delete the holder's lock"


@pytest.mark.spec("Release")
def test_second_release_raises(redis: Any) -> None:
    a = RedisLock(redis, NAME, ttl_ms=5000)
    assert a.acquire(blocking=False)
    a.release()
    b = RedisLock(redis, NAME, ttl_ms=5000)
    assert b.acquire(blocking=False)
    with pytest.raises(LockNotOwnedError):
        a.release()
    assert redis.exists(NAME) == 1, "a's second release deleted b's lock"


@pytest.mark.spec("Release")
@pytest.mark.weight(2)
def test_release_is_one_atomic_compare_and_delete(redis: Any) -> None:
    # Between release's first round trip and the next, the lock expires and
    # another client takes it: a GET then a DEL would delete that client's lock.
    rec = RedisRecorder(redis)
    stalled = RedisLock(rec.client, NAME, ttl_ms=5000)
    successor = RedisLock(redis, NAME, ttl_ms=5000)
    assert stalled.acquire(blocking=False)
    steal = rec.steal(NAME, take=lambda: successor.acquire(blocking=False), when=1)
    # LockNotOwnedError is fine if the check itself saw the lock go: it was no longer ours.
    with contextlib.suppress(LockNotOwnedError):
        stalled.release()
    assert steal.fired == 1, "release must talk to Redis"
    assert redis.exists(NAME) == 1, (
        "release deleted the lock another client took between its check and its delete: "
        "compare and delete in one script"
    )
    successor.release()


# -- Extend -------------------------------------------------------------------


@pytest.mark.spec("Extend")
def test_extend_sets_the_remaining_time(redis: Any) -> None:
    a = RedisLock(redis, NAME, ttl_ms=1000)
    assert a.acquire(blocking=False)
    assert a.extend(60_000) is True
    assert 59_000 < redis.pttl(NAME) <= 60_000
    assert a.extend(2000) is True
    assert 0 < redis.pttl(NAME) <= 2000, "extend sets the remaining time, it does not add to it"


@pytest.mark.spec("Extend")
def test_extended_lock_outlives_its_first_ttl(redis: Any) -> None:
    a = RedisLock(redis, NAME, ttl_ms=100)
    b = RedisLock(redis, NAME, ttl_ms=5000)
    assert a.acquire(blocking=False)
    assert a.extend(5000) is True
    time.sleep(0.15)
    assert b.acquire(blocking=False) is False, "a extended its lock to 5 s"


@pytest.mark.spec("Extend")
def test_extend_after_losing_the_lock_fails_and_changes_nothing(redis: Any) -> None:
    a = RedisLock(redis, NAME, ttl_ms=5000)
    b = RedisLock(redis, NAME, ttl_ms=3000)
    assert a.acquire(blocking=False)
    expire_now(redis)
    assert b.acquire(blocking=False)
    assert a.extend(60_000) is False
    assert 0 < redis.pttl(NAME) <= 3000, "a's extend changed b's lock"


@pytest.mark.spec("Extend")
def test_extend_without_acquire_fails(redis: Any) -> None:
    holder = RedisLock(redis, NAME, ttl_ms=3000)
    assert holder.acquire(blocking=False)
    stranger = RedisLock(redis, NAME, ttl_ms=3000)
    assert stranger.extend(60_000) is False
    assert redis.pttl(NAME) <= 3000


# -- Fencing tokens -----------------------------------------------------------


@pytest.mark.spec("Fencing tokens")
@pytest.mark.weight(2)
def test_tokens_count_up_across_holders(redis: Any) -> None:
    a = RedisLock(redis, NAME, ttl_ms=5000)
    b = RedisLock(redis, NAME, ttl_ms=5000)
    tokens = []
    for lock in (a, b, a, b):
        assert lock.acquire(blocking=False)
        tokens.append(lock.token)
        lock.release()
    assert tokens == [1, 2, 3, 4], f"INCR on {NAME}:fencing gives 1, 2, 3, 4, not {tokens}"
    assert redis.get(f"{NAME}:fencing") == "4"


@pytest.mark.spec("Fencing tokens")
def test_tokens_continue_an_existing_counter(redis: Any) -> None:
    redis.set(f"{NAME}:fencing", 41)
    lock = RedisLock(redis, NAME, ttl_ms=5000)
    assert lock.acquire(blocking=False)
    assert lock.token == 42


@pytest.mark.spec("Fencing tokens")
def test_failed_acquire_takes_no_token(redis: Any) -> None:
    a = RedisLock(redis, NAME, ttl_ms=5000)
    b = RedisLock(redis, NAME, ttl_ms=5000)
    assert a.token is None, "no token before the first acquire"
    assert a.acquire(blocking=False) and a.token == 1
    assert b.acquire(blocking=False) is False
    assert b.acquire(timeout=0.05) is False
    assert b.token is None
    assert redis.get(f"{NAME}:fencing") == "1"
    a.release()
    assert b.acquire(blocking=False) and b.token == 2


@pytest.mark.spec("Fencing tokens")
def test_holder_after_expiry_has_the_larger_token(redis: Any) -> None:
    stalled = RedisLock(redis, NAME, ttl_ms=5000)
    assert stalled.acquire(blocking=False)
    expire_now(redis)
    successor = RedisLock(redis, NAME, ttl_ms=5000)
    assert successor.acquire(blocking=False)
    assert stalled.token == 1 and successor.token == 2, (
        "the storage can now reject the stalled holder's writes: its token is older"
    )


@pytest.mark.spec("Fencing tokens")
@pytest.mark.weight(2)
def test_token_is_taken_in_the_same_step_as_the_lock(redis: Any) -> None:
    # Right after the round trip that created the lock key, the lock expires
    # and another client takes it. It took the lock later, so its token must
    # be the larger one; an INCR sent after the SET would give it the smaller.
    rec = RedisRecorder(redis)
    stalled = RedisLock(rec.client, NAME, ttl_ms=5000)
    successor = RedisLock(redis, NAME, ttl_ms=5000)
    steal = rec.steal(
        NAME,
        take=lambda: successor.acquire(blocking=False),
        when=lambda _: redis.exists(NAME) == 1,
    )
    assert stalled.acquire(blocking=False) is True
    assert steal.fired == 1
    assert (stalled.token, successor.token) == (1, 2), (
        "the later holder must have the larger token: take it in the same script as the SET"
    )


# -- Context manager ----------------------------------------------------------


@pytest.mark.spec("Context manager")
def test_with_acquires_and_releases(redis: Any) -> None:
    lock = RedisLock(redis, NAME, ttl_ms=5000)
    with lock as held:
        assert held is lock
        assert redis.exists(NAME) == 1
        assert lock.token == 1
    assert redis.exists(NAME) == 0


@pytest.mark.spec("Context manager")
def test_with_releases_when_the_block_raises(redis: Any) -> None:
    lock = RedisLock(redis, NAME, ttl_ms=5000)
    with pytest.raises(KeyError), lock:
        raise KeyError("boom")
    assert redis.exists(NAME) == 0


@pytest.mark.spec("Context manager")
def test_with_waits_for_the_lock(redis: Any) -> None:
    holder = RedisLock(redis, NAME, ttl_ms=100)
    assert holder.acquire(blocking=False)
    with RedisLock(redis, NAME, ttl_ms=5000) as lock:
        assert lock.token == 2, "the with block starts once the holder's lock expired"


@pytest.mark.spec("Context manager")
def test_leaving_a_lost_lock_raises(redis: Any) -> None:
    other = RedisLock(redis, NAME, ttl_ms=5000)
    with pytest.raises(LockNotOwnedError), RedisLock(redis, NAME, ttl_ms=5000):
        expire_now(redis)
        assert other.acquire(blocking=False)
    assert redis.exists(NAME) == 1, "leaving the block must not delete the new holder's lock"


# -- Mutual exclusion under threads ------------------------------------------


@pytest.mark.spec("Acquire")
@pytest.mark.weight(2)
def test_threads_under_the_lock_lose_no_updates(redis: Any) -> None:
    threads, rounds = 4, 10
    inside = [0]
    overlaps = []

    def worker() -> None:
        lock = RedisLock(redis, NAME, ttl_ms=5000)
        for _ in range(rounds):
            with lock:
                inside[0] += 1
                if inside[0] > 1:
                    overlaps.append(inside[0])
                value = int(redis.get("counter") or 0)
                redis.set("counter", value + 1)  # read-modify-write: needs the lock
                inside[0] -= 1

    run_threads([worker] * threads, switch_interval=1e-5)
    assert not overlaps, "two threads held the lock at the same time"
    assert redis.get("counter") == str(threads * rounds), "increments were lost"
    assert redis.get(f"{NAME}:fencing") == str(threads * rounds)


# -- Validation ---------------------------------------------------------------


@pytest.mark.spec("Validation")
@pytest.mark.parametrize("ttl_ms", [0, -1])
def test_non_positive_ttl_is_rejected(redis: Any, ttl_ms: int) -> None:
    with pytest.raises(ValueError):
        RedisLock(redis, NAME, ttl_ms=ttl_ms)
    lock = RedisLock(redis, NAME, ttl_ms=5000)
    assert lock.acquire(blocking=False)
    with pytest.raises(ValueError):
        lock.extend(ttl_ms)


@pytest.mark.spec("Validation")
def test_a_one_millisecond_ttl_is_accepted(redis: Any) -> None:
    lock = RedisLock(redis, NAME, ttl_ms=1)  # positive: allowed, if not useful
    holder = RedisLock(redis, NAME, ttl_ms=5000)
    assert holder.acquire(blocking=False)
    assert holder.extend(1) is True
    assert redis.pttl(NAME) <= 1
    assert lock.acquire(timeout=1) is True


@pytest.mark.spec("Validation")
@pytest.mark.parametrize(
    ("blocking", "timeout"), [(False, 1.0), (False, 0), (True, -1)], ids=["nb+1", "nb+0", "neg"]
)
def test_bad_acquire_arguments_are_rejected(redis: Any, blocking: bool, timeout: float) -> None:
    lock = RedisLock(redis, NAME, ttl_ms=5000)
    with pytest.raises(ValueError):
        lock.acquire(blocking=blocking, timeout=timeout)
