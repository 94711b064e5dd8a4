"""Tests for the count-min sketch kata.

The sketch, its dimensions and its guarantee are those of G. Cormode and
S. Muthukrishnan, "An improved data stream summary: the count-min sketch and
its applications", J. Algorithms 55 (2005): width ⌈e/ε⌉, depth ⌈ln(1/δ)⌉,
estimate = the minimum over the rows, never below the true count and at most
εN above it with probability 1 − δ (Theorem 1); heavy hitters (§5.1). The
conservative update is C. Estan and G. Varghese, "New directions in traffic
measurement and accounting", SIGCOMM 2002.

The hashing is pinned by the spec (keyed BLAKE2b per row), so the tests take
every counter's position from ``hashlib.blake2b`` itself and build the plain
sketch's exact counters from the stream: the truth is hashlib and the stream,
never the code under test. Streams are seeded.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import Counter
from typing import Any

import pytest

from count_min_sketch import CountMinSketch, HeavyHitters


def blake_positions(item: str | bytes, width: int, depth: int) -> list[int]:
    """The spec's positions, straight from hashlib: row r keyed with r as 8 little-endian bytes."""
    data = item.encode("utf-8") if isinstance(item, str) else item
    return [
        int.from_bytes(
            hashlib.blake2b(data, digest_size=8, key=r.to_bytes(8, "little")).digest(), "little"
        )
        % width
        for r in range(depth)
    ]


def plain_counters(stream: Counter[str], width: int, depth: int) -> list[list[int]]:
    """The plain sketch's counters for a stream: each item's count in each of its cells."""
    rows = [[0] * width for _ in range(depth)]
    for item, count in stream.items():
        for r, p in enumerate(blake_positions(item, width, depth)):
            rows[r][p] += count
    return rows


def zipf_stream(seed: int, n: int = 6_000, distinct: int = 1_500) -> list[str]:
    """A seeded skewed stream: item k has weight 1/k^1.1, like word or URL frequencies."""
    rng = random.Random(seed)
    weights = [1 / k**1.1 for k in range(1, distinct + 1)]
    return [f"item-{k}" for k in rng.choices(range(distinct), weights=weights, k=n)]


def fill(sketch: Any, stream: list[str]) -> Any:
    for item in stream:
        sketch.add(item)
    return sketch


def colliding_pair(width: int, depth: int) -> tuple[str, str]:
    """Two items that share their row-0 counter and no other (found with hashlib)."""
    first: dict[int, str] = {}
    for i in range(10_000):
        item = f"key-{i}"
        pos = blake_positions(item, width, depth)
        if pos[0] in first:
            other = first[pos[0]]
            if all(a != b for a, b in zip(pos[1:], blake_positions(other, width, depth)[1:])):
                return other, item
        else:
            first[pos[0]] = item
    raise AssertionError("no colliding pair")  # pragma: no cover


def table_diff(got: list[list[int]], want: list[list[int]]) -> str:
    """A short account of where two counter tables differ (empty when they are equal)."""
    if [len(row) for row in got] != [len(row) for row in want]:
        return f"row lengths {[len(r) for r in got]}, want {[len(r) for r in want]}"
    for r, (g, w) in enumerate(zip(got, want)):
        cols = [c for c, (x, y) in enumerate(zip(g, w)) if x != y]
        if cols:
            c = cols[0]
            return f"row {r} differs at {len(cols)} cells, first at col {c}: {g[c]} vs {w[c]}"
    return ""


def expect_value_error(call: str, fn: Any, *args: Any, **kw: Any) -> None:
    """``fn(*args, **kw)`` must raise ValueError; ``call`` names it in the failure."""
    try:
        fn(*args, **kw)
    except ValueError:
        return
    except Exception as exc:
        pytest.fail(f"{call} raised {type(exc).__name__}: {exc}; the spec says ValueError")
    pytest.fail(f"DID NOT RAISE ValueError: {call}")


# ε = 0.5, δ = 0.2: a 6 × 2 sketch small enough to read counter by counter.
SMALL = {"epsilon": 0.5, "delta": 0.2}


# -- Dimensions ---------------------------------------------------------------


