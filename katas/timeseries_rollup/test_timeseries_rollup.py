"""Tests for the time-series rollup kata.

Hand examples are worked out in comments; randomised checks compare with a
brute-force rollup over a plain dict written below. The query-plan checks
run SQLite's own ``EXPLAIN QUERY PLAN`` (https://www.sqlite.org/eqp.html) on
the exact statements ``rollup`` executes, with the parameters it binds
(``grader.kata_support.explain_traced``).
"""

from __future__ import annotations

import random
import re
import sqlite3

import pytest

from grader.kata_support import TracingConnection, explain_traced
from timeseries_rollup import create_schema, insert, rollup

AGGREGATES = ("avg", "min", "max", "sum", "count")


def new_db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", factory=TracingConnection)
    create_schema(conn)
    return conn


def cpu_db() -> sqlite3.Connection:
    """The README's example data: buckets of 60 s hold {1, 3}, {10}, {4, 6}."""
    conn = new_db()
    insert(conn, "cpu", [(0, 1.0), (59, 3.0), (60, 10.0), (125, 4.0), (130, 6)])
    return conn


def brute_force(
    points: dict[int, float], start: int, end: int, step: int, agg: str
) -> list[tuple[int, float | None]]:
    """The rollup, computed the slow and obvious way."""
    groups: dict[int, list[float]] = {}
    for t, v in points.items():
        if start <= t < end:
            groups.setdefault(t - t % step, []).append(v)
    result: list[tuple[int, float | None]] = []
    for bucket in range(start - start % step, end, step):
        values = groups.get(bucket, [])
        if agg == "count":
            result.append((bucket, len(values)))
        elif not values:
            result.append((bucket, None))
        elif agg == "avg":
            result.append((bucket, sum(values) / len(values)))
        elif agg == "sum":
            result.append((bucket, sum(values)))
        else:
            result.append((bucket, min(values) if agg == "min" else max(values)))
    return result


def assert_rollup_equal(
    got: list[tuple[int, float | None]], want: list[tuple[int, float | None]], context: str
) -> None:
    assert [b for b, _ in got] == [b for b, _ in want], f"{context}: wrong bucket starts"
    for (bucket, value), (_, expected) in zip(got, want, strict=True):
        if expected is None:
            assert value is None, f"{context}: bucket {bucket} is empty, expected None"
        else:
            assert value == pytest.approx(expected, rel=1e-9, abs=1e-9), (
                f"{context}: bucket {bucket}"
            )


# --- query plans -------------------------------------------------------------------------

_SCAN = re.compile(r"^SCAN (?:TABLE )?(\S+)")
_DERIVED = re.compile(r"^(?:CO-ROUTINE|MATERIALIZE) (\S+)")
# A seek on the series (an equality on one or more leading columns) and on both ends of the
# time range: "SEARCH points USING INDEX i (series=? AND ts>? AND ts<?)".
_RANGE_SEEK = re.compile(
    r"^SEARCH .*\bUSING (?:COVERING INDEX \S+|INDEX \S+|PRIMARY KEY|INTEGER PRIMARY KEY) "
    r"\((?:\w+=\? AND )+(\w+)>\? AND \1<\?\)$"
)


def traced_rollup(
    conn: TracingConnection, *args: object, **kwargs: object
) -> tuple[list[tuple[int, float | None]], dict[str, list[str]]]:
    """Run rollup, and return its result and the plan of every SELECT it ran."""
    result, statements = explain_traced(conn, lambda: rollup(conn, *args, **kwargs))  # type: ignore[arg-type]
    plans = {
        s.sql: s.plan for s in statements if s.sql.lstrip().upper().startswith(("SELECT", "WITH"))
    }
    return result, plans


def assert_indexed_plans(plans: dict[str, list[str]]) -> None:
    assert plans, "rollup ran no SELECT on the connection"
    searched = False
    for sql, details in plans.items():
        derived = {m.group(1) for d in details if (m := _DERIVED.match(d))}
        for detail in details:
            scan = _SCAN.match(detail)
            if scan and scan.group(1) not in derived | {"CONSTANT", "SUBQUERY"}:
                pytest.fail(
                    f"the plan of\n  {sql.strip()}\nreads a whole table: {detail!r}\n"
                    f"full plan: {details}"
                )
            searched = searched or bool(_RANGE_SEEK.match(detail))
    assert searched, (
        "no plan row seeks the series and both ends of the time range, like "
        "'SEARCH points USING INDEX i (series=? AND ts>? AND ts<?)'; plans: "
        + "; ".join(str(d) for d in plans.values())
    )


# --- storage -------------------------------------------------------------------------------


