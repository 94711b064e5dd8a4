"""Wrong: the average is ``SUM(value) / COUNT(value)`` on a NUMERIC column, an integer division.

A ``NUMERIC`` column stores 1.0 as the integer 1, and SQLite's ``/`` between
two integers truncates, so the mean of 1 and 2 comes out as 1. ``AVG()`` or a
``REAL`` column would have avoided it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

_AGGREGATES = {
    "avg": "SUM(value) / COUNT(value)",
    "min": "MIN(value)",
    "max": "MAX(value)",
    "sum": "SUM(value)",
    "count": "COUNT(*)",
}


def create_schema(conn: sqlite3.Connection) -> None:
    conn.execute(
        """
        CREATE TABLE IF NOT EXISTS points (
            series TEXT NOT NULL, ts INTEGER NOT NULL, value NUMERIC NOT NULL,
            PRIMARY KEY (series, ts)
        ) WITHOUT ROWID
        """
    )


def insert(conn: sqlite3.Connection, series: str, points: Iterable[tuple[int, float]]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO points (series, ts, value) VALUES (?, ?, ?)",
        ((series, ts, value) for ts, value in points),
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