@pytest.mark.spec("Dimensions")
@pytest.mark.parametrize(
    ("epsilon", "delta", "width", "depth"),
    [
        (0.01, 0.01, 272, 5),  # e/ε = 271.83, ln(1/δ) = 4.61
        (0.5, 0.2, 6, 2),  # 5.44, 1.61
        (0.1, 0.1, 28, 3),  # 27.18, 2.30: rounding to nearest would give 27 × 2
        (0.001, 0.001, 2719, 7),  # 2718.28, 6.91
        (0.2, 0.5, 14, 1),  # 13.59, 0.69
        (0.3, 0.13, 10, 3),  # 9.06, 2.04: just above 2, still 3 rows
    ],
    ids=["e01-d01", "e5-d2", "e1-d1", "e001-d001", "e2-d5", "e3-d13"],
)
def test_width_and_depth(epsilon: float, delta: float, width: int, depth: int) -> None:
    cms = CountMinSketch(epsilon, delta)
    assert (cms.width, cms.depth) == (width, depth), (
        "width = ceil(e / epsilon), depth = ceil(ln(1 / delta))"
    )
    assert cms.counters == [[0] * width for _ in range(depth)]
    assert cms.total == 0 and cms.conservative is False


@pytest.mark.spec("Dimensions")
@pytest.mark.parametrize(
    ("epsilon", "delta"),
    [(0, 0.1), (1, 0.1), (-0.1, 0.1), (0.1, 0), (0.1, 1), (0.1, 1.5)],
    ids=["eps-0", "eps-1", "eps-neg", "delta-0", "delta-1", "delta-big"],
)
def test_parameters_outside_zero_one_are_rejected(epsilon: float, delta: float) -> None:
    expect_value_error(f"CountMinSketch({epsilon!r}, {delta!r})", CountMinSketch, epsilon, delta)


@pytest.mark.spec("Dimensions")
@pytest.mark.parametrize(
    ("epsilon", "delta"),
    [("0.1", 0.1), (0.1, None), (float("nan"), 0.1)],
    ids=["eps-str", "delta-none", "eps-nan"],
)
def test_parameters_that_are_not_numbers_are_rejected(epsilon: Any, delta: Any) -> None:
    expect_value_error(f"CountMinSketch({epsilon!r}, {delta!r})", CountMinSketch, epsilon, delta)


# -- Hashing ------------------------------------------------------------------


@pytest.mark.spec("Hashing")
@pytest.mark.parametrize(
    "item", ["apple", "", "ünïcödé", b"\x00\xffraw"], ids=["word", "empty", "utf8", "bytes"]
)
def test_positions_are_keyed_blake2b_per_row(item: str | bytes) -> None:
    cms = CountMinSketch(0.001, 0.001)
    assert cms.positions(item) == blake_positions(item, 2719, 7)


@pytest.mark.spec("Hashing")
def test_a_str_and_its_utf8_bytes_are_the_same_item() -> None:
    cms = CountMinSketch(0.01, 0.01)
    cms.add("café")
    cms.add("café".encode())
    assert cms.positions("café") == cms.positions("café".encode())
    assert cms.estimate("café") == 2


# -- Counting -----------------------------------------------------------------


@pytest.mark.spec("Counting")
def test_add_touches_one_counter_per_row() -> None:
    cms = CountMinSketch(0.01, 0.01)
    assert cms.add("apple", 3) == 3, "add returns the item's new estimate"
    want = [[0] * 272 for _ in range(5)]
    for r, p in enumerate(blake_positions("apple", 272, 5)):
        want[r][p] = 3
    assert cms.counters == want, table_diff(cms.counters, want)
    assert cms.estimate("apple") == 3 and cms.total == 3


@pytest.mark.spec("Counting")
@pytest.mark.parametrize("seed", [1, 2], ids=["seed-1", "seed-2"])
def test_counters_are_the_sum_of_the_counts_in_each_cell(seed: int) -> None:
    stream = zipf_stream(seed, n=3_000, distinct=500)
    cms = fill(CountMinSketch(0.5, 0.2), stream)
    want = plain_counters(Counter(stream), 6, 2)
    assert cms.counters == want, table_diff(cms.counters, want)
    assert cms.total == 3_000


