"""Wrong: the rollup reads the whole series and keeps the range in Python.

The index on (series, ts) is there, and the plan even says SEARCH — but only
on series: every point the series ever had is read for a one-hour chart, and
the time range is applied row by row in Python.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

_AGGREGATES = {
    "avg": lambda values: sum(values) / len(values),
    "min": min,
    "max": max,
    "sum": lambda values: float(sum(values)),
    "count": len,
}


def create_schema(conn: sqlite3.Connection) -> None:
    conn.execute(
        """
        CREATE TABLE IF NOT EXISTS points (
            series TEXT    NOT NULL,
            ts     INTEGER NOT NULL,
            value  REAL    NOT NULL,
            PRIMARY KEY (series, ts)
        ) WITHOUT ROWID
        """
    )


def insert(conn: sqlite3.Connection, series: str, points: Iterable[tuple[int, float]]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO points (series, ts, value) VALUES (?, ?, ?)",
        ((series, int(ts), float(value)) for ts, value in points),
    )


def rollup(
    conn: sqlite3.Connection,
    series: str,
    start: int,
    end: int,
    step: int,
    agg: str = "avg",
) -> list[tuple[int, float | None]]:
    aggregate = _AGGREGATES.get(agg)
    if aggregate is None:
        raise ValueError(f"unknown aggregate {agg!r}")
    if step <= 0:
        raise ValueError(f"step must be positive, got {step}")
    if end < start:
        raise ValueError(f"end ({end}) is before start ({start})")
    groups: dict[int, list[float]] = {}
    rows = conn.execute("SELECT ts, value FROM points WHERE series = ?", (series,))
    for ts, value in rows:
        if start <= ts < end:  # the bug: the range is not part of the query
            groups.setdefault(ts - ts % step, []).append(value)
    empty = 0 if agg == "count" else None
    return [
        (bucket, aggregate(groups[bucket]) if bucket in groups else empty)
        for bucket in range(start - start % step, end, step)
    ]
