"""Wrong: empty buckets are left out of the result.

``GROUP BY`` only produces groups that have rows, and returning its output
as-is looks complete. A chart drawn from it silently joins the points across
an outage instead of showing the gap.
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
    rows = conn.execute(
        f"""
        SELECT ts - ts % ? AS bucket, {expression}
        FROM points
        WHERE series = ? AND ts >= ? AND ts < ?
        GROUP BY bucket
        ORDER BY bucket
        """,
        (step, series, start, end),
    )
    return [(bucket, value) for bucket, value in rows]