@pytest.mark.spec("Counting")
def test_the_estimate_is_the_minimum_over_the_rows() -> None:
    a, b = colliding_pair(6, 2)
    cms = CountMinSketch(**SMALL)
    cms.add(a, 5)
    cms.add(b, 2)
    # a's row-0 counter holds 7 (b collides there), its row-1 counter 5.
    assert cms.estimate(a) == 5
    assert cms.estimate(b) == 2


@pytest.mark.spec("Counting")
@pytest.mark.parametrize(
    "count", [0, -1, 1.5, 2.0], ids=["zero", "negative", "float", "float-whole"]
)
def test_counts_must_be_positive_ints(count: Any) -> None:
    cms = CountMinSketch(0.01, 0.01)
    expect_value_error(f"add('apple', {count!r})", cms.add, "apple", count)
    assert cms.total == 0 and cms.estimate("apple") == 0, "a rejected add counts nothing"


@pytest.mark.spec("Counting")
def test_counters_is_a_copy() -> None:
    cms = CountMinSketch(**SMALL)
    cms.add("apple")
    want = cms.counters
    table = cms.counters
    table[0][blake_positions("apple", 6, 2)[0]] = 99
    table[1].clear()
    got = cms.counters
    assert got == want, (
        f"changing the returned counters changed the sketch ({table_diff(got, want)}): "
        "counters must return a copy of every row"
    )
    assert cms.estimate("apple") == 1


@pytest.mark.spec("Counting")
@pytest.mark.weight(2)
@pytest.mark.parametrize("conservative", [False, True], ids=["plain", "conservative"])
@pytest.mark.parametrize("seed", [7, 8, 9], ids=["s7", "s8", "s9"])
def test_estimates_never_low_and_rarely_more_than_eps_n_high(seed: int, conservative: bool) -> None:
    # Theorem 1: for each item, P[estimate > count + εN] ≤ δ over the choice of
    # hash functions. Here the hash is fixed and the items vary, so we count the
    # fraction of the stream's distinct items whose error exceeds εN and require
    # it to be at most δ. Margin: the bound comes from Markov's inequality on
    # each row (expected error ≤ N/w ≤ εN/e, so P[row error > εN] ≤ 1/e) and
    # e^-d ≤ δ over the rows; Markov is loose by a large factor on skewed
    # streams (the observed fraction is 0 for ~1 000 items), so asserting ≤ δ
    # itself, without extra slack, does not fail by chance.
    epsilon = delta = 0.01
    stream = zipf_stream(seed)
    truth = Counter(stream)
    cms = fill(CountMinSketch(epsilon, delta, conservative=conservative), stream)
    errors = {item: cms.estimate(item) - count for item, count in truth.items()}
    low = [item for item, e in errors.items() if e < 0]
    assert not low, (
        f"{len(low)} items below their true count, e.g. {low[0]}: estimate "
        f"{cms.estimate(low[0])}, true {truth[low[0]]}; an estimate is never below the true count"
    )
    over = [item for item, e in errors.items() if e > epsilon * len(stream)]
    assert len(over) / len(truth) <= delta, (
        f"{len(over)} of {len(truth)} items are more than εN = {epsilon * len(stream)} too high"
    )


# -- Conservative update ------------------------------------------------------


@pytest.mark.spec("Conservative update")
@pytest.mark.weight(2)
def test_conservative_update_raises_counters_only_to_the_new_minimum() -> None:
    a, b = colliding_pair(6, 2)  # share the row-0 counter only
    pa, pb = blake_positions(a, 6, 2), blake_positions(b, 6, 2)
    cms = CountMinSketch(**SMALL, conservative=True)
    assert cms.conservative is True
    assert cms.add(a, 3) == 3
    # b: counters (3, 0), minimum 0, new minimum 2: row 0 stays at 3, row 1 rises to 2.
    assert cms.add(b, 2) == 2
    table = cms.counters
    assert (table[0][pa[0]], table[1][pa[1]], table[1][pb[1]]) == (3, 3, 2), (
        "raise each counter to min + count only if it is below; the plain update would "
        "make the shared counter 5"
    )
    # b again: counters (3, 2), new minimum 4: both rise to 4, none past it.
    assert cms.add(b, 2) == 4
    table = cms.counters
    assert (table[0][pa[0]], table[1][pa[1]], table[1][pb[1]]) == (4, 3, 4)
    assert (cms.estimate(a), cms.estimate(b), cms.total) == (3, 4, 7)


