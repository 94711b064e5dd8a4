"""Wrong: buckets are aligned to ``start`` instead of to multiples of ``step``.

Counting buckets from the first requested second feels natural, but then the
same minute is cut differently by every query: a chart starting at 10:00:30
gets buckets at :30 that no other chart (or cache) agrees with.
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
        """
        CREATE TABLE IF NOT EXISTS points (
            series TEXT NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL,
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
            SELECT ? + (ts - ?) / ? * ? AS bucket, {expression}
            FROM points
            WHERE series = ? AND ts >= ? AND ts < ?
            GROUP BY bucket
            """,
            (start, start, step, step, series, start, end),
        )
    )
    empty = 0 if agg == "count" else None
    return [(bucket, found.get(bucket, empty)) for bucket in range(start, end, step)]
