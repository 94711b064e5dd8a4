"""Tests for the cache-aside kata.

The pattern follows the cache-aside (lazy loading) descriptions of the Azure
Architecture Center and AWS ElastiCache; negative caching with its own TTL
follows RFC 2308; single flight follows Go's golang.org/x/sync/singleflight.
Stored entries are checked by reading Redis directly (GET, TTL) and decoding
with the standard json module. Races are forced, not hoped for: the cache
under test talks through a RedisRecorder client (grader.kata_support), whose
hooks look at or change Redis between two of its round trips.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import types
from collections import Counter, deque
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from cache_aside import CacheAside
from grader.kata_support import RedisRecorder, expire_now, in_thread


class Loader:
    """A loader over a dict that counts its calls per key (thread-safe)."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data = dict(data or {})
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, key: str) -> Any | None:
        with self._lock:
            self.calls[key] += 1
        return self.data.get(key)


class Gate:
    """A loader that blocks chosen keys until released, to hold a load in flight."""

    def __init__(self, value: Callable[[str], Any], blocked: set[str]) -> None:
        self.value = value
        self.blocked = blocked
        self.calls: Counter[str] = Counter()
        self.started = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, key: str) -> Any:
        with self._lock:
            self.calls[key] += 1
        if key in self.blocked:
            self.started.set()
            self.release.wait(5)
        return self.value(key)


