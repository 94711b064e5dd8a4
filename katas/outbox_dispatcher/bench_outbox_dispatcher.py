"""Timing workload for the transactional outbox kata.

The grader calls ``workload(module, n)`` and times the callable it returns:
one dispatcher run over n pending events of n / 10 orders (every publish
succeeds), then the n events handed to a consumer twice (the second time all
duplicates). Each call first puts the outbox and the consumer's tables back
as they were, so every call does the same work. The databases are files in a
temporary folder, with ``synchronous = OFF`` so that the disk does not decide.
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
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


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=5)
    conn.execute("PRAGMA synchronous = OFF")
    return conn


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    folder = Path(tempfile.mkdtemp(prefix="outbox-bench-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    conn = connect(folder / "service.db")
    conn.executescript(SCHEMA)
    service = module.OrderService(conn)
    orders = max(1, n // 10)
    for i in range(n):
        order_id = f"o-{i % orders}-{i // orders}"
        service.place_order(order_id, f"c{i % 7}", i)
    conn.execute(
        "UPDATE outbox SET aggregate_id = 'o-' || ((seq - 1) % ?)", (orders,)
    )  # ten events per order
    consumer_conn = connect(folder / "consumer.db")
    consumer_conn.executescript(SCHEMA)
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
