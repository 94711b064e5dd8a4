"""Tests for the HyperLogLog kata.

Sources of truth:

- The accuracy guarantee of Flajolet et al. (2007): a relative standard error
  of 1.04 / sqrt(m). Estimates are checked against the true number of
  distinct items (known by construction) within three standard errors.
- The algorithm of Figure 3 of the same paper, with the hash and bit split the
  README fixes, written out independently in ``paper_count`` below (strings of
  bits instead of integer arithmetic). Exact counts are compared with it.
- Set algebra: a merged sketch must equal a sketch fed the union.
"""

from __future__ import annotations

import hashlib
import math

import pytest

from hyperloglog import HyperLogLog


def users(start: int, stop: int) -> list[str]:
    return [f"user:{i}" for i in range(start, stop)]


def sketch(items: list[str], precision: int = 14) -> HyperLogLog:
    hll = HyperLogLog(precision)
    for item in items:
        hll.add(item)
    return hll


def tolerance(n: int, precision: int) -> float:
    """Three standard errors, 3 * 1.04 / sqrt(m), in items."""
    return 3 * 1.04 / math.sqrt(2**precision) * n


def register_and_rank(item: str | bytes, precision: int) -> tuple[int, int]:
    """The README's register index j and rank rho(w) of an item, from the bits as a string."""
    data = item.encode("utf-8") if isinstance(item, str) else item
    digest = hashlib.blake2b(data, digest_size=8).digest()
    bits = format(int.from_bytes(digest, "big"), "064b")
    w = bits[precision:]
    return int(bits[:precision], 2), w.index("1") + 1 if "1" in w else len(w) + 1


def paper_count(items: list[str | bytes], precision: int) -> int:
    """Figure 3 of Flajolet et al. (2007) with the README's 64-bit hash."""
    m = 2**precision
    registers = [0] * m
    for item in items:
        j, rho = register_and_rank(item, precision)
        registers[j] = max(registers[j], rho)
    alpha = {16: 0.673, 32: 0.697, 64: 0.709}.get(m, 0.7213 / (1 + 1.079 / m))
    raw = alpha * m * m / sum(2.0**-r for r in registers)
    empty = registers.count(0)
    if raw <= 2.5 * m and empty:
        return round(m * math.log(m / empty))
    return round(raw)


# --- Estimate --------------------------------------------------------------


@pytest.mark.spec("Estimate")
def test_empty_sketch_counts_zero() -> None:
    assert HyperLogLog().count() == 0
    assert HyperLogLog(4).count() == 0


@pytest.mark.spec("Estimate")
@pytest.mark.parametrize("n", [1, 2, 10, 100])
def test_small_sets_are_counted_almost_exactly(n: int) -> None:
    # With 16384 registers and at most 100 items, linear counting is within one
    # item of the truth.
    count = sketch(users(0, n)).count()
    assert abs(count - n) <= 1, (
        f"{n} distinct items counted as {count}: small sets need the linear-counting correction"
    )


@pytest.mark.spec("Estimate")
@pytest.mark.parametrize("n", [1000, 10_000, 30_000, 100_000])
def test_estimate_within_three_standard_errors(n: int) -> None:
    count = sketch(users(0, n)).count()
    assert abs(count - n) <= tolerance(n, 14), (
        f"{n} distinct items counted as {count}, more than 3 x 1.04/sqrt(m) away"
    )


@pytest.mark.spec("Estimate")
@pytest.mark.weight(2)
def test_a_million_items() -> None:
    hll = HyperLogLog()
    checkpoints = {10**3, 10**4, 10**5, 10**6}
    for i in range(1, 10**6 + 1):
        hll.add(i.to_bytes(4, "big"))
        if i in checkpoints:
            count = hll.count()
            assert abs(count - i) <= tolerance(i, 14), f"{i} distinct items counted as {count}"


@pytest.mark.spec("Estimate")
@pytest.mark.parametrize("precision", range(4, 17))
def test_every_precision_is_accurate(precision: int) -> None:
    n = 20_000
    count = sketch(users(0, n), precision).count()
    assert abs(count - n) <= tolerance(n, precision), (
        f"precision {precision}: {n} distinct items counted as {count}"
    )


@pytest.mark.spec("Estimate")
def test_count_is_an_int() -> None:
    assert type(sketch(users(0, 500)).count()) is int


