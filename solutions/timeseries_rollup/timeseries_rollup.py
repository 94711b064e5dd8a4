"""Reference solution: time-series rollups on a clustered (series, ts) key.

The points live in a ``WITHOUT ROWID`` table whose primary key is
``(series, ts)``: the table *is* a B-tree ordered by series, then time. One
structure gives both the upsert (a repeated key replaces the row) and the
range seek a rollup needs (``series = ? AND ts >= ? AND ts < ?``). SQLite
groups the points of the range by bucket and aggregates them in C; Python
only walks the bucket starts to fill in the empty ones.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

# The SQL aggregate for each supported name. Only these fixed strings are ever
# spliced into the query text; the user's input is matched against the keys.
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
            series TEXT    NOT NULL,
            ts     INTEGER NOT NULL,
            value  REAL    NOT NULL,  -- REAL affinity: 1 is stored as 1.0
            PRIMARY KEY (series, ts)
        ) WITHOUT ROWID
        """
    )


def insert(conn: sqlite3.Connection, series: str, points: Iterable[tuple[int, float]]) -> None:
    # Rows are written in order, so of two equal timestamps the later wins.
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
        raise ValueError(f"unknown aggregate {agg!r}; expected one of {sorted(_AGGREGATES)}")
    if step <= 0:
        raise ValueError(f"step must be positive, got {step}")
    if end < start:
        raise ValueError(f"end ({end}) is before start ({start})")

    # Timestamps are non-negative, so SQLite's truncating % equals Python's
    # flooring % and ts - ts % step is the aligned bucket start.
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
