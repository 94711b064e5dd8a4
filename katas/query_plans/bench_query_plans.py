"""Timing workload for the query plans kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: 100 rounds of four lookups into a database of
n orders (a customer's latest orders, one status in a 40-second window, a
customer by email, and a keyset page from a random cursor). Each returns a
bounded number of rows, so with the right indexes every one is a seek and the
total grows only logarithmically in n; without them each one scans.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from types import ModuleType

STATUSES = ("pending", "paid", "shipped", "delivered", "cancelled")


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    rng = random.Random(n)
    customers = max(1, n // 10)
    conn = sqlite3.connect(":memory:")
    module.create_schema(conn)
    conn.executemany(
        "INSERT INTO customers VALUES (?, ?, ?, ?)",
        [(i, f"user{i}@example.com", f"name{i % 97}", "DE") for i in range(1, customers + 1)],
    )
    conn.executemany(
        "INSERT INTO orders VALUES (?, ?, ?, ?, ?)",
        [
            (i, rng.randint(1, customers), rng.choice(STATUSES), i // 4, rng.randrange(10**5))
            for i in range(1, n + 1)
        ],
    )
    module.create_indexes(conn)
    conn.commit()
    queries = module.QUERIES
    rounds = []
    for _ in range(100):
        start = rng.randrange(n // 4)
        rounds.append(
            (
                {"customer_id": rng.randint(1, customers)},
                {"status": rng.choice(STATUSES), "start": start, "end": start + 40},
                {"email": f"user{rng.randint(1, customers)}@example.com"},
                (start, rng.randint(1, n)),
            )
        )

    def run() -> None:
        for by_customer, by_status, by_email, cursor in rounds:
            conn.execute(queries["customer_orders"], by_customer).fetchall()
            conn.execute(queries["status_in_range"], by_status).fetchall()
            conn.execute(queries["customer_by_email"], by_email).fetchall()
            module.keyset_page(conn, cursor, 20)

    return run
