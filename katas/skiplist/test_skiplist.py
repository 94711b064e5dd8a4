"""Tests for the sorted set on a skip list.

Sources of truth:

- Redis's documented behaviour, checked against redis-server 7.0.15 with
  redis-cli: the ZRANGE examples on https://redis.io/docs/latest/commands/zrange/
  (ZADD myzset 1 one 2 two 3 three; ZRANGE myzset 0 -1 / 2 3 / -2 -1), the
  ZRANGEBYSCORE examples on https://redis.io/docs/latest/commands/zrangebyscore/,
  and the ordering of equal scores by member bytes
  (https://redis.io/docs/latest/develop/data-types/sorted-sets/).
- A brute-force model written here: a plain list of (score, member) pairs,
  sorted from scratch whenever it is read.
- The ``redis`` fixture: the same operations replayed on a Redis sorted set
  (fakeredis by default, a real server when REDIS_URL is set).
"""

from __future__ import annotations

import math
import random

import pytest

from skiplist import SortedSet


def build(*pairs: tuple[str, float]) -> SortedSet:
    z = SortedSet()
    for member, score in pairs:
        z.add(member, score)
    return z


def myzset() -> SortedSet:
    """The set of the redis.io examples: ZADD myzset 1 one 2 two 3 three."""
    return build(("one", 1), ("two", 2), ("three", 3))


class Model:
    """A sorted set the obvious way: a dict, sorted on every read."""

    def __init__(self) -> None:
        self.scores: dict[str, float] = {}

    def items(self) -> list[tuple[str, float]]:
        return [(m, s) for s, m in sorted((s, m) for m, s in self.scores.items())]

    def range_by_rank(self, start: int, stop: int) -> list[tuple[str, float]]:
        items = self.items()
        n = len(items)
        lo = start + n if start < 0 else start
        hi = stop + n if stop < 0 else stop
        return [items[i] for i in range(n) if lo <= i <= hi]

    def range_by_score(self, lo: float, hi: float) -> list[tuple[str, float]]:
        return [(m, s) for m, s in self.items() if lo <= s <= hi]


# --- API -------------------------------------------------------------------


@pytest.mark.spec("API")
def test_add_reports_new_members_and_updates_scores() -> None:
    z = SortedSet()
    assert z.add("a", 1) is True
    assert z.add("b", 2) is True
    assert z.add("a", 3) is False, "add of an existing member returns False"
    assert z.score("a") == 3
    assert len(z) == 2


@pytest.mark.spec("API")
def test_absent_members() -> None:
    z = build(("a", 1))
    assert z.score("x") is None
    assert z.rank("x") is None
    assert z.remove("x") is False
    assert "x" not in z
    assert len(z) == 1


@pytest.mark.spec("API")
def test_remove() -> None:
    z = myzset()
    assert z.remove("two") is True
    assert "two" not in z
    assert z.score("two") is None
    assert z.rank("two") is None
    assert len(z) == 2
    assert z.range_by_rank(0, -1) == [("one", 1), ("three", 3)]
    assert z.remove("two") is False


@pytest.mark.spec("API")
def test_remove_then_add_again() -> None:
    z = myzset()
    z.remove("one")
    assert z.add("one", 10) is True, "a removed member is new again"
    assert z.range_by_rank(0, -1) == [("two", 2), ("three", 3), ("one", 10)]


@pytest.mark.spec("API")
def test_empty_set() -> None:
    z = SortedSet()
    assert len(z) == 0
    assert "a" not in z
    assert z.range_by_rank(0, -1) == []
    assert z.range_by_score(-math.inf, math.inf) == []


