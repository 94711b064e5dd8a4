"""Tests for the LRU cache kata.

The eviction order follows the textbook LRU policy (as in Python's
``functools.lru_cache``); expiry follows Redis/Memcached semantics: an entry
is gone once its age since the last write reaches the TTL.
"""

from __future__ import annotations

from unittest import mock

import pytest
from freezegun import freeze_time

from lru_cache import LRUCache


@pytest.mark.spec("API")
def test_get_returns_what_was_put() -> None:
    cache = LRUCache(2)
    cache.put("a", 1)
    assert cache.get("a") == 1


@pytest.mark.spec("API")
def test_get_missing_returns_default() -> None:
    cache = LRUCache(2)
    assert cache.get("nope") is None
    assert cache.get("nope", "fallback") == "fallback"


@pytest.mark.spec("Constraints")
def test_none_is_a_storable_value() -> None:
    cache = LRUCache(2)
    cache.put("a", None)
    assert "a" in cache
    assert cache.get("a", "absent") is None


@pytest.mark.spec("Constraints")
def test_a_value_equal_to_everything_is_stored_as_itself() -> None:
    # unittest.mock.ANY compares equal to any object, a "missing" sentinel included.
    cache = LRUCache(2)
    cache.put("a", mock.ANY)
    assert cache.get("a", "absent") is mock.ANY, "compare a missing sentinel with `is`"


@pytest.mark.spec("API")
def test_put_replaces_value_without_growing() -> None:
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("a", 2)
    assert cache.get("a") == 2
    assert len(cache) == 1


@pytest.mark.spec("Eviction")
def test_evicts_least_recently_put_when_full() -> None:
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert "a" not in cache
    assert cache.get("b") == 2
    assert cache.get("c") == 3
    assert len(cache) == 2


@pytest.mark.spec("Eviction")
def test_get_makes_key_most_recently_used() -> None:
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert "b" not in cache, "b was least recently used after get('a'), so put('c') evicts b"
    assert cache.get("a") == 1


@pytest.mark.spec("Eviction")
def test_replacing_a_value_refreshes_recency_and_never_evicts() -> None:
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("b", 20)
    assert "a" in cache, "replacing b's value must not evict a"
    cache.put("a", 10)
    assert len(cache) == 2
    cache.put("c", 3)
    assert "b" not in cache
    assert cache.get("a") == 10


@pytest.mark.spec("API")
def test_contains_does_not_change_recency() -> None:
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert "a" in cache
    cache.put("c", 3)
    assert "a" not in cache, "`in` must not count as a use"


@pytest.mark.spec("API")
def test_delete_reports_whether_key_was_present() -> None:
    cache = LRUCache(2)
    cache.put("a", 1)
    assert cache.delete("a") is True
    assert cache.delete("a") is False
    assert "a" not in cache
    assert len(cache) == 0


@pytest.mark.spec("Eviction")
def test_delete_frees_room() -> None:
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.delete("a")
    cache.put("c", 3)
    assert cache.get("b") == 2
    assert cache.get("c") == 3


@pytest.mark.spec("Eviction")
def test_capacity_one() -> None:
    cache = LRUCache(1)
    cache.put("a", 1)
    cache.put("b", 2)
    assert "a" not in cache
    assert cache.get("b") == 2


@pytest.mark.spec("Eviction")
def test_long_sequence_matches_lru_policy() -> None:
    # The expected contents follow from the LRU policy by hand: with capacity 3
    # the accesses 1 2 3 1 4 5 2 leave the three most recently used keys.
    cache = LRUCache(3)
    for key in (1, 2, 3):
        cache.put(key, key * 10)
    cache.get(1)
    cache.put(4, 40)  # evicts 2
    cache.put(5, 50)  # evicts 3
    cache.put(2, 20)  # evicts 1
    assert sorted(k for k in range(1, 6) if k in cache) == [2, 4, 5]


@pytest.mark.spec("Expiry")
def test_entry_expires_when_age_reaches_ttl() -> None:
    with freeze_time("2024-01-01 00:00:00") as clock:
        cache = LRUCache(2, ttl=10)
        cache.put("a", 1)
        clock.tick(9.999)
        assert cache.get("a") == 1
        clock.tick(0.001)
        assert cache.get("a") is None, "at age == ttl the entry is expired"


@pytest.mark.spec("Expiry")
def test_get_does_not_extend_life() -> None:
    with freeze_time("2024-01-01 00:00:00") as clock:
        cache = LRUCache(2, ttl=10)
        cache.put("a", 1)
        clock.tick(6)
        assert cache.get("a") == 1
        clock.tick(6)
        assert cache.get("a") is None