@pytest.mark.spec("Examples")
def test_readme_examples() -> None:
    cpu = cpu_db()
    assert rollup(cpu, "cpu", 0, 240, 60) == [(0, 2.0), (60, 10.0), (120, 5.0), (180, None)]
    assert rollup(cpu, "cpu", 0, 240, 60, "count") == [(0, 2), (60, 1), (120, 2), (180, 0)]
    assert rollup(cpu, "cpu", 30, 130, 60, "sum") == [(0, 3.0), (60, 10.0), (120, 4.0)]
    insert(cpu, "cpu", [(60, 20.0)])
    assert rollup(cpu, "cpu", 60, 120, 60, "max") == [(60, 20.0)]


@pytest.mark.spec("Storage")
def test_repeated_timestamp_replaces_the_value() -> None:
    conn = new_db()
    insert(conn, "s", [(10, 1.0)])
    insert(conn, "s", [(10, 5.0)])
    assert rollup(conn, "s", 0, 60, 60, "count") == [(0, 1)], "the second insert must replace"
    assert rollup(conn, "s", 0, 60, 60, "sum") == [(0, 5.0)]


@pytest.mark.spec("Storage")
def test_later_duplicate_in_one_call_wins() -> None:
    conn = new_db()
    insert(conn, "s", [(10, 1.0), (20, 2.0), (10, 7.0)])
    assert rollup(conn, "s", 0, 60, 60, "count") == [(0, 2)]
    assert rollup(conn, "s", 0, 60, 60, "sum") == [(0, 9.0)]


@pytest.mark.spec("Storage")
def test_series_are_independent() -> None:
    conn = new_db()
    insert(conn, "cpu", [(0, 1.0), (30, 2.0)])
    insert(conn, "mem", [(0, 100.0), (30, 200.0), (60, 300.0)])
    insert(conn, "cpu", [(0, 9.0)])  # replaces cpu@0 only, not mem@0
    assert rollup(conn, "cpu", 0, 120, 60, "sum") == [(0, 11.0), (60, None)]
    assert rollup(conn, "mem", 0, 120, 60, "sum") == [(0, 300.0), (60, 300.0)]
    assert rollup(conn, "disk", 0, 120, 60, "count") == [(0, 0), (60, 0)]


@pytest.mark.spec("Storage")
def test_generator_input_is_accepted() -> None:
    conn = new_db()
    insert(conn, "s", ((t, float(t)) for t in range(0, 100, 10)))
    assert rollup(conn, "s", 0, 100, 50, "count") == [(0, 5), (50, 5)]


# --- buckets -------------------------------------------------------------------------------


@pytest.mark.spec("Buckets")
def test_buckets_align_to_multiples_of_step_not_to_start() -> None:
    # Points at 10, 40, 70, 100. From start=30 the buckets are 0, 60, 120; 10 < start is left
    # out of bucket 0, so it holds only 40; bucket 60 holds 70 and 100; bucket 120 is empty.
    conn = new_db()
    insert(conn, "s", [(10, 1.0), (40, 1.0), (70, 1.0), (100, 1.0)])
    assert rollup(conn, "s", 30, 150, 60, "count") == [(0, 1), (60, 2), (120, 0)], (
        "buckets start at multiples of step (0, 60, 120), not at start (30, 90)"
    )


@pytest.mark.spec("Buckets")
def test_end_is_exclusive_and_may_cut_the_last_bucket() -> None:
    # Buckets 0 and 60 begin before end=90; the point at 90 is not before end.
    conn = new_db()
    insert(conn, "s", [(0, 1.0), (61, 2.0), (89, 3.0), (90, 4.0), (119, 5.0)])
    assert rollup(conn, "s", 0, 90, 60, "sum") == [(0, 1.0), (60, 5.0)]
    assert rollup(conn, "s", 0, 120, 60, "sum") == [(0, 1.0), (60, 14.0)]


@pytest.mark.spec("Buckets")
def test_empty_range_gives_no_buckets() -> None:
    cpu = cpu_db()
    assert rollup(cpu, "cpu", 60, 60, 60) == []
    assert rollup(cpu, "cpu", 61, 61, 60, "count") == []
    # Equal, not identical: the values a caller computes are new int objects.
    assert rollup(cpu, "cpu", 100_061, int("100061"), 60, "count") == []


@pytest.mark.spec("Buckets")
def test_empty_buckets_are_reported() -> None:
    conn = new_db()
    insert(conn, "s", [(5, 1.0), (305, 2.0)])
    assert rollup(conn, "s", 0, 360, 60, "max") == [
        (0, 1.0),
        (60, None),
        (120, None),
        (180, None),
        (240, None),
        (300, 2.0),
    ], "a bucket without points is in the result with value None"


@pytest.mark.spec("Buckets")
def test_step_one_and_a_bucket_per_point() -> None:
    conn = new_db()
    insert(conn, "s", [(3, 1.5), (5, 2.5)])
    assert rollup(conn, "s", 2, 7, 1, "avg") == [
        (2, None),
        (3, 1.5),
        (4, None),
        (5, 2.5),
        (6, None),
    ]