def wait_until(condition: Callable[[], bool], seconds: float) -> None:
    """Poll ``condition`` for up to ``seconds`` (a grace period, not an assertion)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)


# -- API ----------------------------------------------------------------------


@pytest.mark.spec("API")
def test_miss_calls_loader_and_returns_its_value(redis: Any) -> None:
    loader = Loader({"user:1": {"name": "Ada", "langs": ["en", "fr"], "admin": True}})
    cache = CacheAside(redis, loader, ttl=300, negative_ttl=30)
    assert cache.get("user:1") == {"name": "Ada", "langs": ["en", "fr"], "admin": True}
    assert loader.calls["user:1"] == 1


# -- Storage format -----------------------------------------------------------


@pytest.mark.spec("Storage format")
def test_value_is_stored_as_json_at_cache_key(redis: Any) -> None:
    value = {"name": "Ada", "langs": ["en", "fr"], "age": 36, "score": 9.5, "nick": None}
    cache = CacheAside(redis, Loader({"user:1": value}), ttl=300, negative_ttl=30)
    cache.get("user:1")
    raw = redis.get("cache:user:1")
    assert raw is not None, "get('user:1') must store the value at the Redis key cache:user:1"
    assert json.loads(raw) == value, f"cache:user:1 holds {raw!r}, not the JSON of the value"


@pytest.mark.spec("Storage format")
def test_entry_written_by_someone_else_is_a_hit(redis: Any) -> None:
    redis.set("cache:user:7", json.dumps({"name": "Grace", "tags": [1, 2]}))
    loader = Loader({"user:7": {"name": "from the database"}})
    cache = CacheAside(redis, loader, ttl=300, negative_ttl=30)
    assert cache.get("user:7") == {"name": "Grace", "tags": [1, 2]}
    assert loader.calls["user:7"] == 0, "an existing cache:user:7 entry is a hit"


@pytest.mark.spec("Storage format")
def test_miss_returns_the_same_decoded_json_as_later_hits(redis: Any) -> None:
    # json.dumps turns tuples into arrays and int keys into strings.
    loader = Loader({"k": {1: (2, 3)}})
    cache = CacheAside(redis, loader, ttl=300, negative_ttl=30)
    first = cache.get("k")
    second = cache.get("k")
    assert first == second == {"1": [2, 3]}, (
        f"first get returned {first!r}, the hit {second!r}: return the decoded JSON on a miss too"
    )


# -- Hits and misses ----------------------------------------------------------


@pytest.mark.spec("Hits and misses")
def test_hit_does_not_call_loader(redis: Any) -> None:
    loader = Loader({"a": [1, 2, 3]})
    cache = CacheAside(redis, loader, ttl=300, negative_ttl=30)
    for _ in range(5):
        assert cache.get("a") == [1, 2, 3]
    assert loader.calls["a"] == 1


@pytest.mark.spec("Hits and misses")
@pytest.mark.parametrize("value", [0, 0.0, "", [], {}, False], ids=repr)
def test_falsy_values_are_cached_values(redis: Any, value: Any) -> None:
    loader = Loader({"k": value})
    cache = CacheAside(redis, loader, ttl=300, negative_ttl=30)
    assert cache.get("k") == value
    assert cache.get("k") == value
    assert loader.calls["k"] == 1, f"{value!r} is a cached value, not a miss"
    assert json.loads(redis.get("cache:k")) == value


@pytest.mark.spec("Hits and misses")
def test_keys_are_cached_separately(redis: Any) -> None:
    loader = Loader({"a": "A", "b": "B"})
    cache = CacheAside(redis, loader, ttl=300, negative_ttl=30)
    assert [cache.get("a"), cache.get("b"), cache.get("a"), cache.get("b")] == ["A", "B", "A", "B"]
    assert loader.calls == Counter({"a": 1, "b": 1})


@pytest.mark.spec("Hits and misses")
def test_hit_does_not_renew_the_ttl(redis: Any) -> None:
    cache = CacheAside(redis, Loader({"a": 1}), ttl=300, negative_ttl=30)
    cache.get("a")
    redis.expire("cache:a", 5)  # as if 295 seconds had passed
    cache.get("a")
    assert 0 < redis.ttl("cache:a") <= 5, "a hit must not reset the entry's TTL"


@pytest.mark.spec("Hits and misses")
def test_an_entry_that_expires_during_get_is_a_miss_not_an_error(redis: Any) -> None:
    # The entry runs out right after get's first round trip: a GET has read it
    # by then; an EXISTS has not, and a GET after it finds nothing.
    rec = RedisRecorder(redis)
    loader = Loader({"a": "fresh"})
    cache = CacheAside(rec.client, loader, ttl=300, negative_ttl=30)
    redis.set("cache:a", json.dumps("cached"), ex=300)
    expiry = rec.after(1, lambda: expire_now(redis, "cache:a"))
    value = cache.get("a")
    assert expiry.fired == 1
    assert value == ("fresh" if loader.calls["a"] else "cached"), (
        "an entry that expired between two of get's round trips is a miss: read it with one GET"
    )


# -- Negative caching ---------------------------------------------------------


@pytest.mark.spec("Negative caching")
def test_not_found_is_cached_as_null(redis: Any) -> None:
    loader = Loader({})
    cache = CacheAside(redis, loader, ttl=300, negative_ttl=30)
    assert cache.get("ghost") is None
    assert cache.get("ghost") is None
    assert loader.calls["ghost"] == 1, "a cached 'not found' must not call the loader again"
    raw = redis.get("cache:ghost")
    assert raw is not None, "the miss itself must be cached at cache:ghost"
    assert json.loads(raw) is None, f"a 'not found' entry holds JSON null, not {raw!r}"


@pytest.mark.spec("Negative caching")
def test_null_written_by_someone_else_is_a_negative_hit(redis: Any) -> None:
    redis.set("cache:ghost", "null", ex=30)
    loader = Loader({"ghost": "surprise"})
    cache = CacheAside(redis, loader, ttl=300, negative_ttl=30)
    assert cache.get("ghost") is None
    assert loader.calls["ghost"] == 0


# -- Expiry -------------------------------------------------------------------


@pytest.mark.spec("Expiry")
def test_value_gets_ttl(redis: Any) -> None:
    cache = CacheAside(redis, Loader({"a": "A"}), ttl=300, negative_ttl=30)
    cache.get("a")
    assert 299 <= redis.ttl("cache:a") <= 300, f"TTL is {redis.ttl('cache:a')}, expected 300"


@pytest.mark.spec("Expiry")
def test_not_found_gets_negative_ttl(redis: Any) -> None:
    cache = CacheAside(redis, Loader({}), ttl=300, negative_ttl=30)
    cache.get("ghost")
    ttl = redis.ttl("cache:ghost")
    assert ttl != -1, "a cached 'not found' without TTL would hide a new row forever"
    assert 29 <= ttl <= 30, f"a 'not found' lives negative_ttl (30 s), not {ttl} s"


@pytest.mark.spec("Expiry")
@pytest.mark.weight(2)
def test_no_entry_is_ever_without_its_ttl(redis: Any) -> None:
    # After each round trip of the cache, every cache: key must have a TTL
    # (TTL -1 means none): SET then EXPIRE leaves a moment without one.
    rec = RedisRecorder(redis)
    untimed: set[str] = set()

    def look() -> None:
        untimed.update(k for k in redis.scan_iter("cache:*") if redis.ttl(k) == -1)

    watch = rec.after(lambda _: True, look, times=10_000)
    cache = CacheAside(rec.client, Loader({"a": {"v": 1}}), ttl=300, negative_ttl=30)
    assert cache.get("a") == {"v": 1}
    assert cache.get("ghost") is None
    assert watch.fired >= 2
    assert not untimed, (
        f"{sorted(untimed)} existed without a TTL between two of your round trips: "
        "write the value and its expiry in one command (SET key value EX seconds)"
    )
    assert 299 <= redis.ttl("cache:a") <= 300
    assert 29 <= redis.ttl("cache:ghost") <= 30


# -- Single flight ------------------------------------------------------------


@pytest.mark.spec("Single flight")
@pytest.mark.weight(2)
def test_concurrent_misses_call_the_loader_once(redis: Any) -> None:
    gate = Gate(lambda key: {"id": key}, blocked={"hot"})
    cache = CacheAside(redis, gate, ttl=300, negative_ttl=30)
    workers = [in_thread(lambda: cache.get("hot")) for _ in range(8)]
    assert gate.started.wait(2), "no get('hot') reached the loader"
    # Give the other seven time to miss too; with single flight they wait.
    wait_until(lambda: gate.calls["hot"] > 1, 0.2)
    gate.release.set()
    for thread, out in workers:
        thread.join(2)
        assert "error" not in out, f"get raised {out.get('error')!r}"
        assert out.get("result") == {"id": "hot"}, "every waiting caller gets the loaded value"
    assert gate.calls["hot"] == 1, (
        f"8 concurrent misses of one key called the loader {gate.calls['hot']} times, not once"
    )


@pytest.mark.spec("Single flight")
def test_other_keys_do_not_wait_for_a_slow_load(redis: Any) -> None:
    redis.set("cache:cached", json.dumps("hit"))
    gate = Gate(lambda key: key.upper(), blocked={"slow"})
    cache = CacheAside(redis, gate, ttl=300, negative_ttl=30)
    slow, slow_out = in_thread(lambda: cache.get("slow"))
    try:
        assert gate.started.wait(2)
        other, other_out = in_thread(lambda: (cache.get("fast"), cache.get("cached")))
        other.join(1)
        assert not other.is_alive(), "get('fast') waited for the load of another key"
        assert other_out.get("result") == ("FAST", "hit")
    finally:
        gate.release.set()
        slow.join(2)
    assert slow_out.get("result") == "SLOW"


@pytest.mark.spec("Single flight")
def test_waiting_callers_do_not_hang_when_the_load_fails(redis: Any) -> None:
    failures = iter([RuntimeError("database down")])

    def value(key: str) -> str:
        error = next(failures, None)
        if error is not None:
            raise error
        return "ok"

    gate = Gate(value, blocked={"k"})
    cache = CacheAside(redis, gate, ttl=300, negative_ttl=30)
    first, first_out = in_thread(lambda: cache.get("k"))
    assert gate.started.wait(2)
    waiters = [in_thread(lambda: cache.get("k")) for _ in range(3)]
    wait_until(lambda: gate.calls["k"] > 1, 0.1)
    gate.release.set()
    first.join(2)
    assert isinstance(first_out.get("error"), RuntimeError), "the loader's error propagates"
    for thread, out in waiters:
        thread.join(2)
        assert not thread.is_alive(), "a caller waiting for a failed load hangs"
        assert out.get("result") == "ok" or isinstance(out.get("error"), RuntimeError)


# -- Invalidation and errors --------------------------------------------------


@pytest.mark.spec("Invalidation and errors")
def test_invalidate_makes_next_get_reload(redis: Any) -> None:
    loader = Loader({"a": "v1"})
    cache = CacheAside(redis, loader, ttl=300, negative_ttl=30)
    assert cache.get("a") == "v1"
    loader.data["a"] = "v2"
    assert cache.get("a") == "v1", "still cached"
    cache.invalidate("a")
    assert redis.exists("cache:a") == 0, "invalidate deletes cache:a"
    assert cache.get("a") == "v2"
    assert loader.calls["a"] == 2


@pytest.mark.spec("Invalidation and errors")
def test_invalidate_drops_a_negative_entry(redis: Any) -> None:
    loader = Loader({})
    cache = CacheAside(redis, loader, ttl=300, negative_ttl=30)
    assert cache.get("new") is None
    loader.data["new"] = {"created": True}
    cache.invalidate("new")
    assert cache.get("new") == {"created": True}


@pytest.mark.spec("Invalidation and errors")
def test_invalidate_of_an_uncached_key_is_harmless(redis: Any) -> None:
    loader = Loader({"a": 1})
    cache = CacheAside(redis, loader, ttl=300, negative_ttl=30)
    cache.invalidate("a")
    assert cache.get("a") == 1


@pytest.mark.spec("Invalidation and errors")
def test_loader_error_propagates_and_is_not_cached(redis: Any) -> None:
    attempts = []

    def flaky(key: str) -> str:
        attempts.append(key)
        if len(attempts) == 1:
            raise ConnectionError("database down")
        return "back"

    cache = CacheAside(redis, flaky, ttl=300, negative_ttl=30)
    with pytest.raises(ConnectionError):
        cache.get("k")
    assert redis.exists("cache:k") == 0, "a failed load must not be cached (not even as null)"
    assert cache.get("k") == "back"
    assert len(attempts) == 2


# -- Constraints ----------------------------------------------------------------


def held_objects(root: object, outside: Sequence[object]) -> int:
    """How many objects ``root`` holds on to, following containers and attributes.

    Objects in ``outside`` (the Redis client, the loader) and modules,
    classes and functions are not followed: what is left is the object's own
    state, whatever shape it has (dicts, lists, locks, events, helpers).
    """
    seen = {id(o) for o in outside}
    stack, count = [root], 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (type, types.ModuleType, Callable)):
            continue
        seen.add(id(obj))
        count += 1
        if isinstance(obj, dict):
            stack += [*obj.keys(), *obj.values()]
        elif isinstance(obj, (list, tuple, set, frozenset, deque)):
            stack += list(obj)
        state = getattr(obj, "__dict__", None)
        if isinstance(state, dict):
            stack += list(state.values())
        for slot in getattr(type(obj), "__slots__", ()):
            if hasattr(obj, slot):
                stack.append(getattr(obj, slot))
    return count


@pytest.mark.spec("Constraints")
@pytest.mark.weight(2)
def test_per_key_locks_do_not_pile_up(redis: Any) -> None:
    # 250 misses of different keys, one after the other (some loads
    # fail): with the locks of finished loads dropped, the cache holds no
    # more than before; a lock kept per key adds an entry or more per key.
    def value(key: str) -> int | None:
        number = int(key[1:])
        if number % 5 == 0:
            raise LookupError(key)  # a failed load must drop its lock too
        return None if number % 2 else number

    cache = CacheAside(redis, value, ttl=300, negative_ttl=30)

    def misses(first: int, count: int) -> None:
        for n in range(first, first + count):
            with contextlib.suppress(LookupError):
                cache.get(f"k{n}")

    misses(1, 20)  # warm up
    before = held_objects(cache, [redis, value])
    misses(1000, 250)
    grown = held_objects(cache, [redis, value]) - before
    assert grown < 100, (
        f"after 250 more misses of different keys the cache holds {grown} more objects: "
        "drop a key's lock once its load is over (also when the loader raised)"
    )
    assert cache.get("k1002") == 1002


# -- Validation ---------------------------------------------------------------


@pytest.mark.spec("Validation")
@pytest.mark.parametrize(("ttl", "negative_ttl"), [(0, 30), (-1, 30), (300, 0), (300, -5)])
def test_non_positive_ttls_are_rejected(redis: Any, ttl: int, negative_ttl: int) -> None:
    with pytest.raises(ValueError):
        CacheAside(redis, Loader(), ttl=ttl, negative_ttl=negative_ttl)


@pytest.mark.spec("Validation")
def test_one_second_ttls_are_accepted(redis: Any) -> None:
    cache = CacheAside(redis, Loader({"a": 1}), ttl=1, negative_ttl=1)
    assert cache.get("a") == 1
    assert cache.get("ghost") is None
    assert redis.ttl("cache:a") == 1 and redis.ttl("cache:ghost") == 1