@pytest.mark.spec("Conservative update")
@pytest.mark.weight(2)
@pytest.mark.parametrize("seed", [3, 4], ids=["s3", "s4"])
def test_conservative_estimates_lie_between_truth_and_plain(seed: int) -> None:
    stream = zipf_stream(seed, n=4_000, distinct=1_000)
    truth = Counter(stream)
    plain = fill(CountMinSketch(0.05, 0.05), stream)
    cons = fill(CountMinSketch(0.05, 0.05, conservative=True), stream)
    low = [i for i, count in truth.items() if cons.estimate(i) < count]
    assert not low, (
        f"{len(low)} items below their true count, e.g. {low[0]}: estimate "
        f"{cons.estimate(low[0])}, true {truth[low[0]]}"
    )
    high = [i for i in truth if cons.estimate(i) > plain.estimate(i)]
    assert not high, (
        f"{len(high)} items above the plain sketch's estimate, e.g. {high[0]}: estimate "
        f"{cons.estimate(high[0])}, plain {plain.estimate(high[0])}"
    )
    saved = sum(plain.estimate(i) - cons.estimate(i) for i in truth)
    assert saved > 0, "the conservative update must leave some collided counters lower"


# -- Merge --------------------------------------------------------------------


@pytest.mark.spec("Merge")
@pytest.mark.weight(2)
def test_merge_is_the_sketch_of_both_streams() -> None:
    first, second = zipf_stream(5, n=2_000), zipf_stream(6, n=1_500)
    a = fill(CountMinSketch(0.05, 0.05), first)
    b = fill(CountMinSketch(0.05, 0.05), second)
    a_before, b_before = a.counters, b.counters
    merged = a.merge(b)
    assert (merged.width, merged.depth, merged.total) == (a.width, a.depth, 3_500)
    want = plain_counters(Counter(first + second), a.width, a.depth)
    assert merged.counters == want, table_diff(merged.counters, want)
    assert a.counters == a_before, f"merge changed a: {table_diff(a.counters, a_before)}"
    assert b.counters == b_before, f"merge changed b: {table_diff(b.counters, b_before)}"
    assert (a.total, b.total) == (2_000, 1_500)


@pytest.mark.spec("Merge")
@pytest.mark.weight(2)
def test_merge_shares_no_storage_with_its_inputs() -> None:
    a = fill(CountMinSketch(**SMALL), ["x", "y"])
    b = fill(CountMinSketch(**SMALL), ["x"])
    merged = a.merge(b)
    a_table, b_table = a.counters, b.counters
    merged.add("z", 10)
    for name, sketch, table in (("a", a, a_table), ("b", b, b_table)):
        assert sketch.counters == table, (
            f"adding to the merge changed {name}: {table_diff(sketch.counters, table)}"
        )
    merged_table = merged.counters
    a.add("w", 100)
    b.add("w", 100)
    assert merged.counters == merged_table, (
        f"adding to an input changed the merge: {table_diff(merged.counters, merged_table)}"
    )
    assert merged.estimate("x") == 2


@pytest.mark.spec("Merge")
def test_merge_of_conservative_sketches_adds_their_counters() -> None:
    a = fill(CountMinSketch(**SMALL, conservative=True), zipf_stream(1, n=300, distinct=50))
    b = fill(CountMinSketch(**SMALL, conservative=True), zipf_stream(2, n=200, distinct=50))
    merged = a.merge(b)
    want = [[x + y for x, y in zip(r, s)] for r, s in zip(a.counters, b.counters)]
    assert merged.counters == want, table_diff(merged.counters, want)
    assert merged.conservative is True and merged.total == 500


