"""Transactional outbox on SQLite: the write and its event commit together.

Reference solution: every write is one ``BEGIN IMMEDIATE`` transaction; the
dispatcher claims pending events by aggregate in one short transaction,
publishes outside any transaction, and marks each event only after its
publish returned; the consumer records the event id in its inbox in the same
transaction as its effect.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Event:
    """One row of the outbox, as the dispatcher publishes it."""

    event_id: str
    aggregate_id: str
    type: str
    payload: dict[str, Any]
    seq: int


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT; ROLLBACK and re-raise on any error, COMMIT's own included."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _append(conn: sqlite3.Connection, aggregate_id: str, type_: str, payload: dict) -> Event:
    event_id = uuid.uuid4().hex
    (seq,) = conn.execute(
        "INSERT INTO outbox (event_id, aggregate_id, type, payload) VALUES (?, ?, ?, ?)"
        " RETURNING seq",
        (event_id, aggregate_id, type_, json.dumps(payload)),
    ).fetchone()
    return Event(event_id, aggregate_id, type_, payload, seq)


class OrderService:
    """Business writes on ``orders``, each with its event in ``outbox``."""

    def __init__(
        self, conn: sqlite3.Connection, after_commit: Callable[[Event], object] | None = None
    ) -> None:
        self.conn = conn
        self.after_commit = after_commit

    def _done(self, event: Event) -> Event:
        if self.after_commit is not None:
            self.after_commit(event)
        return event

    def place_order(self, order_id: str, customer: str, total: int) -> Event:
        """Insert the order and its ``OrderPlaced`` event in one transaction."""
        payload = {"order_id": order_id, "customer": customer, "total": total}
        with _transaction(self.conn):
            self.conn.execute(
                "INSERT INTO orders (id, customer, total, status) VALUES (?, ?, ?, 'placed')",
                (order_id, customer, total),
            )
            event = _append(self.conn, order_id, "OrderPlaced", payload)
        return self._done(event)

    def cancel_order(self, order_id: str) -> Event:
        """Cancel a placed order and record ``OrderCancelled``, in one transaction."""
        with _transaction(self.conn):
            row = self.conn.execute(
                "UPDATE orders SET status = 'cancelled' WHERE id = ? AND status = 'placed'"
                " RETURNING customer, total",
                (order_id,),
            ).fetchone()
            if row is None:
                known = self.conn.execute("SELECT 1 FROM orders WHERE id = ?", (order_id,))
                if known.fetchone() is None:
                    raise KeyError(order_id)
                raise ValueError(f"order {order_id!r} is already cancelled")
            customer, total = row
            payload = {"order_id": order_id, "customer": customer, "total": total}
            event = _append(self.conn, order_id, "OrderCancelled", payload)
        return self._done(event)


class Dispatcher:
    """Publishes pending outbox events: at least once, in order per aggregate."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        publish: Callable[[Event], object],
        *,
        name: str,
        lease: float = 30.0,
        batch: int = 100,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.conn = conn
        self.publish = publish
        self.name = name
        self.lease = lease
        self.batch = batch
        self.clock = clock

    def _claim(self) -> list[Event]:
        now = self.clock()
        with _transaction(self.conn):
            rows = self.conn.execute(
                """
                SELECT seq, event_id, aggregate_id, type, payload FROM outbox
                WHERE dispatched_at IS NULL AND aggregate_id NOT IN (
                    SELECT aggregate_id FROM outbox
                    WHERE dispatched_at IS NULL AND claimed_by IS NOT NULL
                      AND claimed_by != ? AND claimed_until > ?)
                ORDER BY seq LIMIT ?
                """,
                (self.name, now, self.batch),
            ).fetchall()
            self.conn.executemany(
                "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE seq = ?",
                [(self.name, now + self.lease, row[0]) for row in rows],
            )
        return [Event(e, a, t, json.loads(p), s) for s, e, a, t, p in rows]

    def run_once(self) -> list[Event]:
        """Claim, publish and mark one batch; return the events published, in order."""
        published: list[Event] = []
        failed: set[str] = set()
        for event in self._claim():
            if event.aggregate_id in failed:
                continue  # an earlier event of this aggregate is still undelivered
            try:
                self.publish(event)
            except Exception:
                failed.add(event.aggregate_id)
                self._release(event)
                continue
            self.conn.execute(  # one statement: a transaction of its own
                "UPDATE outbox SET dispatched_at = ?, claimed_by = NULL, claimed_until = NULL"
                " WHERE seq = ?",
                (self.clock(), event.seq),
            )
            published.append(event)
        return published

    def _release(self, event: Event) -> None:
        """Count the failed attempt; free this dispatcher's claims on the event's aggregate."""
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + (seq = ?), claimed_by = NULL,"
            " claimed_until = NULL"
            " WHERE aggregate_id = ? AND claimed_by = ? AND dispatched_at IS NULL",
            (event.seq, event.aggregate_id, self.name),
        )


_SIGN = {"OrderPlaced": 1, "OrderCancelled": -1}  # what each event does to the totals


class Consumer:
    """Applies events to ``customer_totals`` exactly once, deduplicated by ``inbox``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def handle(self, event: Event) -> bool:
        """Apply ``event`` unless its id is in the inbox; True when applied."""
        sign = _SIGN.get(event.type)
        if sign is None:
            raise ValueError(f"unknown event type {event.type!r}")
        with _transaction(self.conn):
            new = self.conn.execute(
                "INSERT INTO inbox (event_id) VALUES (?) ON CONFLICT DO NOTHING", (event.event_id,)
            ).rowcount
            if not new:  # already in the inbox: a duplicate
                return False
            self.conn.execute(
                """
                INSERT INTO customer_totals (customer, orders, total) VALUES (?, ?, ?)
                ON CONFLICT (customer) DO UPDATE
                SET orders = orders + excluded.orders, total = total + excluded.total
                """,
                (event.payload["customer"], sign, sign * event.payload["total"]),
            )
        return True
