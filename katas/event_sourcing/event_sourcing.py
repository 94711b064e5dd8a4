"""Event-sourced bank account on SQLite — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. The exceptions and the two
event classes are given. Grade it with::

    nox -s grade -- event_sourcing
"""

from __future__ import annotations

import json  # noqa: F401  (event data and snapshots are stored as JSON)
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


class EventStore:
    """Streams of events in SQLite, with optimistic concurrency on each stream's version.

    Creates its tables on ``conn`` if missing; manages its own transactions.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        raise NotImplementedError

    def version(self, stream: str) -> int:
        """How many events the stream holds (0 for a stream that does not exist)."""
        raise NotImplementedError

    def append(self, stream: str, events: Iterable[Event], expected_version: int) -> int:
        """Append ``events`` if the stream is at ``expected_version``; return the new version.

        All or nothing, atomic with the check (``BEGIN IMMEDIATE``, ``UNIQUE (stream, version)``).

        Raises:
            ConcurrencyError: the stream is at another version; nothing was written.
            ValueError: no events.
        """
        raise NotImplementedError

    def read_stream(self, stream: str, after_version: int = 0) -> list[RecordedEvent]:
        """The stream's events with a version above ``after_version``, in version order."""
        raise NotImplementedError

    def read_all(self, after_position: int = 0) -> list[RecordedEvent]:
        """Every stream's events with a position above ``after_position``, in position order."""
        raise NotImplementedError

    def save_snapshot(self, stream: str, version: int, state: dict[str, Any]) -> None:
        """Store ``state`` as the stream's state at ``version``.

        Raises:
            ValueError: ``version`` not between 1 and the stream's version.
        """
        raise NotImplementedError

    def load_snapshot(self, stream: str) -> tuple[int, dict[str, Any]] | None:
        """The stream's latest snapshot as ``(version, state)``; ``None`` if there is none."""
        raise NotImplementedError


class Account:
    """A bank account: commands check the rules and record events; ``apply`` changes state.

    Attributes: ``id``, ``version`` (stream version of the last stored event
    applied), ``owner``, ``balance``, ``opened``, ``closed``, and ``changes``
    (events recorded by commands, not saved yet).
    """

    id: str
    version: int
    owner: str | None
    balance: int
    opened: bool
    closed: bool
    changes: list[Event]

    def __init__(self, account_id: str) -> None:
        """A blank account: version 0, balance 0, not opened, no changes."""
        raise NotImplementedError

    @classmethod
    def open(cls, account_id: str, owner: str) -> Account:
        """A new account with an ``AccountOpened`` change. InvariantError: empty owner."""
        raise NotImplementedError

    def deposit(self, amount: int) -> None:
        """Record ``MoneyDeposited``. InvariantError: not open, or amount not a positive int."""
        raise NotImplementedError

    def withdraw(self, amount: int) -> None:
        """Record ``MoneyWithdrawn``. InvariantError: not open, bad amount, or overdraft."""
        raise NotImplementedError

    def close(self) -> None:
        """Record ``AccountClosed``. InvariantError: not open, or balance not 0."""
        raise NotImplementedError

    def apply(self, event: Event | RecordedEvent) -> None:
        """Change the state as ``event`` says, without checks."""
        raise NotImplementedError

    @classmethod
    def replay(cls, account_id: str, events: Iterable[RecordedEvent]) -> Account:
        """A blank account with ``events`` applied in order; version = the last one's."""
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        """The state as a JSON-serialisable dict."""
        raise NotImplementedError

    @classmethod
    def from_snapshot(cls, account_id: str, version: int, state: dict[str, Any]) -> Account:
        """The account as ``snapshot()`` described it at ``version``."""
        raise NotImplementedError


class AccountRepository:
    """Loads accounts from the latest snapshot + later events; saves their changes.

    Raises:
        ValueError: ``snapshot_every`` below 1.
    """

    def __init__(self, store: EventStore, snapshot_every: int = 100) -> None:
        raise NotImplementedError

    def load(self, account_id: str) -> Account:
        """The stored account. KeyError: no event in its stream."""
        raise NotImplementedError

    def save(self, account: Account) -> None:
        """Append ``changes`` at the loaded version; snapshot when crossing a multiple.

        Raises:
            ConcurrencyError: the stream moved on; the account is left unchanged.
        """
        raise NotImplementedError


class BalanceProjection:
    """Balances of open accounts, in its own tables on ``conn``, from all events in order."""

    def __init__(self, store: EventStore, conn: sqlite3.Connection) -> None:
        raise NotImplementedError

    @property
    def checkpoint(self) -> int:
        """The global position of the last event applied (0 before any)."""
        raise NotImplementedError

    def balances(self) -> dict[str, int]:
        """``{account_id: balance}`` of the open accounts."""
        raise NotImplementedError

    def catch_up(self) -> int:
        """Apply the events after the checkpoint in global order; return how many."""
        raise NotImplementedError

    def rebuild(self) -> int:
        """Clear, set the checkpoint to 0, and catch up from the start; return how many."""
        raise NotImplementedError
