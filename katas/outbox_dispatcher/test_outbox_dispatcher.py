"""Tests for the transactional outbox kata.

The pattern is Chris Richardson's "Transactional outbox", "Polling publisher"
and "Idempotent consumer" (microservices.io); transactions are SQLite's
(https://www.sqlite.org/lang_transaction.html). Every check reads the
database back with its own ``sqlite3`` connection. Crashes are injected,
never waited for: a trigger that aborts one statement, an authorizer that
refuses ``COMMIT``, a publisher that raises before or after it delivered, a
``BaseException`` for a process that dies mid-publish or a ``KeyboardInterrupt``
between two statements of a transaction; leases expire on an injected clock.
The races between two dispatchers' claims and between two consumers of one
event are forced with ``check_interleavings``; a dispatcher running during
another's publish is a hook inside the publisher.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import outbox_dispatcher
from grader.kata_support import Outcome, check_interleavings
from outbox_dispatcher import Consumer, Dispatcher, Event, OrderService

SERVICE_SCHEMA = """
CREATE TABLE orders (
    id       TEXT PRIMARY KEY,
    customer TEXT NOT NULL,
    total    INTEGER NOT NULL,
    status   TEXT NOT NULL
);
CREATE TABLE outbox (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      TEXT NOT NULL UNIQUE,
    aggregate_id  TEXT NOT NULL,
    type          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    claimed_by    TEXT,
    claimed_until REAL,
    dispatched_at REAL
);
"""
CONSUMER_SCHEMA = """
CREATE TABLE inbox (event_id TEXT PRIMARY KEY);
CREATE TABLE customer_totals (
    customer TEXT PRIMARY KEY,
    orders   INTEGER NOT NULL,
    total    INTEGER NOT NULL
);
"""
LEASE = 30.0


class Crash(BaseException):
    """The process dies here: not an Exception, so nothing should catch it."""


class Clock:
    """An injected clock: ``clock()`` is now, ``advance`` moves it."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def connect(path: Path) -> sqlite3.Connection:
    """A connection as the spec hands them out: autocommit, waiting up to 5 s for locks.

    ``synchronous = OFF``: test databases need not survive a power cut, and
    commits without fsync keep the tests fast.
    """
    conn = sqlite3.connect(path, isolation_level=None, timeout=5, check_same_thread=False)
    conn.execute("PRAGMA synchronous = OFF")
    return conn


def make_db(path: Path, schema: str) -> Path:
    conn = connect(path)
    conn.executescript(schema)
    conn.close()
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "service.db", SERVICE_SCHEMA)


@pytest.fixture
def consumer_db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "consumer.db", CONSUMER_SCHEMA)


@pytest.fixture
def conn(db: Path) -> Iterator[sqlite3.Connection]:
    c = connect(db)
    yield c
    c.close()