@pytest.mark.spec("Merge")
@pytest.mark.parametrize(
    "other",
    [
        {"epsilon": 0.4, "delta": 0.2},
        {"epsilon": 0.9, "delta": 0.2},
        {"epsilon": 0.5, "delta": 0.1},
        {"epsilon": 0.5, "delta": 0.5},
        {"epsilon": 0.5, "delta": 0.2, "conservative": True},
    ],
    ids=["wider", "narrower", "deeper", "shallower", "update-rule"],
)
def test_merge_needs_the_same_parameters(other: dict[str, Any]) -> None:
    a = CountMinSketch(**SMALL)
    b = CountMinSketch(**other)
    expect_value_error(f"CountMinSketch(**{SMALL}).merge(CountMinSketch(**{other}))", a.merge, b)
    expect_value_error(f"CountMinSketch(**{other}).merge(CountMinSketch(**{SMALL}))", b.merge, a)


# -- Heavy hitters ------------------------------------------------------------


@pytest.mark.spec("Heavy hitters")
def test_heavy_hitters_example() -> None:
    hh = HeavyHitters(0.3, 0.01, 0.01)
    for word in ["a", "b", "a", "c", "a", "d", "b", "a"]:
        hh.add(word)
    assert hh.heavy_hitters() == {"a": 4}
    assert hh.total == 8 and hh.phi == 0.3


@pytest.mark.spec("Heavy hitters")
def test_an_item_at_exactly_phi_n_is_heavy() -> None:
    hh = HeavyHitters(0.25, 0.001, 0.01)
    for word in ["a", "b", "c", "d", "e", "f", "a", "g"]:  # a: 2 of 8 = 0.25
        hh.add(word)
    assert hh.heavy_hitters() == {"a": 2}, "estimate >= phi * N, not >"


@pytest.mark.spec("Heavy hitters")
def test_a_candidate_exactly_at_phi_n_is_kept_as_n_grows() -> None:
    hh = HeavyHitters(0.5, 0.001, 0.01)
    hh.add("x")
    hh.add("x")  # x: 2 of 2
    hh.add("z", 2)  # N = 4: x's 2 is exactly phi N, still heavy
    assert hh.heavy_hitters() == {"x": 2, "z": 2}


@pytest.mark.spec("Heavy hitters")
@pytest.mark.weight(2)
def test_an_item_that_becomes_heavy_in_one_late_add_is_reported() -> None:
    hh = HeavyHitters(0.5, 0.001, 0.01)
    for i in range(10):
        hh.add(f"noise-{i}")
    hh.add("late", 10)  # 10 of 20: heavy from this add on
    assert hh.heavy_hitters() == {"late": 10}, (
        "check the estimate after adding: it is the add that makes the item heavy"
    )


@pytest.mark.spec("Heavy hitters")
@pytest.mark.weight(2)
def test_an_item_dropped_earlier_is_reported_when_heavy_again() -> None:
    hh = HeavyHitters(0.3, 0.001, 0.01)
    for _ in range(3):
        hh.add("x")  # heavy: 3 of 3
    for i in range(20):
        hh.add(f"noise-{i}")  # x: 3 of 23, dropped
    assert "x" not in hh.heavy_hitters()
    for _ in range(10):
        hh.add("x")  # 13 of 33 >= 9.9
    assert hh.heavy_hitters() == {"x": 13}


@pytest.mark.spec("Heavy hitters")
@pytest.mark.weight(2)
@pytest.mark.parametrize("seed", [11, 12], ids=["s11", "s12"])
def test_every_true_heavy_hitter_is_reported(seed: int) -> None:
    phi, epsilon = 0.02, 0.005
    stream = zipf_stream(seed, n=8_000, distinct=1_500)
    rng = random.Random(seed)
    # Two items that only appear in the second half, one heavy by the end.
    late = ["late-heavy"] * 300 + ["late-light"] * 60
    tail = stream[4_000:] + late
    rng.shuffle(tail)
    stream = stream[:4_000] + tail
    truth = Counter(stream)
    n = len(stream)
    hh = HeavyHitters(phi, epsilon, 0.01)
    for item in stream:
        hh.add(item)
    report = hh.heavy_hitters()
    heavy = {item for item, count in truth.items() if count >= phi * n}
    assert "late-heavy" in heavy
    assert heavy - set(report) == set(), "every item with a true count >= phi N is reported"
    width, depth = math.ceil(math.e / epsilon), math.ceil(math.log(100))
    table = plain_counters(truth, width, depth)
    for item, estimate in report.items():
        true_estimate = min(table[r][p] for r, p in enumerate(blake_positions(item, width, depth)))
        assert estimate == true_estimate, f"{item}: report the sketch's current estimate"
        assert estimate >= phi * n
        assert truth[item] >= (phi - epsilon) * n, f"{item} (true count {truth[item]}) is not heavy"


