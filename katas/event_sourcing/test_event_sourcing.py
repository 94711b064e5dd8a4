"""Tests for the event-sourcing kata.

Event sourcing as Martin Fowler ("Event Sourcing", 2005) and Greg Young ("CQRS
Documents", 2010, "Building an Event Storage") describe it: state is the
replay of a stream of events, an append names the version it expects (the
optimistic concurrency of EventStoreDB's expected revision), snapshots only
shorten the replay, and read models are projections caught up from a
checkpoint. The store is real SQLite (the standard library's sqlite3) on a
database file, and the tests read what it holds through a second, separate
store on its own connection.

The races and crashes are forced, not hoped for: the concurrent append runs
``check_interleavings`` (one append paused before each of its lines in turn,
another store's append run meanwhile); the projection's crash is an exception
raised before the k-th line ``catch_up`` executes, for every k, after which
the projection is reopened on a new connection, as a restarted process would.
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
import sys
import threading
import types
from pathlib import Path
from typing import Any

import pytest

import event_sourcing
from event_sourcing import (
    CLOSED,
    DEPOSITED,
    OPENED,
    WITHDRAWN,
    Account,
    AccountRepository,
    BalanceProjection,
    ConcurrencyError,
    Event,
    EventStore,
    InvariantError,
    RecordedEvent,
)
from grader.kata_support import Outcome, check_interleavings

ACC = "acc-1"


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
    conn.execute("PRAGMA synchronous = OFF")  # commits need not reach the disk here
    return conn


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "events.db"


@pytest.fixture
def store(db: Path) -> EventStore:
    return EventStore(connect(db))


def other_store(db: Path) -> EventStore:
    """Another process's view: a new store on its own connection to the same file."""
    return EventStore(connect(db))


def opened(owner: str = "ada") -> Event:
    return Event(OPENED, {"owner": owner})


def dep(amount: int) -> Event:
    return Event(DEPOSITED, {"amount": amount})


def wd(amount: int) -> Event:
    return Event(WITHDRAWN, {"amount": amount})


def append_after_a_failure(store: EventStore, events: list[Event], expected: int) -> int:
    """``store.append`` right after one of its appends failed: it must work."""
    try:
        return store.append(ACC, events, expected_version=expected)
    except sqlite3.OperationalError as exc:
        pytest.fail(
            f"the store's next append raised OperationalError: {exc}; a failed append must "
            "ROLLBACK, leaving no transaction open"
        )


def shape(events: list[RecordedEvent]) -> list[tuple[str, int, str, dict[str, Any]]]:
    return [(e.stream, e.version, e.type, e.data) for e in events]


def state(account: Account) -> tuple[Any, ...]:
    return (
        account.id,
        account.version,
        account.owner,
        account.balance,
        account.opened,
        account.closed,
        list(account.changes),
    )