@pytest.mark.spec("Registers")
@pytest.mark.weight(2)
@pytest.mark.parametrize(
    ("precision", "n"),
    [
        (4, 3000),  # alpha_16, raw estimate
        (5, 3000),  # alpha_32
        (6, 3000),  # alpha_64
        (7, 3000),  # alpha_m formula, m = 128
        (10, 800),  # linear counting (estimate <= 2.5 m)
        (10, 2400),  # just above the threshold: raw estimate
        (12, 9000),  # linear counting close to the threshold
    ],
)
def test_counts_match_the_paper_exactly(precision: int, n: int) -> None:
    items = users(0, n)
    expected = paper_count(items, precision)
    count = sketch(items, precision).count()
    assert count == expected, (
        f"precision {precision}, {n} items: count() is {count}, the algorithm of the paper "
        f"with the README's hash gives {expected}"
    )


def items_with_ranks(ranks: list[int], precision: int) -> list[str]:
    """One item for each register j with ranks[j] > 0, of exactly that rank.

    Found by trying "w:0", "w:1", ... with the README's hash and bit split
    (``register_and_rank``), so a sketch fed them holds exactly ``ranks``.
    """
    wanted = {j: rank for j, rank in enumerate(ranks) if rank}
    found: dict[int, str] = {}
    k = 0
    while len(found) < len(wanted):
        item = f"w:{k}"
        j, rho = register_and_rank(item, precision)
        if j not in found and wanted.get(j) == rho:
            found[j] = item
        k += 1
    return list(found.values())


# Worked by hand from the README's Estimate section, with p = 4: m = 16,
# alpha_16 = 0.673, alpha_16 * m^2 = 172.288 and the threshold 2.5 m = 40.
WORKED = [
    # Z = 16 / 2 = 8, E = 21.536 <= 40 but no register is 0: E stands.
    pytest.param([1] * 16, 22, id="no-empty-register"),
    # Z = 8 / 2 + 8 = 12, E = 14.36 <= 40, V = 8: 16 ln(16 / 8) = 11.09.
    pytest.param([1] * 8 + [0] * 8, 11, id="linear-counting"),
    # Z = 1 + 12 / 4 + 3 / 8 = 4.375, E = 39.38 <= 40, V = 1: 16 ln 16 = 44.36.
    pytest.param([0] + [2] * 12 + [3] * 3, 44, id="just-below-2.5m"),
    # Z = 1 + 5 / 4 + 10 / 8 = 3.5, E = 49.23 > 40: E stands although V = 1.
    pytest.param([0] + [2] * 5 + [3] * 10, 49, id="just-above-2.5m"),
]


@pytest.mark.spec("Estimate")
@pytest.mark.parametrize(("ranks", "expected"), WORKED)
def test_worked_estimates_around_the_small_range_threshold(ranks: list[int], expected: int) -> None:
    count = sketch(items_with_ranks(ranks, 4), 4).count()
    assert count == expected, (
        f"registers {ranks}: count() is {count}; the README's Estimate gives {expected} "
        "(linear counting only when E <= 2.5 m and some register is still 0)"
    )


@pytest.mark.spec("Registers")
@pytest.mark.weight(2)
def test_a_long_run_of_leading_zeros_gives_a_high_rank() -> None:
    # "deep:17219724" hashes to 0xde2b000000e0eb52 (found by trying "deep:0",
    # "deep:1", ...): at p = 16 its register is 0xde2b = 56875 and its 48 rank
    # bits are 0x000000e0eb52, 24 zeros then a 1: rank 25. 200 000 other items
    # put the sketch past linear counting, where that register counts.
    deep = "deep:17219724"
    assert register_and_rank(deep, 16) == (56875, 25)
    items = [*users(0, 200_000), deep]
    expected = paper_count(items, 16)
    count = sketch(items, 16).count()
    assert count == expected, (
        f"count() is {count}, the paper's algorithm gives {expected}: the rank of an item "
        "whose 48 rank bits start with 24 zeros is 25"
    )


# --- API -------------------------------------------------------------------


@pytest.mark.spec("API")
def test_duplicates_do_not_change_the_count() -> None:
    items = users(0, 5000)
    hll = sketch(items)
    before = hll.count()
    for item in items[::-1]:
        hll.add(item)
    assert hll.count() == before, "adding the same items again must not change the count"


@pytest.mark.spec("Hashing")
def test_str_and_its_utf8_bytes_are_the_same_item() -> None:
    hll = HyperLogLog()
    hll.add("héllo")
    hll.add("héllo".encode())
    hll.add(b"plain")
    hll.add("plain")
    assert hll.count() == 2