@pytest.mark.spec("Heavy hitters")
@pytest.mark.weight(2)
def test_candidates_that_fall_below_phi_n_are_dropped() -> None:
    hh = HeavyHitters(0.1, 0.01, 0.01)
    for i in range(40):  # 40 items, each heavy with its add: count > N/9 gives >= 0.1 (N + count)
        hh.add(f"early-{i}", hh.total // 9 + 1)
    peak = hh.total
    for i in range(3_000):  # then light noise until none of them is heavy
        hh.add(f"noise-{i}")
    assert peak // 9 + 1 < 0.1 * hh.total
    assert hh.heavy_hitters() == {}
    assert hh.tracked <= 10, (
        f"{hh.tracked} candidates kept for a stream with no heavy hitter: drop those whose "
        "estimate fell below phi N"
    )


@pytest.mark.spec("Heavy hitters")
def test_str_and_bytes_items_mix() -> None:
    hh = HeavyHitters(0.3, 0.01, 0.01)
    for item in ["a", b"b", "a", b"b", "c"]:  # ties between a str and a bytes item
        hh.add(item)
    assert hh.heavy_hitters() == {"a": 2, b"b": 2}


@pytest.mark.spec("Heavy hitters")
def test_a_str_and_its_bytes_are_one_heavy_hitter_in_the_form_first_kept() -> None:
    hh = HeavyHitters(0.3, 0.01, 0.01)
    for item in ["café", "café".encode(), b"k", "k", "x"]:
        hh.add(item)
    assert hh.heavy_hitters() == {"café": 2, b"k": 2}, (
        "a str and its UTF-8 bytes are the same item: one entry, in the form of the add "
        "that made it a candidate"
    )
    assert hh.tracked == 2


@pytest.mark.spec("Heavy hitters")
def test_heaviness_is_judged_with_n_including_this_add() -> None:
    hh = HeavyHitters(0.5, 0.001, 0.01)
    hh.add("a", 3)
    hh.add("b", 2)  # 2 of 5 < 2.5; against the N before this add (3) it would pass
    assert hh.heavy_hitters() == {"a": 3}, "phi N with N including this add: b is 2 of 5"
    assert hh.tracked == 1, "b was never heavy: it is not kept as a candidate"


def same_cells(item: str, width: int, depth: int) -> str:
    """Another item on exactly the same counters as ``item`` (found with hashlib)."""
    want = blake_positions(item, width, depth)
    return next(
        other
        for other in (f"twin-{i}" for i in range(100_000))
        if blake_positions(other, width, depth) == want
    )


@pytest.mark.spec("Heavy hitters")
def test_heavy_hitters_report_the_current_estimate() -> None:
    twin = same_cells("a", 6, 2)
    hh = HeavyHitters(0.3, **SMALL)
    hh.add("a", 3)  # a's estimate at its latest add: 3
    hh.add(twin)  # on a's counters: a's estimate is now 4
    assert hh.heavy_hitters() == {"a": 4, twin: 4}, (
        "report each candidate's estimate now (estimate(item)), not the one kept at its latest add"
    )


@pytest.mark.spec("Heavy hitters")
@pytest.mark.parametrize(
    "args",
    [(0, 0.01, 0.01), (-0.5, 0.01, 0.01), (1.5, 0.01, 0.01), (0.1, 0, 0.01), ("0.5", 0.01, 0.01)],
    ids=["phi-0", "phi-neg", "phi-big", "eps-0", "phi-str"],
)
def test_heavy_hitters_parameters_are_checked(args: tuple[Any, float, float]) -> None:
    expect_value_error(f"HeavyHitters{args}", HeavyHitters, *args)


@pytest.mark.spec("Heavy hitters")
def test_phi_one_is_allowed() -> None:
    hh = HeavyHitters(1, 0.01, 0.01)
    hh.add("only", 4)
    assert hh.heavy_hitters() == {"only": 4}
    hh.add("other")
    assert hh.heavy_hitters() == {}