def rows(path: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Read the database back with a connection of the test's own."""
    c = sqlite3.connect(path)
    try:
        return c.execute(sql, params).fetchall()
    finally:
        c.close()


def outbox(path: Path) -> list[tuple[Any, ...]]:
    """(seq, aggregate_id, type, attempts, claimed_by, claimed_until, dispatched_at)."""
    return rows(
        path,
        "SELECT seq, aggregate_id, type, attempts, claimed_by, claimed_until, dispatched_at"
        " FROM outbox ORDER BY seq",
    )


def pending(path: Path) -> list[int]:
    return [r[0] for r in rows(path, "SELECT seq FROM outbox WHERE dispatched_at IS NULL")]


def stored_payload(text: Any) -> Any:
    """``outbox.payload`` read back as the spec stores it: JSON text."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        raise AssertionError(
            f"outbox.payload must be JSON text (json.dumps of the payload), not {text!r}"
        ) from None


def settled(outcome: Outcome, who: str) -> Any:
    """What a racing call returned; the SQLite errors a race provokes, explained."""
    try:
        return outcome.get()
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        raise AssertionError(
            f"{who} failed with {exc!r}: most likely a transaction that reads and then writes "
            "began with a plain BEGIN. A deferred transaction takes a read lock at its first "
            "read, and SQLite cannot upgrade it while the other connection holds the write "
            "lock; begin such a transaction with BEGIN IMMEDIATE (README § API)"
        ) from exc
    except sqlite3.IntegrityError as exc:
        raise AssertionError(
            f"{who} failed with {exc!r}: the inbox was checked outside the transaction that "
            "inserts into it, so another consumer recorded the event in between; decide "
            "'duplicate or not' inside the transaction (README § Consuming)"
        ) from exc


class Interrupted(sqlite3.Connection):
    """A connection on which ``Crash`` arrives in the middle of a transaction.

    Open it with ``sqlite3.connect(path, factory=Interrupted)``. The second
    statement run inside a transaction raises ``Crash`` (a ``BaseException``,
    as ``KeyboardInterrupt`` is) instead of running: the transaction's first
    statement has run, its second never will.
    """

    inside = 0  # statements run (or refused) inside a transaction

    def cursor(self, factory: Any = None) -> sqlite3.Cursor:
        return super().cursor(factory or InterruptedCursor)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq: Any, /) -> sqlite3.Cursor:
        return self.cursor().executemany(sql, seq)

    def statement(self) -> None:
        if self.in_transaction:
            self.inside += 1
            if self.inside == 2:
                raise Crash("KeyboardInterrupt inside the transaction")


class InterruptedCursor(sqlite3.Cursor):
    """The cursor of an :class:`Interrupted` connection."""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        self.connection.statement()
        return super().execute(sql, parameters)

    def executemany(self, sql: str, seq: Any, /) -> sqlite3.Cursor:
        self.connection.statement()
        return super().executemany(sql, seq)


def interrupted(path: Path) -> Interrupted:
    conn = sqlite3.connect(path, isolation_level=None, timeout=5, factory=Interrupted)
    conn.execute("PRAGMA synchronous = OFF")
    return conn


def trigger(path: Path, name: str, table: str, when: str = "INSERT") -> None:
    """A trigger that aborts every ``when`` on ``table``: the statement fails."""
    c = connect(path)
    c.execute(
        f"CREATE TRIGGER {name} BEFORE {when} ON {table} BEGIN SELECT RAISE(ABORT, 'crash'); END"
    )
    c.close()


def drop(path: Path, name: str) -> None:
    c = connect(path)
    c.execute(f"DROP TRIGGER {name}")
    c.close()


class Broker:
    """A publish function that records deliveries and fails as told.

    ``fail[n]`` for the n-th call (0-based) is one of: ``"error"`` (raise before
    delivering), ``"lost-ack"`` (deliver, then raise), ``"crash"`` (die before
    delivering), ``"crash-after"`` (deliver, then die). ``during`` runs before
    the n-th call delivers.
    """

    def __init__(self, fail: dict[int, str] | None = None) -> None:
        self.fail = fail or {}
        self.during: dict[int, Callable[[], object]] = {}
        self.delivered: list[Event] = []
        self.calls = 0

    def __call__(self, event: Event) -> None:
        n, self.calls = self.calls, self.calls + 1
        assert isinstance(event, Event), "publish is called with an Event"
        if n in self.during:
            self.during[n]()
        mode = self.fail.get(n)
        if mode == "error":
            raise ConnectionError("broker unavailable")
        if mode == "crash":
            raise Crash
        self.delivered.append(event)
        if mode == "lost-ack":
            raise TimeoutError("no acknowledgement")
        if mode == "crash-after":
            raise Crash

    def order(self) -> list[tuple[str, str]]:
        return [(e.aggregate_id, e.type) for e in self.delivered]


def place(conn: sqlite3.Connection, *orders: str) -> list[Event]:
    """Place the orders (ids; "x!" places x then cancels it); the events, in order."""
    service = OrderService(conn)
    events = []
    for i, order in enumerate(orders):
        oid = order.rstrip("!")
        events.append(service.place_order(oid, f"cust-{i % 2}", 10 * (i + 1)))
        if order.endswith("!"):
            events.append(service.cancel_order(oid))
    return events


# --- Business writes ---------------------------------------------------------


@pytest.mark.spec("Business writes")
def test_place_order_writes_the_order_and_its_event(db: Path, conn: sqlite3.Connection) -> None:
    event = OrderService(conn).place_order("o-1", "ada", 120)
    assert rows(db, "SELECT id, customer, total, status FROM orders") == [
        ("o-1", "ada", 120, "placed")
    ]
    got = rows(
        db,
        "SELECT seq, event_id, aggregate_id, type, payload, attempts, claimed_by, claimed_until,"
        " dispatched_at FROM outbox",
    )
    assert len(got) == 1, "one outbox row per business write"
    seq, event_id, aggregate, type_, payload, attempts, *rest = got[0]
    assert (aggregate, type_, attempts, rest) == ("o-1", "OrderPlaced", 0, [None, None, None])
    assert stored_payload(payload) == {"order_id": "o-1", "customer": "ada", "total": 120}
    assert event == Event(event_id, "o-1", "OrderPlaced", stored_payload(payload), seq), (
        "the returned Event is the outbox row: its event_id, payload and seq"
    )
    assert not conn.in_transaction, "the transaction is committed"


@pytest.mark.spec("Business writes")
def test_cancel_order_updates_and_adds_an_event(db: Path, conn: sqlite3.Connection) -> None:
    service = OrderService(conn)
    placed = service.place_order("o-1", "ada", 120)
    cancelled = service.cancel_order("o-1")
    assert rows(db, "SELECT status FROM orders") == [("cancelled",)]
    assert (cancelled.type, cancelled.aggregate_id) == ("OrderCancelled", "o-1")
    assert cancelled.payload == {"order_id": "o-1", "customer": "ada", "total": 120}
    assert cancelled.seq > placed.seq
    assert rows(db, "SELECT seq, event_id, type FROM outbox ORDER BY seq") == [
        (placed.seq, placed.event_id, "OrderPlaced"),
        (cancelled.seq, cancelled.event_id, "OrderCancelled"),
    ]
    assert len({placed.event_id, cancelled.event_id}) == 2, "event ids are unique"


@pytest.mark.spec("Business writes")
@pytest.mark.weight(2)
@pytest.mark.parametrize("table", ["outbox", "orders"], ids=["event-fails", "order-fails"])
def test_a_failed_statement_leaves_neither_row(
    db: Path, conn: sqlite3.Connection, table: str
) -> None:
    trigger(db, "boom", table)
    called: list[Event] = []
    with pytest.raises(sqlite3.Error):
        OrderService(conn, after_commit=called.append).place_order("o-1", "ada", 120)
    assert rows(db, "SELECT * FROM orders") == [], "the order was committed without its event"
    assert rows(db, "SELECT * FROM outbox") == [], "the event was committed without its order"
    assert not conn.in_transaction, "roll the failed transaction back"
    assert called == [], "after_commit ran for a write that rolled back"
    drop(db, "boom")
    OrderService(conn).place_order("o-1", "ada", 120)  # the connection is usable again
    assert len(rows(db, "SELECT * FROM outbox")) == 1


@pytest.mark.spec("Business writes")
@pytest.mark.weight(2)
def test_a_failed_cancel_leaves_the_order_placed(db: Path, conn: sqlite3.Connection) -> None:
    OrderService(conn).place_order("o-1", "ada", 120)
    trigger(db, "boom", "outbox")
    with pytest.raises(sqlite3.Error):
        OrderService(conn).cancel_order("o-1")
    assert rows(db, "SELECT status FROM orders") == [("placed",)]
    assert [r[2] for r in outbox(db)] == ["OrderPlaced"]
    assert not conn.in_transaction


@pytest.mark.spec("Business writes")
@pytest.mark.weight(2)
def test_an_interrupted_write_is_rolled_back(db: Path) -> None:
    conn = interrupted(db)
    called: list[Event] = []
    with pytest.raises(Crash):
        OrderService(conn, after_commit=called.append).place_order("o-1", "ada", 120)
    assert not conn.in_transaction, (
        "a KeyboardInterrupt between the two statements left the transaction open: roll back "
        "on any BaseException, not only on Exception"
    )
    assert rows(db, "SELECT * FROM orders") == [] and rows(db, "SELECT * FROM outbox") == []
    assert called == []
    OrderService(conn).place_order("o-1", "ada", 120)  # the connection is usable again
    assert rows(db, "SELECT id FROM orders") == [("o-1",)]
    conn.close()


def refuse_commit_once(conn: sqlite3.Connection) -> list[str]:
    """Make the next COMMIT on ``conn`` fail (SQLite's authorizer); returns the log."""
    log: list[str] = []

    def authorizer(action: int, arg1: Any, *rest: Any) -> int:
        if action == sqlite3.SQLITE_TRANSACTION:
            log.append(arg1)
            if arg1 == "COMMIT" and log.count("COMMIT") == 1:
                return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    conn.set_authorizer(authorizer)
    return log


@pytest.mark.spec("Business writes")
@pytest.mark.weight(2)
def test_a_failed_commit_leaves_neither_row_nor_a_published_event(
    db: Path, conn: sqlite3.Connection
) -> None:
    log = refuse_commit_once(conn)
    called: list[Event] = []
    with pytest.raises(sqlite3.DatabaseError):
        OrderService(conn, after_commit=called.append).place_order("o-1", "ada", 120)
    conn.set_authorizer(None)
    assert "COMMIT" in log, "end the transaction with COMMIT"
    assert called == [], "after_commit ran before COMMIT: an event for a write that never was"
    assert not conn.in_transaction, "after a failed COMMIT, ROLLBACK"
    assert rows(db, "SELECT * FROM orders") == []
    assert rows(db, "SELECT * FROM outbox") == []


@pytest.mark.spec("Business writes")
def test_after_commit_sees_the_committed_write(db: Path, conn: sqlite3.Connection) -> None:
    seen: list[Any] = []

    def after_commit(event: Event) -> None:
        seen.append((event.type, rows(db, "SELECT id FROM orders"), pending(db)))

    service = OrderService(conn, after_commit=after_commit)
    event = service.place_order("o-1", "ada", 120)
    assert seen == [("OrderPlaced", [("o-1",)], [event.seq])], (
        "after_commit runs once the write is committed: another connection sees it"
    )
    service.cancel_order("o-1")
    assert [s[0] for s in seen] == ["OrderPlaced", "OrderCancelled"]


@pytest.mark.spec("Business writes")
def test_after_commit_error_keeps_the_write(db: Path, conn: sqlite3.Connection) -> None:
    def fail(event: Event) -> None:
        raise RuntimeError("wake-up failed")

    with pytest.raises(RuntimeError):
        OrderService(conn, after_commit=fail).place_order("o-1", "ada", 120)
    assert rows(db, "SELECT id FROM orders") == [("o-1",)]
    assert len(pending(db)) == 1, "the event stays in the outbox for the dispatcher"
    assert not conn.in_transaction


@pytest.mark.spec("Business writes")
def test_business_errors_write_nothing(db: Path, conn: sqlite3.Connection) -> None:
    service = OrderService(conn)
    service.place_order("o-1", "ada", 120)
    with pytest.raises(sqlite3.IntegrityError):
        service.place_order("o-1", "bob", 5)
    assert not conn.in_transaction
    with pytest.raises(KeyError):
        service.cancel_order("nope")
    assert not conn.in_transaction
    service.cancel_order("o-1")
    with pytest.raises(ValueError):
        service.cancel_order("o-1")
    assert not conn.in_transaction
    assert rows(db, "SELECT id, customer, status FROM orders") == [("o-1", "ada", "cancelled")]
    assert [r[2] for r in outbox(db)] == ["OrderPlaced", "OrderCancelled"]


# --- Dispatching ---------------------------------------------------------------


@pytest.mark.spec("Dispatching")
def test_publishes_pending_events_in_order_and_marks_them(
    db: Path, conn: sqlite3.Connection
) -> None:
    events = place(conn, "a", "b!", "c")
    broker, clock = Broker(), Clock()
    dispatcher = Dispatcher(connect(db), broker, name="d1", clock=clock)
    published = dispatcher.run_once()
    assert published == events, "run_once returns the events it published, in seq order"
    assert broker.delivered == events, "published in seq order, as Events with their payloads"
    assert [(r[4], r[5], r[6]) for r in outbox(db)] == [(None, None, clock.now)] * 4, (
        "a published event is marked dispatched_at = clock(), its claim cleared"
    )
    assert dispatcher.run_once() == [] and broker.calls == 4, "marked events are not sent again"


@pytest.mark.spec("Dispatching")
@pytest.mark.weight(2)
def test_marks_only_after_publish_and_holds_no_lock_while_publishing(
    db: Path, conn: sqlite3.Connection
) -> None:
    place(conn, "a", "b")
    broker, clock = Broker(), Clock()
    seen: list[Any] = []

    def look() -> None:
        seen.append(rows(db, "SELECT dispatched_at FROM outbox ORDER BY seq"))
        other = sqlite3.connect(db, isolation_level=None, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails at once if the dispatcher holds the lock
            other.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            seen.append(f"write lock held while publishing: {exc}")
        finally:
            other.close()

    broker.during = {0: look, 1: look}
    Dispatcher(connect(db), broker, name="d1", clock=clock).run_once()
    assert seen == [[(None,), (None,)], [(clock.now,), (None,)]], (
        "each event is marked after its publish returned, and no transaction is open meanwhile"
    )


@pytest.mark.spec("API")
def test_event_is_frozen_and_options_are_keyword_only(db: Path, conn: sqlite3.Connection) -> None:
    event = OrderService(conn).place_order("o-1", "ada", 120)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.seq = 99  # type: ignore[misc]
    with pytest.raises(TypeError):
        Dispatcher(connect(db), Broker(), "d1")  # type: ignore[misc]


@pytest.mark.spec("Dispatching")
def test_default_batch_is_100(db: Path, conn: sqlite3.Connection) -> None:
    service = OrderService(conn)
    conn.execute("PRAGMA synchronous = OFF")
    events = [service.place_order(f"o-{i}", "ada", i) for i in range(101)]
    dispatcher = Dispatcher(connect(db), Broker(), name="d1", clock=Clock())
    assert dispatcher.run_once() == events[:100], "batch defaults to 100 events per run"
    assert dispatcher.run_once() == events[100:]


@pytest.mark.spec("Dispatching")
def test_batch_limits_one_run(db: Path, conn: sqlite3.Connection) -> None:
    events = place(conn, "a", "b", "c", "d", "e")
    broker = Broker()
    dispatcher = Dispatcher(connect(db), broker, name="d1", batch=2, clock=Clock())
    runs = [dispatcher.run_once() for _ in range(4)]
    assert runs == [events[:2], events[2:4], events[4:], []]


@pytest.mark.spec("Dispatching")
def test_batch_counts_only_aggregates_no_one_else_holds(db: Path, conn: sqlite3.Connection) -> None:
    events = place(conn, "a!", "b", "c", "d")  # a1 a2 b1 c1 d1
    clock = Clock()
    c = connect(db)
    c.execute(
        "UPDATE outbox SET claimed_by = 'dx', claimed_until = ? WHERE seq = ?",
        (clock.now + 5, events[0].seq),
    )
    c.close()
    dispatcher = Dispatcher(connect(db), Broker(), name="d1", batch=2, clock=clock)
    assert dispatcher.run_once() == events[2:4], (
        "the batch is the first 2 pending events of the aggregates no other dispatcher holds "
        "(b1, c1): skip the held aggregate a first, then take the limit"
    )


@pytest.mark.spec("Dispatching")
@pytest.mark.weight(2)
def test_a_failed_publish_releases_only_its_aggregate(db: Path, conn: sqlite3.Connection) -> None:
    events = place(conn, "a!", "b!")  # a1 a2 b1 b2
    clock = Clock()
    taken: list[Event] = []
    second = Dispatcher(connect(db), taken.append, name="d2", clock=clock)
    broker = Broker(fail={0: "error"})  # a1 fails
    broker.during = {1: second.run_once}  # d2 runs while d1 publishes b1
    first = Dispatcher(connect(db), broker, name="d1", clock=clock)
    assert first.run_once() == events[2:], "b carries on after a failed: b1, b2"
    assert [e for e in taken if e.aggregate_id == "b"] == [], (
        "d1 still holds b while it publishes b1 and b2, so d2 must get nothing of b: a failed "
        "publish releases the claims of its own aggregate only, never the rest of the batch"
    )
    assert broker.delivered == events[2:]


@pytest.mark.spec("Dispatching")
def test_claims_are_written_with_the_lease(db: Path, conn: sqlite3.Connection) -> None:
    place(conn, "a", "b")
    clock = Clock()
    claims: list[Any] = []
    broker = Broker()
    broker.during = {0: lambda: claims.append([(r[4], r[5]) for r in outbox(db)])}
    Dispatcher(connect(db), broker, name="d1", lease=7.5, clock=clock).run_once()
    assert claims == [[("d1", clock.now + 7.5)] * 2], (
        "claimed rows carry claimed_by = name and claimed_until = clock() + lease"
    )


@pytest.mark.spec("Dispatching")
@pytest.mark.weight(2)
def test_a_failed_publish_keeps_the_aggregate_in_order(db: Path, conn: sqlite3.Connection) -> None:
    events = place(conn, "a!", "b", "c!")  # seq: a1 a2 b1 c1 c2
    broker = Broker(fail={0: "error", 2: "error"})  # a's first event, then c's first
    dispatcher = Dispatcher(connect(db), broker, name="d1", clock=Clock())
    first = dispatcher.run_once()
    assert [(e.aggregate_id, e.type) for e in first] == [("b", "OrderPlaced")], (
        "after a's first event failed, a's second must wait; b goes on"
    )
    assert broker.calls == 3, "publish a1 (fails), b1, c1 (fails): never a2 or c2 in this run"
    table = outbox(db)
    assert [r[3] for r in table] == [1, 0, 0, 1, 0], "attempts counts each failed publish"
    assert [(r[4], r[5]) for r in table if r[6] is None] == [(None, None)] * 4, (
        "a failed aggregate's claims are cleared, so a later run can take them at once"
    )
    second = dispatcher.run_once()
    assert second == [events[0], events[1], events[3], events[4]], "then in order: a1 a2 c1 c2"


@pytest.mark.spec("Dispatching")
@pytest.mark.weight(2)
@pytest.mark.parametrize(
    "mode", ["crash", "crash-after"], ids=["before-delivery", "after-delivery"]
)
def test_a_crash_mid_publish_is_recovered_after_the_lease(
    db: Path, conn: sqlite3.Connection, mode: str
) -> None:
    events = place(conn, "a!", "b")  # a1 a2 b1
    clock = Clock()
    broker = Broker(fail={1: mode})  # dies while publishing a2
    with pytest.raises(Crash):
        Dispatcher(connect(db), broker, name="d1", clock=clock).run_once()
    assert pending(db) == [events[1].seq, events[2].seq], (
        "only what was published before the crash is marked"
    )
    assert [r[4] for r in outbox(db)][1:] == ["d1", "d1"], "the crashed dispatcher's claims stay"
    survivor = Dispatcher(connect(db), broker, name="d2", clock=clock)
    clock.advance(LEASE - 1)
    assert survivor.run_once() == [], "claims of another dispatcher hold until the lease ends"
    clock.advance(1)
    assert survivor.run_once() == events[1:], "an expired claim is free: a2 and b1 go out"
    want = [events[0], events[1], events[1], events[2]] if mode == "crash-after" else events
    assert broker.delivered == want


@pytest.mark.spec("Dispatching")
def test_own_claims_and_expired_claims_are_free(db: Path, conn: sqlite3.Connection) -> None:
    events = place(conn, "a", "b", "c")
    clock = Clock()
    c = connect(db)
    c.execute(
        "UPDATE outbox SET claimed_by = 'd1', claimed_until = ? WHERE seq = ?",
        (clock.now + 5, events[0].seq),
    )
    c.execute(
        "UPDATE outbox SET claimed_by = 'dx', claimed_until = ? WHERE seq = ?",
        (clock.now, events[1].seq),
    )
    c.execute(
        "UPDATE outbox SET claimed_by = 'dx', claimed_until = ? WHERE seq = ?",
        (clock.now + 0.5, events[2].seq),
    )
    c.close()
    published = Dispatcher(connect(db), Broker(), name="d1", clock=clock).run_once()
    assert published == events[:2], (
        "its own claim and a claim expiring now (claimed_until = clock()) are free; "
        "another dispatcher's unexpired claim is not"
    )


# --- Delivery ------------------------------------------------------------------


@pytest.mark.spec("Delivery")
@pytest.mark.weight(2)
def test_a_lost_acknowledgement_means_a_duplicate(
    db: Path, conn: sqlite3.Connection, consumer_db: Path
) -> None:
    events = place(conn, "a", "b")
    broker = Broker(fail={0: "lost-ack"})
    dispatcher = Dispatcher(connect(db), broker, name="d1", clock=Clock())
    assert dispatcher.run_once() == [events[1]]
    assert dispatcher.run_once() == [events[0]], "the unacknowledged event is sent again"
    assert broker.delivered == [events[0], events[1], events[0]]
    consumer = Consumer(connect(consumer_db))
    assert [consumer.handle(e) for e in broker.delivered] == [True, True, False]
    assert rows(consumer_db, "SELECT * FROM customer_totals ORDER BY customer") == [
        ("cust-0", 1, 10),
        ("cust-1", 1, 20),
    ]


@pytest.mark.spec("Delivery")
@pytest.mark.weight(3)
def test_second_dispatcher_during_a_publish(db: Path, conn: sqlite3.Connection) -> None:
    events = place(conn, "a!", "b", "c")  # a1 a2 b1 c1
    log: list[tuple[str, int]] = []
    clock = Clock()
    second = Dispatcher(connect(db), lambda e: log.append(("d2", e.seq)), name="d2", clock=clock)
    broker = Broker()
    broker.during = {0: second.run_once}  # d2 runs while d1 publishes a1

    def publish(event: Event) -> None:
        broker(event)
        log.append(("d1", event.seq))

    first = Dispatcher(connect(db), publish, name="d1", batch=1, clock=clock)
    assert first.run_once() == [events[0]]
    seq = [e.seq for e in events]
    assert log == [("d2", seq[2]), ("d2", seq[3]), ("d1", seq[0])], (
        "while d1 holds a1, d2 publishes b1 and c1 but nothing of a: not a1 (claimed), "
        "and not a2, which must wait for a1"
    )
    assert pending(db) == [seq[1]]
    assert first.run_once() == [events[1]]


@pytest.mark.spec("Delivery")
def test_a_run_that_outlasts_its_lease_loses_its_claims(db: Path, conn: sqlite3.Connection) -> None:
    events = place(conn, "a", "b")  # a1 b1
    clock = Clock()
    taken: list[Event] = []
    second = Dispatcher(connect(db), taken.append, name="d2", clock=clock)

    def slow_broker() -> None:  # d1's publish of a1 takes longer than its lease
        clock.advance(LEASE)
        second.run_once()

    broker = Broker()
    broker.during = {0: slow_broker}
    Dispatcher(connect(db), broker, name="d1", clock=clock).run_once()
    assert taken == events, (
        "once d1's lease ran out, its claims are free even though d1 is still running: "
        "d2 takes a1 and b1 over"
    )
    assert pending(db) == [], "every event is marked, whoever published it"
    assert broker.delivered[0] == events[0], "d1 published a1 (too late, but it did)"


def seams_state(tmp_path: Path) -> Callable[[], dict[str, Any]]:
    counter = itertools.count()

    def setup() -> dict[str, Any]:
        path = make_db(tmp_path / f"race{next(counter)}.db", SERVICE_SCHEMA)
        place(connect(path), "a!", "b")
        log: list[tuple[str, int]] = []
        clock = Clock()
        return {
            "path": path,
            "log": log,
            "d1": Dispatcher(
                connect(path), lambda e: log.append(("d1", e.seq)), name="d1", clock=clock
            ),
            "d2": Dispatcher(
                connect(path), lambda e: log.append(("d2", e.seq)), name="d2", clock=clock
            ),
        }

    return setup


@pytest.mark.spec("Delivery")
@pytest.mark.weight(3)
def test_racing_claims_never_publish_an_event_twice(tmp_path: Path) -> None:
    def check(state: dict[str, Any], a: Outcome, b: Outcome) -> None:
        settled(a, "the first dispatcher"), settled(b, "the second dispatcher")
        seqs = [seq for _, seq in state["log"]]
        assert sorted(seqs) == [1, 2, 3], f"each event published once, not {state['log']}"
        assert seqs.index(1) < seqs.index(2), "a1 before a2"
        assert pending(state["path"]) == []

    check_interleavings(
        outbox_dispatcher,
        seams_state(tmp_path),
        lambda s: s["d1"].run_once(),
        lambda s: s["d2"].run_once(),
        check,
        wait=0.1,
    )


# --- Consuming -----------------------------------------------------------------


@pytest.mark.spec("Consuming")
def test_consumer_applies_each_event_once(
    db: Path, conn: sqlite3.Connection, consumer_db: Path
) -> None:
    service = OrderService(conn)
    placed = [service.place_order("o-1", "ada", 120), service.place_order("o-2", "ada", 30)]
    cancelled = service.cancel_order("o-1")
    consumer_conn = connect(consumer_db)
    consumer = Consumer(consumer_conn)
    assert [consumer.handle(e) for e in [*placed, placed[0], cancelled, cancelled]] == [
        True,
        True,
        False,
        True,
        False,
    ]
    assert rows(consumer_db, "SELECT * FROM customer_totals") == [("ada", 1, 30)]
    assert sorted(rows(consumer_db, "SELECT event_id FROM inbox")) == sorted(
        [(placed[0].event_id,), (placed[1].event_id,), (cancelled.event_id,)]
    )
    assert not consumer_conn.in_transaction


@pytest.mark.spec("Consuming")
@pytest.mark.weight(2)
@pytest.mark.parametrize(
    "table,when",
    [("customer_totals", "INSERT"), ("customer_totals", "UPDATE"), ("inbox", "INSERT")],
    ids=["effect-insert-fails", "effect-update-fails", "inbox-fails"],
)
def test_a_failed_effect_leaves_no_inbox_row(
    conn: sqlite3.Connection, consumer_db: Path, table: str, when: str
) -> None:
    first, second = place(conn, "a", "a2")
    second = Event(**{**second.__dict__, "payload": {**second.payload, "customer": "cust-0"}})
    consumer_conn = connect(consumer_db)
    consumer = Consumer(consumer_conn)
    if when == "UPDATE":
        consumer.handle(first)
    trigger(consumer_db, "boom", table, when)
    event = second if when == "UPDATE" else first
    with pytest.raises(sqlite3.Error):
        consumer.handle(event)
    assert not consumer_conn.in_transaction, "roll the failed transaction back"
    want_inbox = [(first.event_id,)] if when == "UPDATE" else []
    assert rows(consumer_db, "SELECT event_id FROM inbox") == want_inbox, (
        "the inbox row must go with the failed effect, or the redelivery is dropped"
    )
    drop(consumer_db, "boom")
    assert consumer.handle(event) is True, "a redelivery after the failure is applied"
    assert consumer.handle(event) is False
    want = [("cust-0", 2, 30)] if when == "UPDATE" else [("cust-0", 1, 10)]
    assert rows(consumer_db, "SELECT * FROM customer_totals") == want


@pytest.mark.spec("Consuming")
def test_a_fully_cancelled_customer_keeps_a_zero_row(
    conn: sqlite3.Connection, consumer_db: Path
) -> None:
    service = OrderService(conn)
    events = [service.place_order("o-1", "ada", 120), service.cancel_order("o-1")]
    consumer = Consumer(connect(consumer_db))
    assert [consumer.handle(e) for e in events] == [True, True]
    assert rows(consumer_db, "SELECT * FROM customer_totals") == [("ada", 0, 0)], (
        "a customer whose orders are all cancelled keeps the row, at (customer, 0, 0)"
    )


@pytest.mark.spec("Consuming")
@pytest.mark.weight(2)
def test_an_interrupted_consumer_is_rolled_back(
    conn: sqlite3.Connection, consumer_db: Path
) -> None:
    (event,) = place(conn, "a")
    consumer_conn = interrupted(consumer_db)
    with pytest.raises(Crash):
        Consumer(consumer_conn).handle(event)
    assert not consumer_conn.in_transaction, (
        "a KeyboardInterrupt inside the transaction left it open: roll back on any "
        "BaseException, not only on Exception"
    )
    assert rows(consumer_db, "SELECT * FROM inbox") == []
    assert rows(consumer_db, "SELECT * FROM customer_totals") == []
    assert Consumer(consumer_conn).handle(event) is True, "the redelivery is applied"
    consumer_conn.close()


@pytest.mark.spec("Consuming")
@pytest.mark.weight(3)
def test_two_consumers_racing_on_one_event(conn: sqlite3.Connection, tmp_path: Path) -> None:
    (event,) = place(conn, "a")
    counter = itertools.count()

    def setup() -> dict[str, Any]:
        path = make_db(tmp_path / f"consumer{next(counter)}.db", CONSUMER_SCHEMA)
        return {"path": path, "c1": Consumer(connect(path)), "c2": Consumer(connect(path))}

    def check(state: dict[str, Any], a: Outcome, b: Outcome) -> None:
        got = sorted([settled(a, "the first consumer"), settled(b, "the second consumer")])
        assert got == [False, True], (
            "one consumer applies the event, the other finds it a duplicate"
        )
        assert rows(state["path"], "SELECT * FROM customer_totals") == [("cust-0", 1, 10)]

    check_interleavings(
        outbox_dispatcher,
        setup,
        lambda s: s["c1"].handle(event),
        lambda s: s["c2"].handle(event),
        check,
        wait=0.1,
    )


@pytest.mark.spec("Consuming")
def test_unknown_event_type(consumer_db: Path) -> None:
    consumer_conn = connect(consumer_db)
    event = Event(
        "e-1", "o-1", "OrderShipped", {"order_id": "o-1", "customer": "ada", "total": 1}, 1
    )
    with pytest.raises(ValueError):
        Consumer(consumer_conn).handle(event)
    assert rows(consumer_db, "SELECT * FROM inbox") == []
    assert rows(consumer_db, "SELECT * FROM customer_totals") == []
    assert not consumer_conn.in_transaction


# --- End to end and examples -----------------------------------------------------


@pytest.mark.spec("Delivery")
@pytest.mark.weight(3)
@pytest.mark.parametrize("seed", range(3), ids=[f"seed{s}" for s in range(3)])
def test_flaky_broker_end_to_end(db: Path, consumer_db: Path, seed: int) -> None:
    rng = random.Random(seed)
    conn = connect(db)
    service = OrderService(conn)
    for _ in range(40):
        oid = f"o-{rng.randrange(12)}"
        status = rows(db, "SELECT status FROM orders WHERE id = ?", oid)
        if not status:
            service.place_order(oid, f"cust-{rng.randrange(3)}", rng.randrange(1, 100))
        elif status == [("placed",)] and rng.random() < 0.5:
            service.cancel_order(oid)
    modes = ["error", "lost-ack", "crash", "crash-after"]
    broker = Broker({n: rng.choice(modes) for n in range(200) if rng.random() < 0.3})
    clock = Clock()
    for round_ in range(200):
        if not pending(db):
            break
        dispatcher = Dispatcher(connect(db), broker, name=f"d{round_ % 2}", batch=5, clock=clock)
        try:
            dispatcher.run_once()
        except Crash:
            clock.advance(LEASE)
    assert pending(db) == [], "every committed event is published in the end"
    first_seen: dict[str, list[int]] = {}
    for event in broker.delivered:
        seen = first_seen.setdefault(event.aggregate_id, [])
        if event.seq not in seen:
            assert not seen or seen[-1] < event.seq, "an aggregate's events go out in seq order"
            seen.append(event.seq)
    consumer = Consumer(connect(consumer_db))
    for event in broker.delivered:
        consumer.handle(event)
    truth = rows(
        db,
        "SELECT customer, count(*), sum(total) FROM orders WHERE status = 'placed'"
        " GROUP BY customer ORDER BY customer",
    )
    got = rows(consumer_db, "SELECT * FROM customer_totals WHERE orders > 0 ORDER BY customer")
    assert got == truth, "the consumer's totals match the orders, duplicates and all"


@pytest.mark.spec("Examples")
def test_readme_example(conn: sqlite3.Connection, consumer_db: Path) -> None:
    placed = OrderService(conn).place_order("o-1", "ada", 120)
    assert (placed.type, placed.aggregate_id, placed.payload) == (
        "OrderPlaced",
        "o-1",
        {"order_id": "o-1", "customer": "ada", "total": 120},
    )
    broker: list[Event] = []
    dispatcher = Dispatcher(conn, broker.append, name="d1")
    assert ([e.type for e in dispatcher.run_once()], dispatcher.run_once()) == (["OrderPlaced"], [])
    consumer_conn = connect(consumer_db)
    consumer = Consumer(consumer_conn)
    assert (consumer.handle(broker[0]), consumer.handle(broker[0])) == (True, False)
    assert consumer_conn.execute("SELECT * FROM customer_totals").fetchall() == [("ada", 1, 120)]