@pytest.mark.spec("API")
def test_emptied_set_is_empty_and_fills_again() -> None:
    # Fill with one to four members and remove them all, twenty times over:
    # every round must leave a set that behaves as a new one.
    z = SortedSet()
    for round_ in range(20):
        members = [f"r{round_}m{i}" for i in range(round_ % 4 + 1)]
        for i, member in enumerate(members):
            assert z.add(member, i) is True
        for member in reversed(members):
            assert z.remove(member) is True
        assert len(z) == 0, f"round {round_}: every member was removed"
        assert z.range_by_rank(0, -1) == []
        assert z.range_by_score(-math.inf, math.inf) == []
        assert z.rank(members[0]) is None
    assert z.add("b", 2) is True
    assert z.add("a", 1) is True
    assert z.range_by_rank(0, -1) == [("a", 1), ("b", 2)]
    assert z.rank("b") == 1


@pytest.mark.spec("API")
def test_rank_is_zero_based_ascending() -> None:
    # ZRANK myzset three -> 2 after ZADD myzset 1 one 2 two 3 three (redis.io ZRANK).
    z = myzset()
    assert [z.rank(m) for m in ("one", "two", "three")] == [0, 1, 2]


# --- Ordering --------------------------------------------------------------


@pytest.mark.spec("Ordering")
def test_members_are_ordered_by_score() -> None:
    z = build(("c", 30), ("a", 10), ("d", -5), ("b", 20))
    assert z.range_by_rank(0, -1) == [("d", -5), ("a", 10), ("b", 20), ("c", 30)]


@pytest.mark.spec("Ordering")
def test_equal_scores_are_ordered_by_member_bytes() -> None:
    # redis-cli: ZADD t 0 a 0 B 0 é 0 z 0 ab 0 "" ; ZRANGE t 0 -1
    # -> "", B, a, ab, z, é (memcmp order: 'B' is 0x42, 'é' is 0xC3 0xA9).
    z = build(("a", 0), ("B", 0), ("é", 0), ("z", 0), ("ab", 0), ("", 0))
    members = [m for m, _ in z.range_by_rank(0, -1)]
    assert members == ["", "B", "a", "ab", "z", "é"], (
        "equal scores must be ordered by member, byte-wise, not by insertion"
    )
    assert z.rank("z") == 4


@pytest.mark.spec("Ordering")
def test_insertion_order_does_not_matter_for_ties() -> None:
    z = SortedSet()
    for member in ["delta", "charlie", "bravo", "alpha"]:
        z.add(member, 7)
    assert [m for m, _ in z.range_by_rank(0, -1)] == ["alpha", "bravo", "charlie", "delta"]
    assert z.rank("alpha") == 0


@pytest.mark.spec("Ordering")
def test_infinite_scores_are_allowed() -> None:
    z = build(("mid", 0), ("top", math.inf), ("bottom", -math.inf))
    assert z.range_by_rank(0, -1) == [("bottom", -math.inf), ("mid", 0), ("top", math.inf)]
    assert z.rank("top") == 2


@pytest.mark.spec("Ordering")
def test_nan_score_is_rejected() -> None:
    # Redis: ZADD t nan x -> ERR value is not a valid float.
    z = SortedSet()
    with pytest.raises(ValueError):
        z.add("x", math.nan)
    assert "x" not in z
    assert len(z) == 0


# --- Updates ---------------------------------------------------------------


@pytest.mark.spec("Updates")
def test_update_moves_the_member_without_duplicating_it() -> None:
    z = myzset()
    assert z.add("one", 5) is False
    assert z.range_by_rank(0, -1) == [("two", 2), ("three", 3), ("one", 5)], (
        "after a score update the member must appear once, at its new place"
    )
    assert len(z) == 3
    assert z.rank("one") == 2
    assert z.range_by_score(0, 1) == [], "the old score must be gone"


@pytest.mark.spec("Updates")
def test_same_score_again_changes_nothing() -> None:
    z = myzset()
    assert z.add("two", 2) is False
    assert z.range_by_rank(0, -1) == [("one", 1), ("two", 2), ("three", 3)]


