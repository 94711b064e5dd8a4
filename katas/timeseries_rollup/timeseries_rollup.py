"""Time-series rollups in SQLite — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- timeseries_rollup
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the tables and indexes on a fresh database.

    The design is yours; it must let ``rollup`` read one series' points in a
    time range through an index, without scanning the table.
    """
    raise NotImplementedError


def insert(conn: sqlite3.Connection, series: str, points: Iterable[tuple[int, float]]) -> None:
    """Store ``(ts, value)`` points of ``series``.

    ``ts`` is in integer seconds. A point whose ``(series, ts)`` already exists
    replaces the stored value; within one call, the later point wins.
    """
    raise NotImplementedError


def rollup(
    conn: sqlite3.Connection,
    series: str,
    start: int,
    end: int,
    step: int,
    agg: str = "avg",
) -> list[tuple[int, float | None]]:
    """Aggregate the points of ``series`` with ``start <= ts < end`` per bucket.

    Buckets are ``step`` seconds wide and aligned to multiples of ``step``
    (bucket of ``ts`` = ``ts - ts % step``). Returns one ``(bucket_start,
    value)`` per bucket that overlaps ``[start, end)`` — from ``start - start %
    step`` while ``bucket_start < end``; none when ``start == end`` — in order,
    empty buckets included: their value is ``None``, or ``0`` for ``"count"``.

    Raises:
        ValueError: ``agg`` not one of ``"avg"``, ``"min"``, ``"max"``,
            ``"sum"``, ``"count"``; ``step <= 0``; or ``end < start``.
    """
    raise NotImplementedError
