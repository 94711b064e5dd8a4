"""Timing workload for the SQL window functions kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: the top 3 sellers per region and every
seller's running totals over an in-memory table of n sales (inserted during
set-up, not timed). Grouping and window ordering sort the rows: O(n log n).
"""

from __future__ import annotations

import datetime
import random
import sqlite3
from collections.abc import Callable
from types import ModuleType


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    rng = random.Random(n)
    conn = sqlite3.connect(":memory:")
    module.create_schema(conn)
    regions = [f"region-{i}" for i in range(8)]
    sellers = [f"seller-{i:04d}" for i in range(max(10, n // 40))]
    first = datetime.date(2024, 1, 1)
    days = [(first + datetime.timedelta(days=i)).isoformat() for i in range(365)]
    conn.executemany(
        "INSERT INTO sales (region, seller, day, amount) VALUES (?, ?, ?, ?)",
        [
            (rng.choice(regions), rng.choice(sellers), rng.choice(days), rng.randint(-500, 5000))
            for _ in range(n)
        ],
    )
    conn.commit()

    def run() -> None:
        module.top_per_group(conn, 3)
        module.running_totals(conn)

    return run