@pytest.mark.spec("API")
def test_readme_example() -> None:
    hll = HyperLogLog()
    for name in ["alice", "bob", "alice", "carol"]:
        hll.add(name)
    assert hll.count() == 3


# --- Merge -----------------------------------------------------------------


@pytest.mark.spec("Merge")
@pytest.mark.weight(2)
@pytest.mark.parametrize("precision", [6, 12, 14])
def test_merge_equals_the_sketch_of_the_union(precision: int) -> None:
    a = sketch(users(0, 30_000), precision)
    b = sketch(users(20_000, 50_000), precision)
    union = sketch(users(0, 50_000), precision)
    a.merge(b)
    assert a.count() == union.count(), (
        "after merge the registers must be what one sketch fed both streams holds: take the max"
    )
    assert abs(a.count() - 50_000) <= tolerance(50_000, precision)


@pytest.mark.spec("Merge")
def test_merge_leaves_the_other_sketch_unchanged() -> None:
    a = sketch(users(0, 1000))
    b = sketch(users(500, 3000))
    before = b.count()
    a.merge(b)
    assert b.count() == before


@pytest.mark.spec("Merge")
def test_merging_a_copy_of_itself_changes_nothing() -> None:
    # 20 000 items in 1024 registers: past linear counting, every register counts.
    a = sketch(users(0, 20_000), 10)
    twin = sketch(users(0, 20_000), 10)
    before = a.count()
    a.merge(twin)
    assert a.count() == before, "merging the same stream twice must not count it twice"


@pytest.mark.spec("Merge")
def test_merge_with_an_empty_sketch() -> None:
    a = sketch(users(0, 100))
    empty = HyperLogLog()
    empty.merge(a)
    assert empty.count() == a.count()


@pytest.mark.spec("Merge")
def test_count_after_merge_sees_the_merged_registers() -> None:
    # Past linear counting (20 000 items in 1024 registers), so every register counts.
    a = sketch(users(0, 20_000), 10)
    b = sketch(users(20_000, 40_000), 10)
    union = sketch(users(0, 40_000), 10)
    before = a.count()
    a.merge(b)
    assert a.count() == union.count(), "count() after merge() must reflect the merged registers"
    assert a.count() != before


@pytest.mark.spec("Merge")
def test_merge_into_an_empty_sketch_copies_the_registers() -> None:
    # 20 000 items in 1024 registers, then 20 000 more: every register counts.
    b = sketch(users(0, 20_000), 10)
    empty = HyperLogLog(10)
    empty.merge(b)
    assert empty.count() == b.count()
    for item in users(20_000, 40_000):
        b.add(item)
    assert empty.count() == sketch(users(0, 20_000), 10).count(), (
        "adding to the other sketch changed the one it was merged into: they share registers"
    )


@pytest.mark.spec("Merge")
def test_adding_after_a_merge_into_an_empty_sketch_leaves_the_other_unchanged() -> None:
    b = sketch(users(0, 20_000), 10)
    empty = HyperLogLog(10)
    empty.merge(b)
    for item in users(20_000, 40_000):
        empty.add(item)
    assert b.count() == sketch(users(0, 20_000), 10).count(), (
        "merge must leave other unchanged, also afterwards: copy its registers, do not share them"
    )


# --- Validation ------------------------------------------------------------


@pytest.mark.spec("Validation")
@pytest.mark.parametrize("precision", [0, 3, 17, 32])
def test_precision_out_of_range_is_rejected(precision: int) -> None:
    with pytest.raises(ValueError):
        HyperLogLog(precision)


@pytest.mark.spec("Validation")
@pytest.mark.parametrize(
    "precision", [14.0, 12.5, "14", None], ids=["float", "fraction", "str", "none"]
)
def test_precision_that_is_not_an_integer_is_rejected(precision: object) -> None:
    # The README: precision must be an integer from 4 to 16; anything else
    # raises ValueError.
    with pytest.raises(ValueError):
        HyperLogLog(precision)  # type: ignore[arg-type]


@pytest.mark.spec("Validation")
def test_merge_with_something_else_is_rejected() -> None:
    with pytest.raises(TypeError):
        HyperLogLog().merge({"registers": bytes(2**14)})  # type: ignore[arg-type]


@pytest.mark.spec("Validation")
def test_merge_of_different_precisions_is_rejected() -> None:
    with pytest.raises(ValueError):
        HyperLogLog(12).merge(HyperLogLog(13))
    with pytest.raises(ValueError):
        HyperLogLog().merge(HyperLogLog(12))  # the default precision is 14
    HyperLogLog().merge(HyperLogLog(14))