@pytest.mark.spec("Expiry")
def test_put_renews_life() -> None:
    with freeze_time("2024-01-01 00:00:00") as clock:
        cache = LRUCache(2, ttl=10)
        cache.put("a", 1)
        clock.tick(6)
        cache.put("a", 2)
        clock.tick(6)
        assert cache.get("a") == 2


@pytest.mark.spec("Expiry")
def test_expired_entries_are_not_counted_or_contained() -> None:
    with freeze_time("2024-01-01 00:00:00") as clock:
        cache = LRUCache(3, ttl=5)
        cache.put("a", 1)
        clock.tick(3)
        cache.put("b", 2)
        clock.tick(3)
        assert "a" not in cache
        assert "b" in cache
        assert len(cache) == 1
        assert cache.delete("a") is False


@pytest.mark.spec("Expiry")
def test_expired_entries_do_not_take_capacity_from_live_ones() -> None:
    # "a" is the most recently used but expired, "b" the least recently used but live: the
    # cache holds one live entry, so putting "c" fits without evicting "b".
    with freeze_time("2024-01-01 00:00:00") as clock:
        cache = LRUCache(2, ttl=10)
        cache.put("a", 1)
        clock.tick(5)
        cache.put("b", 2)
        clock.tick(1)
        assert cache.get("a") == 1  # "a" is now the most recently used
        clock.tick(4)  # t=10: "a" expires, "b" (age 5) lives
        cache.put("c", 3)
        assert cache.get("b") == 2, "an expired entry took the place of a live one"
        assert cache.get("c") == 3
        assert len(cache) == 2


@pytest.mark.spec("Expiry")
def test_get_of_an_expired_key_returns_the_default() -> None:
    with freeze_time("2024-01-01 00:00:00") as clock:
        cache = LRUCache(2, ttl=10)
        cache.put("a", 1)
        clock.tick(10)
        missing = object()
        assert cache.get("a", missing) is missing, "an expired key is absent: get gives default"
        assert cache.get("a", "fallback") == "fallback"


@pytest.mark.spec("Expiry")
def test_delete_under_a_ttl() -> None:
    with freeze_time("2024-01-01 00:00:00") as clock:
        cache = LRUCache(2, ttl=10)
        cache.put("a", 1)
        cache.put("b", 2)
        clock.tick(10)
        assert cache.delete("a") is False, "an expired entry is already gone"
        cache.put("c", 3)
        assert cache.delete("c") is True
        assert cache.get("c", "gone") == "gone"
        cache.put("c", 4)  # a fresh entry with a fresh TTL
        clock.tick(9.999)
        assert cache.get("c") == 4
        clock.tick(0.001)
        assert "c" not in cache
        assert len(cache) == 0


@pytest.mark.spec("Expiry")
def test_evicted_and_deleted_entries_expire_cleanly() -> None:
    # Entries that left by eviction or delete have nothing left to expire later.
    with freeze_time("2024-01-01 00:00:00") as clock:
        cache = LRUCache(1, ttl=10)
        cache.put("a", 1)
        cache.put("b", 2)  # evicts "a"
        clock.tick(5)
        assert cache.delete("b") is True
        cache.put("c", 3)
        clock.tick(5)  # t=10: the time "a" would have expired
        assert len(cache) == 1
        assert cache.get("c") == 3
        clock.tick(5)  # t=15: the time "b" would have expired, and "c" does
        assert len(cache) == 0
        assert "c" not in cache


@pytest.mark.spec("Expiry")
def test_no_ttl_means_no_expiry() -> None:
    with freeze_time("2024-01-01 00:00:00") as clock:
        cache = LRUCache(2)
        cache.put("a", 1)
        clock.tick(10**9)
        assert cache.get("a") == 1


@pytest.mark.spec("Validation")
@pytest.mark.parametrize("capacity", [0, -1])
def test_capacity_below_one_is_rejected(capacity: int) -> None:
    with pytest.raises(ValueError):
        LRUCache(capacity)


@pytest.mark.spec("Validation")
@pytest.mark.parametrize("ttl", [0, -5])
def test_non_positive_ttl_is_rejected(ttl: float) -> None:
    with pytest.raises(ValueError):
        LRUCache(2, ttl=ttl)


@pytest.mark.spec("Validation")
def test_a_fractional_ttl_is_valid() -> None:
    with freeze_time("2024-01-01 00:00:00") as clock:
        cache = LRUCache(2, ttl=0.5)
        cache.put("a", 1)
        clock.tick(0.499)
        assert cache.get("a") == 1
        clock.tick(0.001)
        assert "a" not in cache
