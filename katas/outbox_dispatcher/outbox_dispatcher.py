"""Transactional outbox — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- outbox_dispatcher
"""

from __future__ import annotations

import json  # noqa: F401  (payloads are stored as JSON)
import sqlite3
import time
import uuid  # noqa: F401  (event ids)
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Event:
    """One row of the outbox, as the dispatcher publishes it."""

    event_id: str
    """Unique id of the event (``uuid.uuid4().hex``, say)."""
    aggregate_id: str
    """The order the event belongs to."""
    type: str
    """``"OrderPlaced"`` or ``"OrderCancelled"``."""
    payload: dict[str, Any]
    """``{"order_id": …, "customer": …, "total": …}``."""
    seq: int
    """The event's ``outbox.seq``: the order events were committed in."""


class OrderService:
    """Business writes on ``orders``, each committed together with its event in ``outbox``."""

    def __init__(
        self, conn: sqlite3.Connection, after_commit: Callable[[Event], object] | None = None
    ) -> None:
        """``conn`` is in autocommit mode; ``after_commit(event)`` runs after each commit."""
        raise NotImplementedError

    def place_order(self, order_id: str, customer: str, total: int) -> Event:
        """Insert the order (status 'placed') and its ``OrderPlaced`` event in one transaction."""
        raise NotImplementedError

    def cancel_order(self, order_id: str) -> Event:
        """Cancel a placed order and add ``OrderCancelled``, in one transaction.

        Raises ``KeyError`` for an unknown order, ``ValueError`` for a cancelled one.
        """
        raise NotImplementedError


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
        """``publish(event)`` sends one event (it may raise); ``name`` identifies the claims."""
        raise NotImplementedError

    def run_once(self) -> list[Event]:
        """Claim up to ``batch`` pending events, publish them, mark each one published.

        Returns the events published and marked in this run, in order.
        """
        raise NotImplementedError


class Consumer:
    """Applies events to ``customer_totals`` exactly once, deduplicated by ``inbox``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        """``conn`` is the consumer's own database, in autocommit mode."""
        raise NotImplementedError

    def handle(self, event: Event) -> bool:
        """Apply ``event`` and record its id in ``inbox``, in one transaction.

        Returns False, changing nothing, when the id is already in the inbox.
        """
        raise NotImplementedError
