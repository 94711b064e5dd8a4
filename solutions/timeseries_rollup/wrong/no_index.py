"""Wrong: the points table has no key or index, so every rollup scans the whole table.

The results are right — a repeated point is replaced by deleting the old row
first — and on a laptop with a few thousand rows it is fast. With millions of
rows from hundreds of series, each chart reads all of them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

_AGGREGATES = {
    "avg": "AVG(value)",
    "min": "MIN(value)",
    "max": "MAX(value)",
    "sum": "SUM(value)",
    "count": "COUNT(*)",
}


def create_schema(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS points (series TEXT NOT NULL, ts INTEGER NOT NULL, value REAL)"
    )


def insert(conn: sqlite3.Connection, series: str, points: Iterable[tuple[int, float]]) -> None:
    latest = {int(ts): float(value) for ts, value in points}  # the later duplicate wins
    stamps = list(latest)
    for i in range(0, len(stamps), 500):
        chunk = stamps[i : i + 500]
        marks = ", ".join("?" * len(chunk))
        conn.execute(f"DELETE FROM points WHERE series = ? AND ts IN ({marks})", (series, *chunk))
    conn.executemany(
        "INSERT INTO points VALUES (?, ?, ?)", ((series, ts, v) for ts, v in latest.items())
    )


def rollup(
    conn: sqlite3.Connection,
    series: str,
    start: int,
    end: int,
    step: int,
    agg: str = "avg",
) -> list[tuple[int, float | None]]:
    expression = _AGGREGATES.get(agg)
    if expression is None:
        raise ValueError(f"unknown aggregate {agg!r}")
    if step <= 0:
        raise ValueError("step must be positive")
    if end < start:
        raise ValueError("end is before start")
    found = dict(
        conn.execute(
            f"""
            SELECT ts - ts % ? AS bucket, {expression}
            FROM points
            WHERE series = ? AND ts >= ? AND ts < ?
            GROUP BY bucket
            """,
            (step, series, start, end),
        )
    )
    empty = 0 if agg == "count" else None
    if start == end:
        return []  # an empty range overlaps no bucket
    first = start - start % step
    return [(bucket, found.get(bucket, empty)) for bucket in range(first, end, step)]