# --- aggregates ----------------------------------------------------------------------------


@pytest.mark.spec("Aggregates")
def test_each_aggregate_on_one_bucket() -> None:
    conn = new_db()
    insert(conn, "s", [(1, 4.0), (2, -2.5), (3, 10.0), (4, 0.5)])
    expected = {"avg": 3.0, "min": -2.5, "max": 10.0, "sum": 12.0, "count": 4}
    for agg, value in expected.items():
        assert rollup(conn, "s", 0, 10, 10, agg) == [(0, value)], f"agg={agg!r}"


@pytest.mark.spec("Aggregates")
@pytest.mark.parametrize("values", [(1, 2), (1.0, 2.0)], ids=["ints", "whole-floats"])
def test_average_is_not_an_integer_division(values: tuple[float, float]) -> None:
    conn = new_db()
    insert(conn, "s", [(0, values[0]), (1, values[1])])
    [(_, avg)] = rollup(conn, "s", 0, 60, 60, "avg")
    assert avg == 1.5, f"the mean of 1 and 2 is 1.5, got {avg!r} (integer division?)"
    assert isinstance(avg, float)


@pytest.mark.spec("Aggregates")
def test_empty_bucket_is_none_except_for_count() -> None:
    conn = new_db()
    insert(conn, "s", [(0, 1.0)])
    for agg in ("avg", "min", "max", "sum"):
        assert rollup(conn, "s", 0, 120, 60, agg)[1] == (60, None), f"agg={agg!r}"
    assert rollup(conn, "s", 0, 120, 60, "count")[1] == (60, 0)
    # An aggregate name read at run time (from a request, say) is equal to "count", not the
    # same object.
    assert rollup(conn, "s", 0, 120, 60, "".join(["co", "unt"]))[1] == (60, 0)


@pytest.mark.spec("Aggregates")
@pytest.mark.weight(2)
def test_matches_brute_force_on_random_data() -> None:
    conn = new_db()
    rng = random.Random(20240601)
    stored: dict[str, dict[int, float]] = {"a": {}, "b": {}, "c": {}}
    for _ in range(12):
        for series, points in stored.items():
            batch = [(rng.randrange(0, 5000), round(rng.uniform(-50, 50), 3)) for _ in range(150)]
            insert(conn, series, batch)
            points.update(batch)  # a later duplicate replaces an earlier one, like insert
    for _ in range(60):
        series = rng.choice(sorted(stored))
        start = rng.randrange(0, 5500)
        end = start + rng.randrange(0, 3000)
        step = rng.choice([1, 7, 60, 100, 333, 1000, 4096])
        agg = rng.choice(AGGREGATES)
        context = f"rollup({series!r}, {start}, {end}, {step}, {agg!r})"
        assert_rollup_equal(
            rollup(conn, series, start, end, step, agg),
            brute_force(stored[series], start, end, step, agg),
            context,
        )


# --- validation ----------------------------------------------------------------------------


@pytest.mark.spec("Validation")
@pytest.mark.parametrize("agg", ["median", "AVG", "", "avg(value)"])
def test_unknown_aggregate_is_rejected(agg: str) -> None:
    cpu = cpu_db()
    with pytest.raises(ValueError):
        rollup(cpu, "cpu", 0, 120, 60, agg)


@pytest.mark.spec("Validation")
@pytest.mark.parametrize("step", [0, -60])
def test_non_positive_step_is_rejected(step: int) -> None:
    cpu = cpu_db()
    with pytest.raises(ValueError):
        rollup(cpu, "cpu", 0, 120, step)


@pytest.mark.spec("Validation")
def test_end_before_start_is_rejected() -> None:
    cpu = cpu_db()
    with pytest.raises(ValueError):
        rollup(cpu, "cpu", 120, 60, 60)


# --- query plan ----------------------------------------------------------------------------


@pytest.mark.spec("Query plan")
@pytest.mark.weight(2)
@pytest.mark.parametrize("agg", AGGREGATES)
def test_rollup_seeks_an_index_and_scans_no_table(agg: str) -> None:
    conn = new_db()
    rng = random.Random(7)
    for series in ("cpu", "mem", "disk"):
        insert(conn, series, [(t, rng.uniform(0, 100)) for t in range(0, 20000, 10)])
    result, plans = traced_rollup(conn, "mem", 3000, 9000, 300, agg)
    assert len(result) == 20
    assert_indexed_plans(plans)


@pytest.mark.spec("Query plan")
def test_plan_of_an_unaligned_range_with_gaps() -> None:
    cpu = cpu_db()
    result, plans = traced_rollup(cpu, "cpu", 30, 400, 60, "count")
    assert result == [(0, 1), (60, 1), (120, 2), (180, 0), (240, 0), (300, 0), (360, 0)]
    assert_indexed_plans(plans)