class SpyStore:
    """Delegates to a store and records the calls the repository makes."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.store, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            return target(*args, **kwargs)

        return call

    def named(self, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(a, k) for n, a, k in self.calls if n == name]


# -- Event store --------------------------------------------------------------


@pytest.mark.spec("Event store")
def test_a_new_store_is_empty(store: EventStore) -> None:
    assert store.version(ACC) == 0
    assert store.read_stream(ACC) == [] and store.read_all() == []


@pytest.mark.spec("Event store")
def test_appended_events_come_back_numbered(store: EventStore, db: Path) -> None:
    assert store.append(ACC, [opened(), dep(100)], expected_version=0) == 2
    assert store.append(ACC, [wd(30)], expected_version=2) == 3
    events = other_store(db).read_stream(ACC)
    assert all(isinstance(e, RecordedEvent) for e in events)
    assert shape(events) == [
        (ACC, 1, OPENED, {"owner": "ada"}),
        (ACC, 2, DEPOSITED, {"amount": 100}),
        (ACC, 3, WITHDRAWN, {"amount": 30}),
    ]
    assert store.version(ACC) == 3 and other_store(db).version(ACC) == 3
    assert shape(store.read_stream(ACC, after_version=2)) == [(ACC, 3, WITHDRAWN, {"amount": 30})]
    assert store.read_stream(ACC, after_version=3) == []
    assert store.read_stream("acc-2") == [], "streams are separate"


@pytest.mark.spec("Event store")
def test_event_data_goes_through_json(store: EventStore, db: Path) -> None:
    data = {"owner": 'Zoë "Z" O\'Neil', "tags": ["a", 1, None, 2.5], "nested": {"k": True}}
    store.append(ACC, [Event(OPENED, data)], 0)
    (event,) = other_store(db).read_stream(ACC)
    assert event.data == data


@pytest.mark.spec("Event store")
def test_read_all_is_in_global_order(store: EventStore, db: Path) -> None:
    other = other_store(db)
    store.append("a", [opened("x")], 0)
    other.append("b", [opened("y"), dep(5)], 0)
    store.append("a", [dep(7)], 1)
    events = store.read_all()
    assert [(e.stream, e.version) for e in events] == [("a", 1), ("b", 1), ("b", 2), ("a", 2)]
    positions = [e.position for e in events]
    assert positions == sorted(positions) and len(set(positions)) == 4, (
        "global positions increase across all streams in the order the appends committed"
    )
    after = store.read_all(after_position=positions[1])
    assert [(e.stream, e.version) for e in after] == [("b", 2), ("a", 2)]
    assert store.read_all(after_position=positions[-1]) == []


@pytest.mark.spec("Event store")
def test_events_are_immutable(store: EventStore) -> None:
    store.append(ACC, [opened()], 0)
    (recorded,) = store.read_stream(ACC)
    with pytest.raises(AttributeError):
        recorded.version = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        opened().type = CLOSED  # type: ignore[misc]


@pytest.mark.spec("Event store")
def test_long_streams(store: EventStore) -> None:
    assert store.append(ACC, [opened()] + [dep(1)] * 299, 0) == 300
    assert store.append(ACC, [dep(1)], expected_version=300) == 301
    store.save_snapshot(ACC, 301, {"balance": 300})
    assert store.load_snapshot(ACC) == (301, {"balance": 300})
    assert len(store.read_stream(ACC, after_version=280)) == 21


@pytest.mark.spec("Event store")
def test_a_second_store_keeps_the_existing_events(store: EventStore, db: Path) -> None:
    store.append(ACC, [opened()], 0)
    again = EventStore(connect(db))
    assert again.version(ACC) == 1, "EventStore(conn) creates its tables only if missing"


# -- Optimistic concurrency ---------------------------------------------------


@pytest.mark.spec("Optimistic concurrency")
@pytest.mark.parametrize("expected", [0, 1, 3], ids=["zero", "behind", "ahead"])
def test_a_wrong_expected_version_writes_nothing(store: EventStore, expected: int) -> None:
    store.append(ACC, [opened(), dep(10)], 0)
    with pytest.raises(ConcurrencyError):
        store.append(ACC, [wd(5), dep(1)], expected_version=expected)
    assert store.version(ACC) == 2
    assert shape(store.read_stream(ACC)) == [
        (ACC, 1, OPENED, {"owner": "ada"}),
        (ACC, 2, DEPOSITED, {"amount": 10}),
    ]
    assert append_after_a_failure(store, [wd(5)], 2) == 3, "the store still works"


@pytest.mark.spec("Optimistic concurrency")
def test_expected_version_zero_means_no_stream_yet(store: EventStore) -> None:
    with pytest.raises(ConcurrencyError):
        store.append(ACC, [opened()], expected_version=1)
    assert store.append(ACC, [opened()], expected_version=0) == 1
    assert store.read_all() != [], "the first append of a stream expects version 0"


@pytest.mark.spec("Optimistic concurrency")
def test_an_append_is_all_or_nothing(store: EventStore, db: Path) -> None:
    store.append(ACC, [opened()], 0)
    unserialisable = Event(DEPOSITED, {"amount": object()})
    with pytest.raises(TypeError):
        store.append(ACC, [dep(1), unserialisable, dep(2)], expected_version=1)
    assert other_store(db).version(ACC) == 1, "a failed batch leaves none of its events"
    assert other_store(db).append(ACC, [dep(3)], 1) == 2, (
        "the failed append must not leave a transaction (and its lock) open"
    )
    assert append_after_a_failure(store, [dep(4)], 2) == 3


@pytest.mark.spec("Optimistic concurrency")
@pytest.mark.parametrize("expected", [0, 5], ids=["right-version", "wrong-version"])
def test_an_append_needs_events(store: EventStore, expected: int) -> None:
    with pytest.raises(ValueError):
        store.append(ACC, [], expected)
    assert store.version(ACC) == 0


@pytest.mark.spec("Optimistic concurrency")
def test_a_negative_expected_version_never_matches(store: EventStore) -> None:
    with pytest.raises(ConcurrencyError):
        store.append(ACC, [opened()], expected_version=-1)
    assert store.version(ACC) == 0 and store.read_all() == []


@pytest.mark.spec("Optimistic concurrency")
@pytest.mark.weight(3)
def test_two_appends_at_the_same_version_race(tmp_path: Path) -> None:
    counter = itertools.count()

    def setup() -> types.SimpleNamespace:
        path = tmp_path / f"race-{next(counter)}.db"
        a = EventStore(connect(path))
        a.append(ACC, [opened(), dep(100), dep(50)], 0)
        return types.SimpleNamespace(path=path, a=a, b=EventStore(connect(path)))

    first_batch = [wd(120), dep(1)]
    second_batch = [wd(140)]

    def check(s: types.SimpleNamespace, a: Outcome, b: Outcome) -> None:
        errors = [o.error for o in (a, b) if o.error is not None]
        assert len(errors) == 1 and isinstance(errors[0], ConcurrencyError), (
            f"exactly one append wins and the other raises ConcurrencyError; got {a} and {b}"
        )
        winner = first_batch if a.error is None else second_batch
        events = EventStore(connect(s.path)).read_stream(ACC)
        assert [e.version for e in events] == list(range(1, 4 + len(winner))), (
            "versions must stay 1, 2, 3, … with no duplicate"
        )
        assert [(e.type, e.data) for e in events[3:]] == [(e.type, e.data) for e in winner], (
            "only the winner's batch, whole, follows version 3"
        )

    seams = check_interleavings(
        event_sourcing,
        setup,
        lambda s: s.a.append(ACC, first_batch, expected_version=3),
        lambda s: s.b.append(ACC, second_batch, expected_version=3),
        check,
        wait=0.05,
    )
    assert seams, "append must run some code"


@pytest.mark.spec("Optimistic concurrency")
@pytest.mark.weight(2)
def test_two_handlers_at_version_3_cannot_both_withdraw(store: EventStore, db: Path) -> None:
    repo = AccountRepository(store)
    acc = Account.open(ACC, "ada")
    acc.deposit(100)
    acc.deposit(50)
    repo.save(acc)
    a = repo.load(ACC)
    b = AccountRepository(other_store(db)).load(ACC)
    assert a.version == b.version == 3
    a.withdraw(120)
    b.withdraw(140)  # each alone is fine: the balance is 150
    repo.save(a)
    with pytest.raises(ConcurrencyError):
        AccountRepository(other_store(db)).save(b)
    assert repo.load(ACC).balance == 30, "the second withdrawal must not overdraw the account"
    assert (b.version, [e.type for e in b.changes]) == (3, [WITHDRAWN]), (
        "a failed save leaves the account as it was"
    )


# -- Invariants ---------------------------------------------------------------


@pytest.mark.spec("Invariants")
def test_open_records_an_opened_event() -> None:
    acc = Account.open(ACC, "ada")
    assert state(acc) == (ACC, 0, "ada", 0, True, False, [Event(OPENED, {"owner": "ada"})])


@pytest.mark.spec("Invariants")
@pytest.mark.parametrize("owner", ["", "   ", None, 42], ids=["empty", "spaces", "none", "int"])
def test_open_needs_an_owner(owner: Any) -> None:
    try:
        Account.open(ACC, owner)
    except InvariantError:
        return
    pytest.fail(f"Account.open({ACC!r}, {owner!r}) must raise InvariantError: no owner")


@pytest.mark.spec("Invariants")
def test_commands_record_events_and_change_the_balance() -> None:
    acc = Account.open(ACC, "ada")
    acc.deposit(100)
    acc.withdraw(30)
    acc.withdraw(70)  # down to exactly 0 is allowed
    acc.close()
    assert acc.changes == [
        Event(OPENED, {"owner": "ada"}),
        Event(DEPOSITED, {"amount": 100}),
        Event(WITHDRAWN, {"amount": 30}),
        Event(WITHDRAWN, {"amount": 70}),
        Event(CLOSED, {}),
    ]
    assert (acc.balance, acc.opened, acc.closed) == (0, True, True)


@pytest.mark.spec("Invariants")
@pytest.mark.weight(2)
def test_an_overdraft_is_refused_before_anything_changes() -> None:
    acc = Account.open(ACC, "ada")
    acc.deposit(50)
    before = state(acc)
    with pytest.raises(InvariantError):
        acc.withdraw(51)
    assert state(acc) == before, "check the rule before applying or recording the event"


@pytest.mark.spec("Invariants")
@pytest.mark.parametrize(
    "command",
    [lambda a: a.deposit(1), lambda a: a.withdraw(1), lambda a: a.close()],
    ids=["deposit", "withdraw", "close"],
)
def test_a_closed_account_takes_no_command(command: Any) -> None:
    acc = Account.open(ACC, "ada")
    acc.close()
    before = state(acc)
    with pytest.raises(InvariantError):
        command(acc)
    assert state(acc) == before


@pytest.mark.spec("Invariants")
@pytest.mark.parametrize(
    "command",
    [lambda a: a.deposit(1), lambda a: a.withdraw(1), lambda a: a.close()],
    ids=["deposit", "withdraw", "close"],
)
def test_an_account_never_opened_takes_no_command(command: Any) -> None:
    acc = Account(ACC)
    assert state(acc) == (ACC, 0, None, 0, False, False, [])
    with pytest.raises(InvariantError):
        command(acc)
    assert state(acc) == (ACC, 0, None, 0, False, False, [])


@pytest.mark.spec("Invariants")
def test_close_needs_a_zero_balance() -> None:
    acc = Account.open(ACC, "ada")
    acc.deposit(1)
    before = state(acc)
    with pytest.raises(InvariantError):
        acc.close()
    assert state(acc) == before


@pytest.mark.spec("Invariants")
@pytest.mark.parametrize(
    "amount", [0, -5, 2.5, True, "10"], ids=["zero", "negative", "float", "bool", "str"]
)
@pytest.mark.parametrize("command", ["deposit", "withdraw"])
def test_amounts_are_positive_ints(command: str, amount: Any) -> None:
    acc = Account.open(ACC, "ada")
    acc.deposit(100)
    before = state(acc)
    with pytest.raises(InvariantError):
        getattr(acc, command)(amount)
    assert state(acc) == before


@pytest.mark.spec("Invariants")
def test_apply_checks_nothing() -> None:
    acc = Account(ACC)
    acc.apply(Event(OPENED, {"owner": "ada"}))
    acc.apply(Event(WITHDRAWN, {"amount": 40}))  # it happened: apply does not judge
    acc.apply(Event(CLOSED, {}))
    acc.apply(Event(DEPOSITED, {"amount": 10}))
    assert (acc.balance, acc.closed, acc.changes) == (-30, True, [])


@pytest.mark.spec("Invariants")
@pytest.mark.parametrize("kind", ["AccountAudited", "AccountFrozen", "ZetaHappened"])
def test_apply_rejects_unknown_event_types(kind: str) -> None:
    acc = Account.open(ACC, "ada")
    acc.deposit(5)
    before = state(acc)
    with pytest.raises(ValueError):
        acc.apply(Event(kind, {}))
    assert state(acc) == before


@pytest.mark.spec("Invariants")
def test_a_negative_balance_does_not_close() -> None:
    acc = Account(ACC)
    acc.apply(Event(OPENED, {"owner": "ada"}))
    acc.apply(Event(WITHDRAWN, {"amount": 1}))  # recorded history may hold anything
    with pytest.raises(InvariantError):
        acc.close()


# -- Replay -------------------------------------------------------------------


@pytest.mark.spec("Replay")
def test_replay_rebuilds_the_state(store: EventStore) -> None:
    store.append(ACC, [opened("bob"), dep(100), wd(40), dep(5)], 0)
    acc = Account.replay(ACC, store.read_stream(ACC))
    assert state(acc) == (ACC, 4, "bob", 65, True, False, [])
    acc.withdraw(65)
    acc.close()
    assert store.append(ACC, acc.changes, acc.version) == 6
    closed = Account.replay(ACC, store.read_stream(ACC))
    assert (closed.balance, closed.closed, closed.version) == (0, True, 6)


@pytest.mark.spec("Replay")
def test_save_then_load(store: EventStore, db: Path) -> None:
    repo = AccountRepository(store)
    acc = Account.open(ACC, "ada")
    acc.deposit(100)
    repo.save(acc)
    assert (acc.version, acc.changes) == (2, [])
    acc.withdraw(25)
    repo.save(acc)
    assert acc.version == 3
    loaded = AccountRepository(other_store(db)).load(ACC)
    assert state(loaded) == (ACC, 3, "ada", 75, True, False, [])
    assert shape(store.read_stream(ACC))[-1] == (ACC, 3, WITHDRAWN, {"amount": 25})


@pytest.mark.spec("Replay")
def test_save_with_no_changes_does_nothing(store: EventStore) -> None:
    spy = SpyStore(store)
    repo = AccountRepository(spy)  # type: ignore[arg-type]
    acc = Account.open(ACC, "ada")
    repo.save(acc)
    spy.calls.clear()
    repo.save(acc)
    assert spy.calls == [], "nothing to save: no call to the store"
    assert acc.version == 1


@pytest.mark.spec("Replay")
def test_load_of_an_unknown_account_raises_key_error(store: EventStore) -> None:
    with pytest.raises(KeyError):
        AccountRepository(store).load("nobody")


@pytest.mark.spec("Replay")
def test_a_new_account_with_an_existing_id_conflicts(store: EventStore) -> None:
    repo = AccountRepository(store)
    repo.save(Account.open(ACC, "ada"))
    with pytest.raises(ConcurrencyError):
        repo.save(Account.open(ACC, "eve"))
    assert repo.load(ACC).owner == "ada"


# -- Snapshots ----------------------------------------------------------------


@pytest.mark.spec("Snapshots")
@pytest.mark.weight(2)
def test_snapshots_are_taken_when_a_save_crosses_a_multiple(store: EventStore) -> None:
    repo = AccountRepository(store, snapshot_every=3)
    acc = Account.open(ACC, "ada")
    acc.deposit(10)
    repo.save(acc)  # version 2
    assert store.load_snapshot(ACC) is None
    acc.deposit(20)
    repo.save(acc)  # version 3: a multiple of 3
    assert store.load_snapshot(ACC) == (
        3,
        {**Account.replay(ACC, store.read_stream(ACC)).snapshot()},
    )
    acc.deposit(30)
    repo.save(acc)  # version 4
    assert store.load_snapshot(ACC)[0] == 3, (  # type: ignore[index]
        "latest snapshot after saves to 2, 3, 4 with snapshot_every=3 should be at 3"
    )
    acc.deposit(1)
    acc.deposit(2)
    acc.deposit(3)
    repo.save(acc)  # version 7: crosses 6
    version, snap = store.load_snapshot(ACC)  # type: ignore[misc]
    assert version == 7, (
        "latest snapshot after saves to 2, 3, 4, 7 with snapshot_every=3 should be at 7: "
        "the save from 4 to 7 crosses 6"
    )
    restored = Account.from_snapshot(ACC, version, snap)
    assert (restored.balance, restored.version) == (66, 7), "the snapshot is the state at 7"


@pytest.mark.spec("Snapshots")
@pytest.mark.weight(2)
def test_load_starts_from_the_latest_snapshot(store: EventStore, db: Path) -> None:
    repo = AccountRepository(store, snapshot_every=4)
    acc = Account.open(ACC, "ada")
    for amount in range(1, 10):
        acc.deposit(amount)
        repo.save(acc)  # versions 2..10: snapshots at 4 and 8
    acc.withdraw(5)
    repo.save(acc)  # version 11
    spy = SpyStore(other_store(db))
    loaded = AccountRepository(spy, snapshot_every=4).load(ACC)  # type: ignore[arg-type]
    full = Account.replay(ACC, store.read_stream(ACC))
    assert state(loaded) == state(full) == (ACC, 11, "ada", 40, True, False, [])
    reads = spy.named("read_stream")
    assert len(reads) == 1, "load reads the stream once"
    args, kwargs = reads[0]
    after = kwargs.get("after_version", args[1] if len(args) > 1 else 0)
    assert after == 8, f"load must read only the events after the snapshot at 8, not after {after}"


@pytest.mark.spec("Snapshots")
def test_from_snapshot_round_trips_every_attribute(store: EventStore) -> None:
    store.append(ACC, [opened("cy"), dep(9), wd(9), Event(CLOSED)], 0)
    acc = Account.replay(ACC, store.read_stream(ACC))
    snap = acc.snapshot()
    store.save_snapshot(ACC, 4, snap)
    version, saved = store.load_snapshot(ACC)  # type: ignore[misc]
    assert saved == snap, "a snapshot goes through JSON and comes back equal"
    assert state(Account.from_snapshot(ACC, version, saved)) == state(acc)


@pytest.mark.spec("Snapshots")
@pytest.mark.parametrize("version", [-1, 0, 3], ids=["negative", "zero", "ahead"])
def test_a_snapshot_is_never_ahead_of_the_stream(store: EventStore, version: int) -> None:
    store.append(ACC, [opened(), dep(1)], 0)
    with pytest.raises(ValueError):
        store.save_snapshot(ACC, version, {"balance": 1})
    assert store.load_snapshot(ACC) is None
    store.save_snapshot(ACC, 1, {"balance": 0})
    assert store.load_snapshot(ACC) == (1, {"balance": 0}), "any version from 1 on is fine"
    store.save_snapshot(ACC, 2, {"balance": 1})
    assert store.load_snapshot(ACC) == (2, {"balance": 1})


@pytest.mark.spec("Snapshots")
@pytest.mark.weight(2)
def test_a_failed_save_leaves_no_snapshot(store: EventStore, db: Path) -> None:
    repo = AccountRepository(store, snapshot_every=4)
    acc = Account.open(ACC, "ada")
    acc.deposit(100)
    acc.deposit(1)
    repo.save(acc)  # version 3
    late = repo.load(ACC)
    other = AccountRepository(other_store(db), snapshot_every=4).load(ACC)
    other.deposit(7)
    AccountRepository(other_store(db), snapshot_every=4).save(other)  # version 4, snapshot
    late.withdraw(100)
    with pytest.raises(ConcurrencyError):
        repo.save(late)
    assert store.load_snapshot(ACC) == (4, other.snapshot()), (
        "the failed save must not store a snapshot of its own state"
    )
    assert repo.load(ACC).balance == 108


@pytest.mark.spec("Snapshots")
def test_snapshot_every_must_be_positive(store: EventStore) -> None:
    with pytest.raises(ValueError):
        AccountRepository(store, snapshot_every=0)
    AccountRepository(store, snapshot_every=1)


@pytest.mark.spec("Snapshots")
def test_the_default_is_a_snapshot_every_100_events(store: EventStore) -> None:
    repo = AccountRepository(store)
    acc = Account.open(ACC, "ada")
    for _ in range(98):
        acc.deposit(1)
    repo.save(acc)  # version 99
    assert store.load_snapshot(ACC) is None
    acc.deposit(1)
    repo.save(acc)  # version 100
    assert store.load_snapshot(ACC) == (100, acc.snapshot())


# -- Projection ---------------------------------------------------------------


def populate(store: EventStore) -> dict[str, int]:
    """Three accounts, one closed; returns the balances of the open ones."""
    store.append("a", [opened("ann"), dep(100)], 0)
    store.append("b", [opened("ben"), dep(40)], 0)
    store.append("a", [wd(30)], 2)
    store.append("c", [opened("cat"), dep(5), wd(5), Event(CLOSED)], 0)
    store.append("b", [dep(2), dep(3)], 2)
    return {"a": 70, "b": 45}


@pytest.mark.spec("Projection")
@pytest.mark.weight(2)
def test_catch_up_builds_the_balances(store: EventStore, tmp_path: Path) -> None:
    want = populate(store)
    projection = BalanceProjection(store, connect(tmp_path / "read.db"))
    assert (projection.checkpoint, projection.balances()) == (0, {})
    assert projection.catch_up() == 11, "catch_up returns the number of events it applied"
    assert projection.balances() == want, "closed accounts leave the projection"
    assert projection.checkpoint == store.read_all()[-1].position


@pytest.mark.spec("Projection")
@pytest.mark.weight(2)
def test_catch_up_is_incremental(store: EventStore, tmp_path: Path) -> None:
    populate(store)
    projection = BalanceProjection(store, connect(tmp_path / "read.db"))
    projection.catch_up()
    assert projection.catch_up() == 0, "nothing new: nothing applied"
    store.append("a", [dep(1)], 3)
    store.append("d", [opened("dan"), dep(9)], 0)
    assert projection.catch_up() == 3
    assert projection.balances() == {"a": 71, "b": 45, "d": 9}
    reopened = BalanceProjection(store, connect(tmp_path / "read.db"))
    assert reopened.checkpoint == projection.checkpoint, "the checkpoint is stored with the data"
    assert reopened.catch_up() == 0 and reopened.balances() == {"a": 71, "b": 45, "d": 9}


@pytest.mark.spec("Projection")
def test_rebuild_replays_everything(store: EventStore, tmp_path: Path) -> None:
    want = populate(store)
    projection = BalanceProjection(store, connect(tmp_path / "read.db"))
    projection.catch_up()
    assert projection.rebuild() == 11, (
        "rebuild starts from position 0 again and returns the number of events it applied: all 11"
    )
    assert projection.balances() == want
    assert projection.checkpoint == store.read_all()[-1].position


@pytest.mark.spec("Projection")
@pytest.mark.parametrize("kind", ["AccountAudited", "ZetaHappened"])
def test_the_projection_skips_other_event_types(
    store: EventStore, tmp_path: Path, kind: str
) -> None:
    want = populate(store)
    store.append("a", [Event(kind, {"note": "x"})], 3)
    store.append("order-1", [Event(kind, {"amount": 5})], 0)
    projection = BalanceProjection(store, connect(tmp_path / "read.db"))
    assert projection.catch_up() == 13, "skipped events still count as read"
    assert projection.balances() == want
    assert projection.checkpoint == store.read_all()[-1].position


@pytest.mark.spec("Projection")
def test_the_projection_can_share_the_store_database(store: EventStore, db: Path) -> None:
    want = populate(store)
    projection = BalanceProjection(store, connect(db))
    assert projection.catch_up() == 11 and projection.balances() == want
    assert store.version("a") == 3, "the projection's tables leave the store's alone"


class Crash(BaseException):
    """The process died here (not an Exception: nothing in the code may catch it)."""


def run_until_line(fn: Any, filename: str, k: int) -> bool:
    """Run ``fn`` in a thread, crashing before the k-th line it executes in ``filename``.

    Returns whether it crashed (False: ``fn`` finished in fewer lines).
    """
    seen = 0
    out: list[BaseException | None] = []

    def local(frame: types.FrameType, event: str, arg: Any) -> Any:
        nonlocal seen
        if event == "line":
            seen += 1
            if seen == k:
                raise Crash(k)
        return local

    def global_trace(frame: types.FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename == filename else None

    def run() -> None:
        sys.settrace(global_trace)
        try:
            fn()
            out.append(None)
        except Crash as exc:
            out.append(exc)
        finally:
            sys.settrace(None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(10)
    assert out, "catch_up did not finish within 10 s"
    return out[0] is not None


@pytest.mark.spec("Projection")
@pytest.mark.weight(3)
def test_a_crash_anywhere_in_catch_up_skips_and_repeats_nothing(
    store: EventStore, tmp_path: Path
) -> None:
    populate(store)
    pristine = tmp_path / "read-pristine.db"
    BalanceProjection(store, connect(pristine)).catch_up()  # caught up on the first 11
    store.append("a", [dep(10), wd(20)], 3)
    store.append("b", [wd(45), Event(CLOSED)], 4)
    store.append("e", [opened("eve"), dep(3)], 0)
    want = {"a": 60, "e": 3}
    last = store.read_all()[-1].position
    filename = event_sourcing.__file__
    for k in itertools.count(1):
        path = tmp_path / f"read-{k}.db"
        shutil.copy(pristine, path)
        conn = connect(path)
        crashed = run_until_line(BalanceProjection(store, conn).catch_up, filename, k)
        conn.close()  # the process is gone: what it did not commit is lost
        restarted = BalanceProjection(store, connect(path))
        restarted.catch_up()
        assert (restarted.balances(), restarted.checkpoint) == (want, last), (
            f"after a crash before line {k} of catch_up and a restart, the projection is wrong: "
            "the checkpoint must move in the same transaction as the balance"
        )
        if not crashed:
            break
    assert k > 5, "catch_up must run some code"
