"""SQL window functions — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- sql_window

``SCHEMA`` and ``create_schema`` are given: they are the table your queries
read, not part of the task.
"""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE sales (
    id     INTEGER PRIMARY KEY,
    region TEXT    NOT NULL,
    seller TEXT    NOT NULL,
    day    TEXT    NOT NULL,  -- ISO 8601 date: 'YYYY-MM-DD'
    amount INTEGER NOT NULL   -- cents; negative for a refund
);
"""


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the ``sales`` table (given: part of the kata, not of the task)."""
    conn.executescript(SCHEMA)


def top_per_group(conn: sqlite3.Connection, n: int) -> list[tuple[str, str, int]]:
    """For each region, its top ``n`` sellers by total amount.

    A seller's total in a region is the sum of ``amount`` over their sales in
    that region. Sellers are ranked by total, highest first; equal totals are
    ranked by seller name ascending. Exactly ``min(n, sellers in the region)``
    rows per region.

    Returns:
        ``(region, seller, total)`` tuples, ordered by region, then rank.

    Raises:
        ValueError: ``n`` is below 1.

    Write it as one SQL query with a window function (``... OVER (...)``).
    """
    raise NotImplementedError


def running_totals(conn: sqlite3.Connection) -> list[tuple[str, str, int, int]]:
    """Each seller's sales per day, with a running total over the days.

    ``day_total`` is the sum of the seller's sales on that day (all regions);
    ``running_total`` is the sum of the seller's day totals up to and
    including that day. One row per seller and day with at least one sale.

    Returns:
        ``(seller, day, day_total, running_total)`` tuples, ordered by seller,
        then day.

    Write it as one SQL query with a window function (``... OVER (...)``).
    """
    raise NotImplementedError
