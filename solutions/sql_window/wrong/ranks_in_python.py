"""Wrong: top_per_group ranks in Python over GROUP BY totals, with no window function.

The rows are right: sorted by total and name, the first n of each region are
the answer. But the exercise is the window function, and this never runs one
(its "turnover" column only happens to spell OVER).
"""

from __future__ import annotations

import sqlite3
from itertools import groupby, islice
from operator import itemgetter

SCHEMA = """
CREATE TABLE sales (
    id     INTEGER PRIMARY KEY,
    region TEXT    NOT NULL,
    seller TEXT    NOT NULL,
    day    TEXT    NOT NULL,  -- ISO 8601 date: 'YYYY-MM-DD'
    amount INTEGER NOT NULL   -- cents; negative for a refund
);
"""

_TOTALS = """
SELECT region, seller, SUM(amount) AS turnover
FROM sales
GROUP BY region, seller
ORDER BY region, turnover DESC, seller
"""

_RUNNING_TOTALS = """
WITH daily AS (
    SELECT seller, day, SUM(amount) AS day_total
    FROM sales
    GROUP BY seller, day
)
SELECT seller, day, day_total,
       SUM(day_total) OVER (
           PARTITION BY seller ORDER BY day
           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
       ) AS running_total
FROM daily
ORDER BY seller, day
"""


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the ``sales`` table (given: part of the kata, not of the task)."""
    conn.executescript(SCHEMA)


def top_per_group(conn: sqlite3.Connection, n: int) -> list[tuple[str, str, int]]:
    """For each region, its top ``n`` sellers by total amount: ``(region, seller, total)``."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rows = conn.execute(_TOTALS).fetchall()
    # the bug: the ranking is done here, in Python, not by a window function
    return [row for _, group in groupby(rows, key=itemgetter(0)) for row in islice(group, n)]


def running_totals(conn: sqlite3.Connection) -> list[tuple[str, str, int, int]]:
    """Per seller and day: ``(seller, day, day_total, running_total)``."""
    return [tuple(row) for row in conn.execute(_RUNNING_TOTALS)]