@pytest.mark.spec("Updates")
def test_update_into_a_tie_is_ordered_by_member() -> None:
    z = build(("b", 1), ("c", 2), ("a", 3))
    z.add("a", 2)
    z.add("d", 2)
    assert z.range_by_rank(0, -1) == [("b", 1), ("a", 2), ("c", 2), ("d", 2)]
    assert [z.rank(m) for m in "abcd"] == [1, 0, 2, 3]


# --- Ranges by rank --------------------------------------------------------


@pytest.mark.spec("Ranges by rank")
@pytest.mark.parametrize(
    ("start", "stop", "expected"),
    [
        (0, -1, [("one", 1), ("two", 2), ("three", 3)]),  # redis.io ZRANGE example
        (2, 3, [("three", 3)]),  # redis.io ZRANGE example: stop past the end is clamped
        (-2, -1, [("two", 2), ("three", 3)]),  # redis.io ZRANGE example
        (0, 1, [("one", 1), ("two", 2)]),  # ZRANGE myzset 0 1 WITHSCORES
        (1, 1, [("two", 2)]),
        (0, 0, [("one", 1)]),
        (-1, -1, [("three", 3)]),
    ],
)
def test_range_by_rank_follows_zrange(
    start: int, stop: int, expected: list[tuple[str, float]]
) -> None:
    assert myzset().range_by_rank(start, stop) == expected, (
        f"range_by_rank({start}, {stop}): both ends are inclusive, -1 is the last member"
    )


@pytest.mark.spec("Ranges by rank")
@pytest.mark.parametrize(
    ("start", "stop", "expected"),
    [
        (5, 10, []),  # start past the end
        (3, 3, []),  # start == len
        (2, 1, []),  # start > stop
        (-100, 100, [("one", 1), ("two", 2), ("three", 3)]),  # both clamped
        (0, -100, []),  # stop resolves before the first member
        (-100, 0, [("one", 1)]),
        (-3, 1, [("one", 1), ("two", 2)]),
    ],
)
def test_range_by_rank_out_of_range_indexes(
    start: int, stop: int, expected: list[tuple[str, float]]
) -> None:
    # Each of these was checked with redis-cli ZRANGE myzset <start> <stop>.
    assert myzset().range_by_rank(start, stop) == expected


# --- Ranges by score -------------------------------------------------------


@pytest.mark.spec("Ranges by score")
def test_range_by_score_follows_zrangebyscore() -> None:
    # redis.io ZRANGEBYSCORE examples: -inf +inf -> one two three; 1 2 -> one two.
    z = myzset()
    assert z.range_by_score(-math.inf, math.inf) == [("one", 1), ("two", 2), ("three", 3)]
    assert z.range_by_score(1, 2) == [("one", 1), ("two", 2)], "both bounds are inclusive"


@pytest.mark.spec("Ranges by score")
def test_range_by_score_edges() -> None:
    z = build(("a", 1), ("b", 2), ("c", 2), ("d", 3), ("e", 4.5))
    assert z.range_by_score(2, 2) == [("b", 2), ("c", 2)]
    assert z.range_by_score(2.5, 4) == [("d", 3)]
    assert z.range_by_score(3.1, 4.4) == []
    assert z.range_by_score(5, 1) == [], "min > max selects nothing"
    assert z.range_by_score(4.5, math.inf) == [("e", 4.5)]
    assert z.range_by_score(-math.inf, 0.99) == []


# --- Against a model and against Redis -------------------------------------


