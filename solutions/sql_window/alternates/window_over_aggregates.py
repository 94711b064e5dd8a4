"""Correct: one SELECT per answer, the window functions applied to aggregates in place.

A window is evaluated after GROUP BY, so it can order by ``SUM(amount)`` and
sum ``SUM(amount)`` without a CTE. COUNT(*) over a ROWS frame from the start
of the partition numbers the rows like ROW_NUMBER(); the running total uses
the default RANGE frame, which is safe here because each seller has one row
per day.
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

_TOP_PER_GROUP = """
SELECT region, seller, total
FROM (
    SELECT region, seller, SUM(amount) AS total,
           COUNT(*) OVER by_total AS position
    FROM sales
    GROUP BY region, seller
    WINDOW by_total AS (
        PARTITION BY region ORDER BY SUM(amount) DESC, seller
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    )
)
WHERE position <= ?
ORDER BY region, position
"""

_RUNNING_TOTALS = """
SELECT seller, day, SUM(amount) AS day_total,
       SUM(SUM(amount)) OVER (PARTITION BY seller ORDER BY day) AS running_total
FROM sales
GROUP BY seller, day
ORDER BY seller, day
"""


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the ``sales`` table (given: part of the kata, not of the task)."""
    conn.executescript(SCHEMA)


def top_per_group(conn: sqlite3.Connection, n: int) -> list[tuple[str, str, int]]:
    """For each region, its top ``n`` sellers by total amount: ``(region, seller, total)``."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    return [tuple(row) for row in conn.execute(_TOP_PER_GROUP, (n,))]


def running_totals(conn: sqlite3.Connection) -> list[tuple[str, str, int, int]]:
    """Per seller and day: ``(seller, day, day_total, running_total)``."""
    return [tuple(row) for row in conn.execute(_RUNNING_TOTALS)]
