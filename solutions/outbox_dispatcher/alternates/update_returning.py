"""Correct: the claim is one UPDATE … RETURNING; the consumer looks before it inserts.

No explicit transaction for the claim: a single statement is atomic in
SQLite, so ``UPDATE … WHERE seq IN (SELECT … LIMIT ?) RETURNING …`` reads
and claims in one step (RETURNING order is unspecified: sort by seq). A
failed aggregate's later events are released at once, one statement. Writes
use plain ``BEGIN`` with an explicit try/except instead of a context manager;
the consumer checks the inbox with a SELECT inside its IMMEDIATE transaction.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Event:
    event_id: str
    aggregate_id: str
    type: str
    payload: dict[str, Any]
    seq: int


def _run(conn: sqlite3.Connection, work: Callable[[], Any], immediate: bool = False) -> Any:
    conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        result = work()
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


class OrderService:
    def __init__(
        self, conn: sqlite3.Connection, after_commit: Callable[[Event], object] | None = None
    ) -> None:
        self.conn = conn
        self.after_commit = after_commit or (lambda event: None)

    def _event(self, order_id: str, kind: str, customer: str, total: int) -> Event:
        payload = {"order_id": order_id, "customer": customer, "total": total}
        event_id = str(uuid.uuid4())
        seq = self.conn.execute(
            "INSERT INTO outbox (event_id, aggregate_id, type, payload) VALUES (?, ?, ?, ?)"
            " RETURNING seq",
            (event_id, order_id, kind, json.dumps(payload)),
        ).fetchone()[0]
        return Event(event_id, order_id, kind, payload, seq)

    def place_order(self, order_id: str, customer: str, total: int) -> Event:
        def work() -> Event:
            event = self._event(order_id, "OrderPlaced", customer, total)
            self.conn.execute(
                "INSERT INTO orders VALUES (?, ?, ?, 'placed')", (order_id, customer, total)
            )
            return event

        event = _run(self.conn, work)
        self.after_commit(event)
        return event

    def cancel_order(self, order_id: str) -> Event:
        def work() -> Event:
            found = self.conn.execute(
                "UPDATE orders SET status = 'cancelled' WHERE id = ? AND status = 'placed'"
                " RETURNING customer, total",
                (order_id,),
            ).fetchone()
            if found is None:
                exists = self.conn.execute("SELECT 1 FROM orders WHERE id = ?", (order_id,))
                if exists.fetchone() is None:
                    raise KeyError(order_id)
                raise ValueError(f"{order_id} is already cancelled")
            return self._event(order_id, "OrderCancelled", *found)

        event = _run(self.conn, work, immediate=True)
        self.after_commit(event)
        return event


class Dispatcher:
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
        self.conn, self.publish, self.name = conn, publish, name
        self.lease, self.batch, self.clock = lease, batch, clock

    def run_once(self) -> list[Event]:
        now = self.clock()
        claimed = self.conn.execute(
            """
            UPDATE outbox SET claimed_by = :me, claimed_until = :until
            WHERE seq IN (
                SELECT seq FROM outbox AS o
                WHERE dispatched_at IS NULL AND NOT EXISTS (
                    SELECT 1 FROM outbox AS c
                    WHERE c.aggregate_id = o.aggregate_id AND c.dispatched_at IS NULL
                      AND c.claimed_by <> :me AND c.claimed_until > :now)
                ORDER BY seq LIMIT :batch)
            RETURNING seq, event_id, aggregate_id, type, payload
            """,
            {"me": self.name, "until": now + self.lease, "now": now, "batch": self.batch},
        ).fetchall()
        events = [Event(e, a, t, json.loads(p), s) for s, e, a, t, p in sorted(claimed)]
        done: list[Event] = []
        blocked: set[str] = set()
        for event in events:
            if event.aggregate_id in blocked:
                continue
            try:
                self.publish(event)
            except Exception:
                blocked.add(event.aggregate_id)
                self.conn.execute(
                    "UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?", (event.seq,)
                )
                self.conn.execute(
                    "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL"
                    " WHERE claimed_by = ? AND aggregate_id = ? AND dispatched_at IS NULL",
                    (self.name, event.aggregate_id),
                )
            else:
                self.conn.execute(
                    "UPDATE outbox SET dispatched_at = ?, claimed_by = NULL,"
                    " claimed_until = NULL WHERE event_id = ?",
                    (self.clock(), event.event_id),
                )
                done.append(event)
        return done


EFFECT = {"OrderPlaced": 1, "OrderCancelled": -1}


class Consumer:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def handle(self, event: Event) -> bool:
        sign = EFFECT.get(event.type)
        if sign is None:
            raise ValueError(event.type)

        def work() -> bool:
            known = self.conn.execute(
                "SELECT 1 FROM inbox WHERE event_id = ?", (event.event_id,)
            ).fetchone()
            if known:
                return False
            customer, total = event.payload["customer"], event.payload["total"]
            updated = self.conn.execute(
                "UPDATE customer_totals SET orders = orders + ?, total = total + ?"
                " WHERE customer = ?",
                (sign, sign * total, customer),
            ).rowcount
            if not updated:
                self.conn.execute(
                    "INSERT INTO customer_totals VALUES (?, ?, ?)", (customer, sign, sign * total)
                )
            self.conn.execute("INSERT INTO inbox VALUES (?)", (event.event_id,))
            return True

        return _run(self.conn, work, immediate=True)