@pytest.mark.spec("Updates")
@pytest.mark.weight(2)
def test_random_operations_match_a_brute_force_model() -> None:
    rng = random.Random(1990)
    z, model = SortedSet(), Model()
    pool = [f"m{i}" for i in range(60)]
    for step in range(3000):
        member = rng.choice(pool)
        op = rng.random()
        if op < 0.6:
            score = rng.choice([rng.randint(-5, 5), rng.randint(-5, 5) / 2, rng.random()])
            expected_new = member not in model.scores
            assert z.add(member, score) is expected_new
            model.scores[member] = float(score)
        elif op < 0.8:
            assert z.remove(member) is (model.scores.pop(member, None) is not None)
        else:
            n = len(model.scores) + 2
            start, stop = rng.randint(-n, n), rng.randint(-n, n)
            assert z.range_by_rank(start, stop) == model.range_by_rank(start, stop), (
                f"step {step}: range_by_rank({start}, {stop})"
            )
            lo, hi = sorted(rng.randint(-6, 6) / 2 for _ in range(2))
            assert z.range_by_score(lo, hi) == model.range_by_score(lo, hi), (
                f"step {step}: range_by_score({lo}, {hi})"
            )
        assert len(z) == len(model.scores)
        probe = rng.choice(pool)
        assert (probe in z) is (probe in model.scores)
        assert z.score(probe) == model.scores.get(probe)
        ranks = {m: r for r, (m, _) in enumerate(model.items())}
        assert z.rank(probe) == ranks.get(probe), f"step {step}: rank({probe!r})"
    items = model.items()
    assert z.range_by_rank(0, -1) == items
    assert [z.rank(m) for m, _ in items] == list(range(len(items)))


@pytest.mark.spec("API")
@pytest.mark.weight(2)
def test_ranks_stay_right_in_a_large_set() -> None:
    # Two thousand members give the skip list many levels; every rank must
    # still match the position in a sorted list.
    rng = random.Random(42)
    z, model = SortedSet(), Model()
    for i in range(2000):
        score = rng.randint(0, 500)
        z.add(f"k{i}", score)
        model.scores[f"k{i}"] = float(score)
    for i in range(0, 2000, 3):
        z.remove(f"k{i}")
        del model.scores[f"k{i}"]
    for i in range(1, 2000, 3):
        score = rng.randint(0, 500)
        z.add(f"k{i}", score)
        model.scores[f"k{i}"] = float(score)
    items = model.items()
    assert len(z) == len(items)
    ranks = {m: z.rank(m) for m, _ in items}
    wrong = [(m, ranks[m], r) for r, (m, _) in enumerate(items) if ranks[m] != r]
    assert not wrong, f"(member, rank, expected) mismatches: {wrong[:5]}"
    for start in (0, 1, 400, 900, len(items) - 10):
        assert z.range_by_rank(start, start + 7) == items[start : start + 8]
    assert z.range_by_score(100, 110) == model.range_by_score(100, 110)


@pytest.mark.spec("Ranges by rank")
@pytest.mark.weight(2)
def test_random_operations_match_redis(redis) -> None:
    # The same operations on a Redis sorted set (ZADD/ZREM), then ZRANGE,
    # ZRANK and ZRANGEBYSCORE must answer exactly like the implementation.
    rng = random.Random(7)
    z = SortedSet()
    pool = ["a", "b", "B", "ab", "é", "z", "zz", "", "A1", "a0"]
    for _ in range(300):
        member = rng.choice(pool)
        if rng.random() < 0.75:
            score = rng.randint(-3, 3) / 2
            z.add(member, score)
            redis.zadd("z", {member: score})
        else:
            z.remove(member)
            redis.zrem("z", member)
        n = len(z) + 2
        start, stop = rng.randint(-n, n), rng.randint(-n, n)
        assert z.range_by_rank(start, stop) == redis.zrange("z", start, stop, withscores=True), (
            f"ZRANGE z {start} {stop}"
        )
    assert z.range_by_rank(0, -1) == redis.zrange("z", 0, -1, withscores=True)
    for member in pool:
        assert z.rank(member) == redis.zrank("z", member), f"ZRANK z {member!r}"
    for lo, hi in [(-1.5, 1.5), (0, 0), (-0.5, 1), (1, -1)]:
        assert z.range_by_score(lo, hi) == redis.zrangebyscore("z", lo, hi, withscores=True)
