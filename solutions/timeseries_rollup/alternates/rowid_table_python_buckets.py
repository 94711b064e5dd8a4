"""Correct: a rowid table with a unique index, and the buckets summed in Python.

The points keep SQLite's rowid; a UNIQUE index on (series, ts) gives both the
upsert (``ON CONFLICT ... DO UPDATE``) and the range seek. The query returns
the points of the range in time order straight from the index, and Python
folds them into buckets as they stream past: O(P + B).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

_AGGREGATES = ("avg", "min", "max", "sum", "count")


def create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE TABLE points (id INTEGER PRIMARY KEY, series TEXT NOT NULL,
                             ts INTEGER NOT NULL, value REAL NOT NULL);
        CREATE UNIQUE INDEX points_by_series_ts ON points (series, ts);
        """
    )


def insert(conn: sqlite3.Connection, series: str, points: Iterable[tuple[int, float]]) -> None:
    conn.executemany(
        """
        INSERT INTO points (series, ts, value) VALUES (?, ?, ?)
        ON CONFLICT (series, ts) DO UPDATE SET value = excluded.value
        """,
        [(series, int(ts), float(value)) for ts, value in points],
    )


def rollup(
    conn: sqlite3.Connection,
    series: str,
    start: int,
    end: int,
    step: int,
    agg: str = "avg",
) -> list[tuple[int, float | None]]:
    if agg not in _AGGREGATES:
        raise ValueError(f"unknown aggregate {agg!r}")
    if step <= 0 or end < start:
        raise ValueError(f"bad range: start={start}, end={end}, step={step}")
    if start == end:
        return []
    first = start - start % step
    count = len(range(first, end, step))
    counts = [0] * count
    totals = [0.0] * count
    lows: list[float | None] = [None] * count
    highs: list[float | None] = [None] * count
    rows = conn.execute(
        "SELECT ts, value FROM points WHERE series = ? AND ts BETWEEN ? AND ? ORDER BY ts",
        (series, start, end - 1),
    )
    for ts, value in rows:
        i = (ts - first) // step
        counts[i] += 1
        totals[i] += value
        low, high = lows[i], highs[i]
        lows[i] = value if low is None or value < low else low
        highs[i] = value if high is None or value > high else high
    buckets = range(first, end, step)
    if agg == "count":
        return list(zip(buckets, counts))
    if agg == "min":
        return list(zip(buckets, lows))
    if agg == "max":
        return list(zip(buckets, highs))
    if agg == "sum":
        return [(b, totals[i] if counts[i] else None) for i, b in enumerate(buckets)]
    return [(b, totals[i] / counts[i] if counts[i] else None) for i, b in enumerate(buckets)]
