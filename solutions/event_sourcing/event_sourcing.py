"""Reference solution: an event-sourced bank account over an SQLite event store.

The store appends a stream's events in one ``BEGIN IMMEDIATE`` transaction:
it takes the write lock first, compares the stream's version with the
expected one, and inserts; ``UNIQUE (stream, version)`` backs the check, so
two writers can never both add version n + 1. The aggregate checks its rules
before it records an event and changes state only by applying events, the
same code that replays them. The repository loads the latest snapshot and
the events after it, and takes a snapshot whenever a save reaches a multiple
of ``snapshot_every``. The projection applies events in global order and
moves its checkpoint in the same transaction as the balances it wrote.
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
    """The stream's version is not the expected one: someone else appended first."""


class InvariantError(Exception):
    """A command would break one of the account's rules; nothing was recorded."""


@dataclass(frozen=True)
class Event:
    """A new event: its type and its data (JSON-serialisable)."""

    type: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedEvent:
    """An event as stored: with its stream, version in the stream and global position."""

    position: int
    stream: str
    version: int
    type: str
    data: dict[str, Any]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    stream   TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    type     TEXT    NOT NULL,
    data     TEXT    NOT NULL,
    UNIQUE (stream, version)
);
CREATE TABLE IF NOT EXISTS snapshots (
    stream  TEXT    NOT NULL,
    version INTEGER NOT NULL,
    state   TEXT    NOT NULL,
    PRIMARY KEY (stream, version)
);
"""


def _recorded(row: tuple[int, str, int, str, str]) -> RecordedEvent:
    position, stream, version, type_, data = row
    return RecordedEvent(position, stream, version, type_, json.loads(data))


class EventStore:
    """Streams of events in SQLite, with optimistic concurrency on each stream's version."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        conn.isolation_level = None  # autocommit: transactions are explicit below
        self._conn = conn
        conn.executescript(_SCHEMA)

    def version(self, stream: str) -> int:
        """How many events the stream holds (0 for a stream that does not exist)."""
        row = self._conn.execute("SELECT MAX(version) FROM events WHERE stream = ?", (stream,))
        return row.fetchone()[0] or 0

    def append(self, stream: str, events: Iterable[Event], expected_version: int) -> int:
        """Append ``events`` if the stream is at ``expected_version``; return the new version."""
        events = list(events)
        if not events:
            raise ValueError("append needs at least one event")
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")  # the write lock, before reading the version
        try:
            current = self.version(stream)
            if current != expected_version:
                raise ConcurrencyError(
                    f"stream {stream!r} is at version {current}, expected {expected_version}"
                )
            conn.executemany(
                "INSERT INTO events (stream, version, type, data) VALUES (?, ?, ?, ?)",
                [
                    (stream, current + i, e.type, json.dumps(e.data))
                    for i, e in enumerate(events, 1)
                ],
            )
        except sqlite3.IntegrityError as exc:  # another writer took the version
            conn.execute("ROLLBACK")
            raise ConcurrencyError(f"stream {stream!r} changed concurrently") from exc
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return current + len(events)

    def read_stream(self, stream: str, after_version: int = 0) -> list[RecordedEvent]:
        """The stream's events with a version above ``after_version``, in order."""
        rows = self._conn.execute(
            "SELECT position, stream, version, type, data FROM events"
            " WHERE stream = ? AND version > ? ORDER BY version",
            (stream, after_version),
        )
        return [_recorded(r) for r in rows]

    def read_all(self, after_position: int = 0) -> list[RecordedEvent]:
        """Every stream's events after ``after_position``, in global order."""
        rows = self._conn.execute(
            "SELECT position, stream, version, type, data FROM events"
            " WHERE position > ? ORDER BY position",
            (after_position,),
        )
        return [_recorded(r) for r in rows]

    def save_snapshot(self, stream: str, version: int, state: dict[str, Any]) -> None:
        """Store the state at ``version``; never beyond the stream's version."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = self.version(stream)
            if not 0 < version <= current:
                raise ValueError(
                    f"snapshot at version {version} of {stream!r}, which is at {current}"
                )
            conn.execute(
                "INSERT OR REPLACE INTO snapshots (stream, version, state) VALUES (?, ?, ?)",
                (stream, version, json.dumps(state)),
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def load_snapshot(self, stream: str) -> tuple[int, dict[str, Any]] | None:
        """The latest snapshot of the stream as ``(version, state)``, or ``None``."""
        row = self._conn.execute(
            "SELECT version, state FROM snapshots WHERE stream = ? ORDER BY version DESC LIMIT 1",
            (stream,),
        ).fetchone()
        return None if row is None else (row[0], json.loads(row[1]))


class Account:
    """A bank account rebuilt from its events; commands record new ones."""

    def __init__(self, account_id: str) -> None:
        self.id = account_id
        self.version = 0  # the stream version of the last stored event applied
        self.owner: str | None = None
        self.balance = 0
        self.opened = False
        self.closed = False
        self.changes: list[Event] = []  # recorded by commands, not saved yet

    # -- commands: check the rules, then record -----------------------------

    @classmethod
    def open(cls, account_id: str, owner: str) -> Account:
        if not isinstance(owner, str) or not owner.strip():
            raise InvariantError(f"an account needs an owner, got {owner!r}")
        account = cls(account_id)
        account._record(Event(OPENED, {"owner": owner}))
        return account

    def deposit(self, amount: int) -> None:
        self._require_open()
        _require_positive(amount)
        self._record(Event(DEPOSITED, {"amount": amount}))

    def withdraw(self, amount: int) -> None:
        self._require_open()
        _require_positive(amount)
        if amount > self.balance:
            raise InvariantError(f"withdrawing {amount} from a balance of {self.balance}")
        self._record(Event(WITHDRAWN, {"amount": amount}))

    def close(self) -> None:
        self._require_open()
        if self.balance != 0:
            raise InvariantError(f"closing an account with a balance of {self.balance}")
        self._record(Event(CLOSED))

    def _require_open(self) -> None:
        if not self.opened:
            raise InvariantError(f"account {self.id!r} is not open")
        if self.closed:
            raise InvariantError(f"account {self.id!r} is closed")

    def _record(self, event: Event) -> None:
        self.apply(event)
        self.changes.append(event)

    # -- state: only events change it ---------------------------------------

    def apply(self, event: Event | RecordedEvent) -> None:
        """Change the state as ``event`` says; no checks (it already happened)."""
        if event.type == OPENED:
            self.opened, self.owner = True, event.data["owner"]
        elif event.type == DEPOSITED:
            self.balance += event.data["amount"]
        elif event.type == WITHDRAWN:
            self.balance -= event.data["amount"]
        elif event.type == CLOSED:
            self.closed = True
        else:
            raise ValueError(f"unknown event type {event.type!r}")

    @classmethod
    def replay(cls, account_id: str, events: Iterable[RecordedEvent]) -> Account:
        account = cls(account_id)
        for event in events:
            account.apply(event)
            account.version = event.version
        return account

    def snapshot(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "balance": self.balance,
            "opened": self.opened,
            "closed": self.closed,
        }

    @classmethod
    def from_snapshot(cls, account_id: str, version: int, state: dict[str, Any]) -> Account:
        account = cls(account_id)
        account.version = version
        account.owner, account.balance = state["owner"], state["balance"]
        account.opened, account.closed = state["opened"], state["closed"]
        return account


def _require_positive(amount: int) -> None:
    if type(amount) is not int or amount <= 0:
        raise InvariantError(f"amounts are positive whole numbers, got {amount!r}")


class AccountRepository:
    """Loads accounts from snapshot + later events, saves their new events."""

    def __init__(self, store: EventStore, snapshot_every: int = 100) -> None:
        if snapshot_every < 1:
            raise ValueError(f"snapshot_every must be at least 1, got {snapshot_every}")
        self._store = store
        self._every = snapshot_every

    def load(self, account_id: str) -> Account:
        snapshot = self._store.load_snapshot(account_id)
        if snapshot is None:
            account = Account(account_id)
        else:
            account = Account.from_snapshot(account_id, *snapshot)
        for event in self._store.read_stream(account_id, after_version=account.version):
            account.apply(event)
            account.version = event.version
        if account.version == 0:
            raise KeyError(account_id)
        return account

    def save(self, account: Account) -> None:
        if not account.changes:
            return
        before = account.version
        account.version = self._store.append(account.id, account.changes, before)
        account.changes = []
        if account.version // self._every > before // self._every:
            self._store.save_snapshot(account.id, account.version, account.snapshot())


class BalanceProjection:
    """Balances of open accounts, kept in its own tables on ``conn``, from the store's events."""

    def __init__(self, store: EventStore, conn: sqlite3.Connection) -> None:
        conn.isolation_level = None
        self._store = store
        self._conn = conn
        conn.executescript(
            """
            CREATE TABLE IF NOT EXISTS balances (account TEXT PRIMARY KEY, balance INTEGER);
            CREATE TABLE IF NOT EXISTS checkpoint (id INTEGER PRIMARY KEY CHECK (id = 0),
                                                   position INTEGER NOT NULL);
            INSERT OR IGNORE INTO checkpoint VALUES (0, 0);
            """
        )

    @property
    def checkpoint(self) -> int:
        """The global position of the last event applied (0 before any)."""
        return self._conn.execute("SELECT position FROM checkpoint").fetchone()[0]

    def balances(self) -> dict[str, int]:
        return dict(self._conn.execute("SELECT account, balance FROM balances"))

    def catch_up(self) -> int:
        """Apply the events after the checkpoint, in global order; return how many."""
        events = self._store.read_all(after_position=self.checkpoint)
        conn = self._conn
        for event in events:
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._apply(event)
                conn.execute("UPDATE checkpoint SET position = ?", (event.position,))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return len(events)

    def rebuild(self) -> int:
        """Forget everything and apply every event again; return how many."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM balances")
        conn.execute("UPDATE checkpoint SET position = 0")
        conn.execute("COMMIT")
        return self.catch_up()

    def _apply(self, event: RecordedEvent) -> None:
        conn = self._conn
        if event.type == OPENED:
            conn.execute("INSERT INTO balances VALUES (?, 0)", (event.stream,))
        elif event.type == DEPOSITED:
            conn.execute(
                "UPDATE balances SET balance = balance + ? WHERE account = ?",
                (event.data["amount"], event.stream),
            )
        elif event.type == WITHDRAWN:
            conn.execute(
                "UPDATE balances SET balance = balance - ? WHERE account = ?",
                (event.data["amount"], event.stream),
            )
        elif event.type == CLOSED:
            conn.execute("DELETE FROM balances WHERE account = ?", (event.stream,))
