"""Timing workload for the transactional outbox kata.

The grader calls ``workload(module, n)`` and times the callable it returns:
one dispatcher run over n pending events of n / 10 orders (every publish
succeeds), then the n events handed to a consumer twice (the second time all
duplicates). The outbox rows are written once, directly; each call first puts
the outbox and the consumer's tables back as they were, so every call does the
same work. The two databases are in memory, so that the disk (and the load
on it) does not decide.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from types import ModuleType

SCHEMA = """
CREATE TABLE orders (id TEXT PRIMARY KEY, customer TEXT NOT NULL, total INTEGER NOT NULL,
                     status TEXT NOT NULL);
CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE,
                     aggregate_id TEXT NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,
                     attempts INTEGER NOT NULL DEFAULT 0, claimed_by TEXT, claimed_until REAL,
                     dispatched_at REAL);
CREATE TABLE inbox (event_id TEXT PRIMARY KEY);
CREATE TABLE customer_totals (customer TEXT PRIMARY KEY, orders INTEGER NOT NULL,
                              total INTEGER NOT NULL);
"""


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(SCHEMA)
    return conn


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    conn = connect()
    orders = max(1, n // 10)  # ten events per order, written in one transaction
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO outbox (event_id, aggregate_id, type, payload) VALUES (?, ?, ?, ?)",
        [
            (
                f"e-{i}",
                f"o-{i % orders}",
                "OrderPlaced",
                json.dumps({"order_id": f"o-{i % orders}", "customer": f"c{i % 7}", "total": i}),
            )
            for i in range(n)
        ],
    )
    conn.execute("COMMIT")
    consumer_conn = connect()
    sent: list = []
    dispatcher = module.Dispatcher(conn, sent.append, name="bench", batch=n, clock=lambda: 1.0)
    consumer = module.Consumer(consumer_conn)

    def run() -> None:
        conn.execute("UPDATE outbox SET dispatched_at = NULL, claimed_by = NULL")
        consumer_conn.execute("DELETE FROM inbox")
        consumer_conn.execute("DELETE FROM customer_totals")
        sent.clear()
        dispatcher.run_once()
        for event in sent:
            consumer.handle(event)
        for event in sent:
            consumer.handle(event)

    return run
