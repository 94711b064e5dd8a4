"""Correct: the UNIQUE constraint alone arbitrates races; one transaction per catch-up.

The store reads the version outside any transaction and lets
``UNIQUE (stream, version)`` reject a second writer of the same version: the
batch's inserts run in one ``BEGIN IMMEDIATE`` transaction (Python's
``isolation_level="IMMEDIATE"`` opens it before the first INSERT), so a clash
on any event rolls the whole batch back. The version is checked again inside
the transaction, so an append that lost the race raises even when its own
versions would not clash. The aggregate dispatches events to ``_on_<type>``
methods; only the latest snapshot of each stream is kept; the projection
applies a whole catch-up, checkpoint included, in one transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

OPENED = "AccountOpened"
DEPOSITED = "MoneyDeposited"
WITHDRAWN = "MoneyWithdrawn"
CLOSED = "AccountClosed"


class ConcurrencyError(Exception):
    pass


class InvariantError(Exception):
    pass


@dataclass(frozen=True)
class Event:
    type: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedEvent:
    position: int
    stream: str
    version: int
    type: str
    data: dict[str, Any]


class EventStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        conn.isolation_level = "IMMEDIATE"
        self.conn = conn
        with conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS es_events (pos INTEGER PRIMARY KEY AUTOINCREMENT,"
                " stream TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL,"
                " data TEXT NOT NULL, UNIQUE (stream, version))"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS es_snapshots (stream TEXT PRIMARY KEY,"
                " version INTEGER NOT NULL, state TEXT NOT NULL)"
            )

    def version(self, stream: str) -> int:
        row = self.conn.execute(
            "SELECT version FROM es_events WHERE stream = ? ORDER BY version DESC LIMIT 1",
            (stream,),
        ).fetchone()
        return row[0] if row else 0

    def append(self, stream: str, events: Iterable[Event], expected_version: int) -> int:
        rows = [(e.type, json.dumps(e.data)) for e in events]
        if not rows:
            raise ValueError("nothing to append")
        if self.version(stream) != expected_version:
            raise ConcurrencyError(f"{stream}: not at version {expected_version}")
        try:
            with self.conn:  # BEGIN IMMEDIATE before the first INSERT; COMMIT or ROLLBACK
                for offset, (type_, data) in enumerate(rows, 1):
                    self.conn.execute(
                        "INSERT INTO es_events (stream, version, type, data) VALUES (?, ?, ?, ?)",
                        (stream, expected_version + offset, type_, data),
                    )
                if self.version(stream) != expected_version + len(rows):
                    raise ConcurrencyError(f"{stream}: moved past {expected_version}")
        except sqlite3.IntegrityError as exc:
            raise ConcurrencyError(f"{stream}: version {expected_version + 1} taken") from exc
        return expected_version + len(rows)

    def _read(self, where: str, args: tuple[Any, ...]) -> list[RecordedEvent]:
        sql = f"SELECT pos, stream, version, type, data FROM es_events WHERE {where}"
        return [
            RecordedEvent(p, s, v, t, json.loads(d))
            for p, s, v, t, d in self.conn.execute(sql, args)
        ]

    def read_stream(self, stream: str, after_version: int = 0) -> list[RecordedEvent]:
        return self._read("stream = ? AND version > ? ORDER BY version", (stream, after_version))

    def read_all(self, after_position: int = 0) -> list[RecordedEvent]:
        return self._read("pos > ? ORDER BY pos", (after_position,))

    def save_snapshot(self, stream: str, version: int, state: dict[str, Any]) -> None:
        if version < 1 or version > self.version(stream):
            raise ValueError("a snapshot must not be ahead of its stream")
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO es_snapshots VALUES (?, ?, ?)",
                (stream, version, json.dumps(state)),
            )

    def load_snapshot(self, stream: str) -> tuple[int, dict[str, Any]] | None:
        row = self.conn.execute(
            "SELECT version, state FROM es_snapshots WHERE stream = ?", (stream,)
        ).fetchone()
        return (row[0], json.loads(row[1])) if row else None


class Account:
    def __init__(self, account_id: str) -> None:
        self.id = account_id
        self.version = 0
        self.owner: str | None = None
        self.balance = 0
        self.opened = self.closed = False
        self.changes: list[Event] = []

    @classmethod
    def open(cls, account_id: str, owner: str) -> Account:
        if not isinstance(owner, str) or owner.isspace() or owner == "":
            raise InvariantError("owner required")
        account = cls(account_id)
        account._emit(OPENED, owner=owner)
        return account

    def _check(self, amount: int | None = None) -> None:
        if not self.opened or self.closed:
            raise InvariantError("account not open")
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)):
            raise InvariantError("amount must be an int")
        if amount is not None and amount < 1:
            raise InvariantError("amount must be positive")

    def deposit(self, amount: int) -> None:
        self._check(amount)
        self._emit(DEPOSITED, amount=amount)

    def withdraw(self, amount: int) -> None:
        self._check(amount)
        if self.balance - amount < 0:
            raise InvariantError("insufficient funds")
        self._emit(WITHDRAWN, amount=amount)

    def close(self) -> None:
        self._check()
        if self.balance:
            raise InvariantError("balance must be zero to close")
        self._emit(CLOSED)

    def _emit(self, type_: str, **data: Any) -> None:
        event = Event(type_, data)
        self.apply(event)
        self.changes.append(event)

    def apply(self, event: Event | RecordedEvent) -> None:
        handler = getattr(self, f"_on_{event.type}", None)
        if handler is None:
            raise ValueError(f"no handler for {event.type}")
        handler(event.data)

    def _on_AccountOpened(self, data: dict[str, Any]) -> None:
        self.owner, self.opened = data["owner"], True

    def _on_MoneyDeposited(self, data: dict[str, Any]) -> None:
        self.balance += data["amount"]

    def _on_MoneyWithdrawn(self, data: dict[str, Any]) -> None:
        self.balance -= data["amount"]

    def _on_AccountClosed(self, data: dict[str, Any]) -> None:
        self.closed = True

    @classmethod
    def replay(cls, account_id: str, events: Iterable[RecordedEvent]) -> Account:
        account = cls(account_id)
        account._catch_up(events)
        return account

    def _catch_up(self, events: Iterable[RecordedEvent]) -> None:
        for event in events:
            self.apply(event)
            self.version = event.version

    def snapshot(self) -> dict[str, Any]:
        return {"v": 1, "state": [self.owner, self.balance, self.opened, self.closed]}

    @classmethod
    def from_snapshot(cls, account_id: str, version: int, state: dict[str, Any]) -> Account:
        account = cls(account_id)
        account.version = version
        account.owner, account.balance, account.opened, account.closed = state["state"]
        return account


class AccountRepository:
    def __init__(self, store: EventStore, snapshot_every: int = 100) -> None:
        if not snapshot_every >= 1:
            raise ValueError("snapshot_every must be >= 1")
        self.store, self.every = store, snapshot_every

    def load(self, account_id: str) -> Account:
        snap = self.store.load_snapshot(account_id)
        account = Account(account_id) if snap is None else Account.from_snapshot(account_id, *snap)
        account._catch_up(self.store.read_stream(account_id, account.version))
        if not account.version:
            raise KeyError(account_id)
        return account

    def save(self, account: Account) -> None:
        if account.changes:
            old = account.version
            new = self.store.append(account.id, list(account.changes), old)
            account.version, account.changes = new, []
            if new // self.every != old // self.every:
                self.store.save_snapshot(account.id, new, account.snapshot())


class BalanceProjection:
    def __init__(self, store: EventStore, conn: sqlite3.Connection) -> None:
        conn.isolation_level = "IMMEDIATE"
        self.store, self.conn = store, conn
        with conn:
            conn.execute("CREATE TABLE IF NOT EXISTS rm_balance (id TEXT PRIMARY KEY, amount INT)")
            conn.execute("CREATE TABLE IF NOT EXISTS rm_position (position INT NOT NULL)")
            if conn.execute("SELECT COUNT(*) FROM rm_position").fetchone()[0] == 0:
                conn.execute("INSERT INTO rm_position VALUES (0)")

    @property
    def checkpoint(self) -> int:
        return self.conn.execute("SELECT position FROM rm_position").fetchone()[0]

    def balances(self) -> dict[str, int]:
        return {k: v for k, v in self.conn.execute("SELECT id, amount FROM rm_balance")}

    def catch_up(self) -> int:
        events = self.store.read_all(self.checkpoint)
        if not events:
            return 0
        signs = {DEPOSITED: 1, WITHDRAWN: -1}
        with self.conn:  # everything below, checkpoint included, commits together
            for e in events:
                if e.type == OPENED:
                    self.conn.execute("INSERT INTO rm_balance VALUES (?, 0)", (e.stream,))
                elif e.type == CLOSED:
                    self.conn.execute("DELETE FROM rm_balance WHERE id = ?", (e.stream,))
                elif e.type in signs:
                    self.conn.execute(
                        "UPDATE rm_balance SET amount = amount + ? WHERE id = ?",
                        (signs[e.type] * e.data["amount"], e.stream),
                    )
            self.conn.execute("UPDATE rm_position SET position = ?", (events[-1].position,))
        return len(events)

    def rebuild(self) -> int:
        with self.conn:
            self.conn.execute("DELETE FROM rm_balance")
            self.conn.execute("UPDATE rm_position SET position = 0")
        return self.catch_up()
