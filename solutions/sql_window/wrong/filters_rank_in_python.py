"""Wrong: ROW_NUMBER() runs in SQL, but ``position <= n`` is applied in Python.

"A window function cannot appear in WHERE" is met by fetching every ranked
seller and filtering in Python, instead of wrapping the window in an outer
query: the database hands over all the rows to keep n per region.
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
WITH totals AS (
    SELECT region, seller, SUM(amount) AS total
    FROM sales
    GROUP BY region, seller
),
ranked AS (
    SELECT region, seller, total,
           ROW_NUMBER() OVER (PARTITION BY region ORDER BY total DESC, seller) AS position
    FROM totals
)
SELECT region, seller, total, position
FROM ranked
ORDER BY region, position
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
    rows = conn.execute(_TOP_PER_GROUP)
    # the bug: the window value is filtered in Python, after fetching every seller
    return [(region, seller, total) for region, seller, total, position in rows if position <= n]


def running_totals(conn: sqlite3.Connection) -> list[tuple[str, str, int, int]]:
    """Per seller and day: ``(seller, day, day_total, running_total)``."""
    return [tuple(row) for row in conn.execute(_RUNNING_TOTALS)]
