"""Tests for the stream consumer kata.

The truth is Redis itself: the ``redis`` fixture is fakeredis by default and a
real redis-server in CI, and every expectation here is what both report —
the group's pending entries list (``XPENDING``'s extended form: owner and
delivery count of each message), ``XINFO GROUPS`` and the dead-letter stream.
The command semantics are those of the Redis documentation: XREADGROUP
(https://redis.io/docs/latest/commands/xreadgroup/), XAUTOCLAIM
(https://redis.io/docs/latest/commands/xautoclaim/), XPENDING
(https://redis.io/docs/latest/commands/xpending/), XCLAIM
(https://redis.io/docs/latest/commands/xclaim/) and the Redis Streams tutorial
(https://redis.io/docs/latest/develop/data-types/streams/), sections
"Consumer groups", "Recovering from permanent failures", "Automatic claiming"
and "Claiming and the delivery counter".

Idle time is real time on both servers, so no test waits for it: a message is
aged with ``XCLAIM <stream> <group> <its owner> 0 <id> IDLE <ms> JUSTID``,
which keeps its owner, sets its idle time and (JUSTID) leaves its delivery
count alone — or sets that too with ``RETRYCOUNT``. A crash is a handler that
raises; a restart is a new ``StreamConsumer`` with the same consumer name.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from redis.exceptions import ResponseError

from grader.kata_support import RedisRecorder
from stream_consumer import StreamConsumer

STREAM = "orders"
GROUP = "billing"
WORKER = "worker-1"
DEAD = "worker-0"  # a consumer that died for good
LONG_AGO = 3_600_000  # ms: idle for an hour, well past any min_idle_ms here


def _warm_up() -> None:
    """Pay fakeredis's one-off costs (its import, each command's first run) at collection.

    The time limit runs from a test's set-up on, so without this the first test
    would carry seconds that are no part of the code under test.
    """
    if os.environ.get("REDIS_URL"):
        return
    import fakeredis

    r = fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True)
    r.xgroup_create("warm-up", "g", id="0", mkstream=True)
    r.xadd("warm-up", {"n": "1"}, id="1-0")
    r.xreadgroup("g", "c", {"warm-up": ">"}, count=1)
    r.xpending_range("warm-up", "g", "-", "+", 1)
    r.xautoclaim("warm-up", "g", "c", 0, count=1)
    r.xclaim("warm-up", "g", "c", 0, ["1-0"], idle=0, justid=True)
    r.xinfo_groups("warm-up")
    with r.pipeline(transaction=True) as pipe:
        pipe.xadd("warm-up:dead", {"id": "1-0"})
        pipe.xack("warm-up", "g", "1-0")
        pipe.execute()
    r.close()


_warm_up()


class Crash(Exception):
    """The handler's process died (or the message could not be processed)."""


class Handler:
    """Records every call; raises Crash for the IDs in ``crash_on``."""

    def __init__(self, crash_on: set[str] | frozenset[str] = frozenset()) -> None:
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.crash_on = set(crash_on)

    def __call__(self, message_id: str, fields: dict[str, str]) -> None:
        self.calls.append((message_id, dict(fields)))
        if message_id in self.crash_on:
            raise Crash(message_id)

    @property
    def ids(self) -> list[str]:
        return [message_id for message_id, _ in self.calls]


def fill(redis: Any, first: int, last: int) -> list[str]:
    """Add messages ``first``..``last`` with IDs ``<i>-0`` and fields ``{"n": str(i)}``."""
    return [redis.xadd(STREAM, {"n": str(i)}, id=f"{i}-0") for i in range(first, last + 1)]


def ids(first: int, last: int) -> list[str]:
    return [f"{i}-0" for i in range(first, last + 1)]


def make_group(redis: Any) -> None:
    redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)


def deliver(redis: Any, consumer: str, count: int) -> list[str]:
    """``XREADGROUP … >`` as ``consumer``, which then never acknowledges."""
    reply = redis.xreadgroup(GROUP, consumer, {STREAM: ">"}, count=count)
    return [message_id for _, entries in reply for message_id, _ in entries]


def age(redis: Any, owner: str, message_ids: list[str], idle_ms: int = LONG_AGO, **kw: Any) -> None:
    """Make pending messages look idle for ``idle_ms`` (``retrycount=`` sets their count)."""
    got = redis.xclaim(STREAM, GROUP, owner, 0, message_ids, idle=idle_ms, justid=True, **kw)
    assert got == message_ids


def pending(redis: Any) -> dict[str, tuple[str, int]]:
    """The group's pending entries: ID -> (owner, delivery count), from XPENDING."""
    rows = redis.xpending_range(STREAM, GROUP, "-", "+", 10_000)
    return {r["message_id"]: (r["consumer"], r["times_delivered"]) for r in rows}


DEAD_LETTER = f"{STREAM}:dead-letter"  # the default: f"{stream}:dead-letter"


def dead_letters(redis: Any, key: str = DEAD_LETTER) -> list[dict[str, str]]:
    return [fields for _, fields in redis.xrange(key)]


def where_dead_letters_went(redis: Any, want: str = DEAD_LETTER) -> str:
    """A message naming the expected dead-letter stream and the streams there are."""
    streams = sorted(k for k in redis.keys("*") if redis.type(k) == "stream" and k != STREAM)
    return f"dead-letter entries belong in the stream {want!r}; other streams: {streams}"


def expect_crash(call: Callable[[], object], why: str) -> None:
    """``call()`` must raise Crash (the handler ran and raised); ``why`` says why."""
    try:
        call()
    except Crash:
        return
    pytest.fail(f"DID NOT RAISE Crash: {why}")


def consumer(redis: Any, handler: Callable[..., object], name: str = WORKER, **kw: Any) -> Any:
    return StreamConsumer(redis, STREAM, GROUP, name, handler, **kw)


# -- Group --------------------------------------------------------------------


@pytest.mark.spec("Group")
def test_create_group_makes_the_stream_and_the_group(redis: Any) -> None:
    c = consumer(redis, Handler())
    c.create_group()
    assert redis.type(STREAM) == "stream", "MKSTREAM creates the stream when it is missing"
    groups = redis.xinfo_groups(STREAM)
    assert [g["name"] for g in groups] == [GROUP]
    assert groups[0]["last-delivered-id"] == "0-0"


@pytest.mark.spec("Group")
def test_the_group_starts_at_the_beginning_of_the_stream(redis: Any) -> None:
    fill(redis, 1, 3)  # added before the group existed
    handler = Handler()
    c = consumer(redis, handler)
    c.create_group()
    assert c.process_new() == ids(1, 3), "create the group at ID 0, not $: older messages count"
    assert handler.ids == ids(1, 3)


@pytest.mark.spec("Group")
@pytest.mark.weight(2)
def test_create_group_again_keeps_the_group_as_it_is(redis: Any) -> None:
    fill(redis, 1, 5)
    consumer(redis, Handler()).create_group()
    # Pending entries made with XREADGROUP itself: only create_group is under test here.
    assert deliver(redis, WORKER, 2) + deliver(redis, "worker-2", 1) == ids(1, 3), (
        "the group starts at ID 0: the messages added before it are delivered"
    )
    before = pending(redis)
    assert before == {"1-0": (WORKER, 1), "2-0": (WORKER, 1), "3-0": ("worker-2", 1)}
    for name in (WORKER, "worker-2"):  # a restart, and another worker starting up
        consumer(redis, Handler(), name=name).create_group()
    assert pending(redis) == before, (
        "a second create_group must leave the pending entries alone (BUSYGROUP: ignore it)"
    )
    (group,) = redis.xinfo_groups(STREAM)
    assert group["last-delivered-id"] == "3-0", (
        "a second create_group must not move the group (no XGROUP SETID, no DESTROY + CREATE)"
    )
    assert deliver(redis, "worker-2", 5) == ids(4, 5), "the group goes on where it was"


@pytest.mark.spec("Group")
def test_create_group_raises_other_errors(redis: Any) -> None:
    redis.set(STREAM, "not a stream")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        consumer(redis, Handler()).create_group()


# -- Processing ---------------------------------------------------------------


@pytest.mark.spec("Processing")
def test_process_new_handles_and_acknowledges_in_order(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 3)
    handler = Handler()
    c = consumer(redis, handler)
    assert c.process_new() == ids(1, 3)
    assert handler.calls == [("1-0", {"n": "1"}), ("2-0", {"n": "2"}), ("3-0", {"n": "3"})]
    assert pending(redis) == {}, "every handled message is acknowledged with XACK"
    assert c.process_new() == [], "nothing new: nothing to do"
    assert len(handler.calls) == 3


@pytest.mark.spec("Processing")
def test_the_default_batch_is_ten_messages(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 12)
    c = consumer(redis, Handler())
    assert c.process_new() == ids(1, 10)
    assert c.process_new() == ids(11, 12)


@pytest.mark.spec("Processing")
def test_process_new_reads_at_most_one_batch(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 5)
    c = consumer(redis, Handler(), batch=2)
    assert c.process_new() == ids(1, 2), "one XREADGROUP with COUNT batch per call"
    assert c.process_new() == ids(3, 4)
    assert c.process_new() == ids(5, 5)
    assert c.process_new() == []


@pytest.mark.spec("Processing")
@pytest.mark.weight(2)
def test_the_message_is_pending_while_the_handler_runs(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 2)
    seen: list[dict[str, tuple[str, int]]] = []
    c = consumer(redis, lambda message_id, fields: seen.append(pending(redis)))
    assert c.process_new() == ids(1, 2)
    assert "1-0" in seen[0] and "2-0" in seen[1], (
        f"pending entries seen from the handler: {seen}; XACK only after the handler returned"
    )
    assert pending(redis) == {}


@pytest.mark.spec("Processing")
@pytest.mark.weight(2)
def test_a_crash_in_the_handler_leaves_the_rest_pending(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 5)
    handler = Handler(crash_on={"3-0"})
    c = consumer(redis, handler, batch=5)
    with pytest.raises(Crash):
        c.process_new()
    assert handler.ids == ids(1, 3), "the exception propagates at once"
    assert pending(redis) == {m: (WORKER, 1) for m in ids(3, 5)}, (
        "the message whose handler raised and the rest of the batch stay pending; "
        "the ones handled before were acknowledged"
    )


@pytest.mark.spec("Constraints")
def test_process_new_is_one_read_and_one_ack_per_message(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 3)
    rec = RedisRecorder(redis)
    assert consumer(rec.client, Handler()).process_new() == ids(1, 3)
    sent = [c.name for c in rec.commands]
    assert sent == ["XREADGROUP", "XACK", "XACK", "XACK"], (
        f"process_new sent {sent}: one XREADGROUP, then one XACK per message "
        "(a new message's delivery count is 1: no XPENDING)"
    )


@pytest.mark.spec("Processing")
def test_consumers_of_a_group_share_the_messages(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 4)
    a, b = Handler(), Handler()
    assert consumer(redis, a, name="a", batch=2).process_new() == ids(1, 2)
    assert consumer(redis, b, name="b", batch=2).process_new() == ids(3, 4)
    assert consumer(redis, a, name="a").process_new() == []


# -- Own pending messages -----------------------------------------------------


@pytest.mark.spec("Own pending messages")
@pytest.mark.weight(2)
def test_after_a_restart_own_pending_messages_are_handled(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 5)
    with pytest.raises(Crash):
        consumer(redis, Handler(crash_on={"3-0"}), batch=5).process_new()
    fill(redis, 6, 7)  # arrived while the worker was down
    handler = Handler()
    restarted = consumer(redis, handler, batch=5)
    assert restarted.process_pending() == ids(3, 5), (
        "XREADGROUP with ID 0 returns this consumer's pending messages; '>' never returns them"
    )
    assert handler.calls == [("3-0", {"n": "3"}), ("4-0", {"n": "4"}), ("5-0", {"n": "5"})]
    assert pending(redis) == {}, "the recovered messages are acknowledged"
    assert restarted.process_new() == ids(6, 7), "process_pending leaves new messages alone"


@pytest.mark.spec("Own pending messages")
def test_process_pending_reads_past_one_batch(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 7)
    deliver(redis, WORKER, 7)
    handler = Handler()
    assert consumer(redis, handler, batch=2).process_pending() == ids(1, 7), (
        "read again after the last ID until a read returns nothing"
    )
    assert handler.ids == ids(1, 7)
    assert pending(redis) == {}


@pytest.mark.spec("Own pending messages")
def test_process_pending_leaves_other_consumers_entries_alone(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 4)
    deliver(redis, "other", 2)
    deliver(redis, WORKER, 1)
    handler = Handler()
    assert consumer(redis, handler).process_pending() == ["3-0"]
    assert pending(redis) == {"1-0": ("other", 1), "2-0": ("other", 1)}
    assert handler.ids == ["3-0"], "message 4 was never delivered: it is not pending"


@pytest.mark.spec("Own pending messages")
def test_process_pending_with_nothing_pending(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 2)
    handler = Handler()
    assert consumer(redis, handler).process_pending() == []
    assert handler.calls == []
    assert redis.xinfo_groups(STREAM)[0]["last-delivered-id"] == "0-0", "nothing was delivered"


# -- Reclaiming ---------------------------------------------------------------


@pytest.mark.spec("Reclaiming")
@pytest.mark.weight(2)
def test_reclaim_takes_over_a_dead_consumers_messages(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 4)
    deliver(redis, DEAD, 4)
    age(redis, DEAD, ids(1, 4))
    handler = Handler()
    assert consumer(redis, handler).reclaim() == ids(1, 4)
    assert handler.calls == [(f"{i}-0", {"n": str(i)}) for i in range(1, 5)]
    assert pending(redis) == {}


@pytest.mark.spec("Reclaiming")
def test_reclaim_leaves_messages_that_are_not_idle_long_enough(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 4)
    deliver(redis, DEAD, 4)
    age(redis, DEAD, ["1-0"], idle_ms=61_000)
    age(redis, DEAD, ["2-0"], idle_ms=59_000)  # the default min_idle_ms is 60 000
    handler = Handler()
    assert consumer(redis, handler).reclaim() == ["1-0"]
    assert pending(redis) == {m: (DEAD, 1) for m in ids(2, 4)}, "recent ones stay with their owner"


@pytest.mark.spec("Reclaiming")
def test_reclaim_uses_min_idle_ms(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 3)
    deliver(redis, DEAD, 3)
    age(redis, DEAD, ["1-0"], idle_ms=30_000)
    age(redis, DEAD, ["2-0"], idle_ms=10_000)
    assert consumer(redis, Handler(), min_idle_ms=20_000).reclaim() == ["1-0"]
    assert consumer(redis, Handler(), min_idle_ms=0).reclaim() == ids(2, 3)


@pytest.mark.spec("Reclaiming")
@pytest.mark.weight(2)
def test_reclaim_follows_the_cursor_to_the_end(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 25)
    deliver(redis, DEAD, 25)
    age(redis, DEAD, ids(1, 25))
    handler = Handler()
    assert consumer(redis, handler, batch=10).reclaim() == ids(1, 25), (
        "XAUTOCLAIM claims at most COUNT messages per call: call again with the cursor it "
        "returns until the cursor is 0-0"
    )
    assert handler.ids == ids(1, 25)
    assert pending(redis) == {}


@pytest.mark.spec("Reclaiming")
@pytest.mark.weight(2)
def test_reclaim_goes_on_after_an_empty_batch_until_the_cursor_is_0_0(redis: Any) -> None:
    # Real Redis scans at most 10 * COUNT pending entries per XAUTOCLAIM call, so a
    # call can claim nothing and still return a cursor other than 0-0; fakeredis
    # never does, so the first call here is answered with such a reply.
    make_group(redis)
    redis.xadd(STREAM, {"n": "10"}, id="10-0")
    fill(redis, 11, 12)
    deliver(redis, DEAD, 3)
    age(redis, DEAD, ids(10, 12))
    rec = RedisRecorder(redis)
    client = rec.client
    send = client.execute_command
    faked: list[tuple[Any, ...]] = []

    def execute_command(*args: Any, **options: Any) -> Any:
        if str(args[0]).upper() == "XAUTOCLAIM" and not faked:
            faked.append(args)
            return ["5-0", [], []]  # nothing claimed in the part scanned; go on from 5-0
        return send(*args, **options)

    client.execute_command = execute_command
    handler = Handler()
    got = consumer(client, handler, batch=2).reclaim()
    assert got == ids(10, 12), (
        "an XAUTOCLAIM reply with no entries and the cursor 5-0 is not the end: "
        "stop only when Redis returns the cursor 0-0"
    )
    assert handler.ids == ids(10, 12)
    sent = [[a.decode() if isinstance(a, bytes) else str(a) for a in f[1:]] for f in faked]
    claims = sent + [list(c.args) for c in rec.named("XAUTOCLAIM")]
    if claims:  # the XAUTOCLAIM route (XPENDING + XCLAIM has no cursor)
        assert claims[1][4] == "5-0", f"call again with the cursor returned: {claims}"
    for args in claims:
        upper = [a.upper() for a in args]
        assert "COUNT" in upper and args[upper.index("COUNT") + 1] == "2", (
            f"XAUTOCLAIM {' '.join(args)}: a batch holds at most batch = 2 messages (COUNT 2)"
        )
    for c in rec.named("XPENDING"):
        if "-" in c.args:  # the XPENDING … IDLE … - + <count> route
            assert c.args[-1] == "2", f"{c}: a batch holds at most batch = 2 messages"


@pytest.mark.spec("Reclaiming")
def test_a_crash_while_reclaiming_leaves_the_message_with_the_new_owner(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 3)
    deliver(redis, DEAD, 3)
    age(redis, DEAD, ids(1, 3))
    with pytest.raises(Crash):
        consumer(redis, Handler(crash_on={"2-0"}), batch=3).reclaim()
    assert pending(redis) == {"2-0": (WORKER, 2), "3-0": (WORKER, 2)}


@pytest.mark.spec("Reclaiming")
def test_reclaim_with_nothing_pending(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 2)
    handler = Handler()
    assert consumer(redis, handler).reclaim() == []
    assert handler.calls == []


# -- Dead letters -------------------------------------------------------------


@pytest.mark.spec("Dead letters")
@pytest.mark.weight(2)
@pytest.mark.parametrize(
    ("count_before", "dead"),
    [(1, False), (2, False), (3, True), (7, True)],
    ids=["count-2-handled", "count-3-handled", "count-4-dead", "count-8-dead"],
)
def test_reclaim_dead_letters_after_max_deliveries(
    redis: Any, count_before: int, dead: bool
) -> None:
    # XAUTOCLAIM adds one to the count XCLAIM RETRYCOUNT set: max_deliveries is 3.
    make_group(redis)
    fill(redis, 1, 1)
    deliver(redis, DEAD, 1)
    age(redis, DEAD, ["1-0"], retrycount=count_before)
    handler = Handler()
    assert consumer(redis, handler).reclaim() == ["1-0"]
    count = count_before + 1
    if dead:
        assert handler.calls == [], f"delivery count {count} > max_deliveries 3: dead-letter it"
        assert dead_letters(redis) == [
            {"id": "1-0", "deliveries": str(count), "fields": json.dumps({"n": "1"})}
        ], where_dead_letters_went(redis)
    else:
        assert handler.ids == ["1-0"], f"delivery count {count} <= max_deliveries 3: handle it"
        assert dead_letters(redis) == [], f"delivery count {count} <= max_deliveries 3: handle it"
    assert pending(redis) == {}, "handled or dead-lettered, the message is acknowledged"


@pytest.mark.spec("Dead letters")
@pytest.mark.weight(2)
@pytest.mark.parametrize("max_deliveries", [1, 3], ids=["max-1", "max-3"])
def test_a_poison_message_is_handled_max_deliveries_times_across_restarts(
    redis: Any, max_deliveries: int
) -> None:
    make_group(redis)
    fill(redis, 1, 2)
    handler = Handler(crash_on={"1-0"})

    def restart() -> Any:
        return consumer(redis, handler, max_deliveries=max_deliveries, batch=1)

    expect_crash(restart().process_new, "process_new hands message 1-0 to the handler")
    for delivery in range(2, max_deliveries + 1):
        expect_crash(
            restart().process_pending,
            f"delivery {delivery} <= max_deliveries {max_deliveries}: the handler must still "
            "be called (it raises Crash)",
        )
    assert handler.ids == ["1-0"] * max_deliveries
    restarted = restart()
    assert restarted.process_pending() == ["1-0"], (
        "each re-read with an ID adds one to the delivery count: "
        f"at {max_deliveries + 1} the message is dead-lettered"
    )
    assert handler.ids == ["1-0"] * max_deliveries, (
        f"the handler gets a message at most max_deliveries = {max_deliveries} times"
    )
    assert dead_letters(redis) == [
        {"id": "1-0", "deliveries": str(max_deliveries + 1), "fields": json.dumps({"n": "1"})}
    ], where_dead_letters_went(redis)
    assert pending(redis) == {}
    assert restarted.process_new() == ["2-0"], "the next message is handled as usual"
    assert restarted.process_pending() == [] and restarted.reclaim() == []


@pytest.mark.spec("Dead letters")
def test_a_poison_message_moves_through_reclaims_to_the_dead_letters(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 1)
    deliver(redis, DEAD, 1)  # delivery 1; its consumer died
    handler = Handler(crash_on={"1-0"})
    for delivery, name in ((2, "worker-a"), (3, "worker-b")):  # each crashes
        owner = next(iter(pending(redis).values()))[0]
        age(redis, owner, ["1-0"])
        expect_crash(
            consumer(redis, handler, name=name).reclaim,
            f"delivery {delivery} <= max_deliveries 3: the handler must still be called "
            "(it raises Crash)",
        )
    assert pending(redis) == {"1-0": ("worker-b", 3)}
    age(redis, "worker-b", ["1-0"])
    assert consumer(redis, handler, name="worker-c").reclaim() == ["1-0"]
    assert handler.ids == ["1-0", "1-0"], "delivery 4 > max_deliveries 3: no handler call"
    assert dead_letters(redis) == [
        {"id": "1-0", "deliveries": "4", "fields": json.dumps({"n": "1"})}
    ], where_dead_letters_went(redis)
    assert pending(redis) == {}, "a dead-lettered message is acknowledged, not claimed again"


@pytest.mark.spec("Dead letters")
def test_dead_letter_keeps_every_field(redis: Any) -> None:
    make_group(redis)
    fields = {"order": "A-17", "amount": "12.50", "note": 'quote " and é'}
    redis.xadd(STREAM, fields, id="1-0")
    deliver(redis, DEAD, 1)
    age(redis, DEAD, ["1-0"], retrycount=5)
    consumer(redis, Handler(), dead_letter="orders:poison").reclaim()
    entries = dead_letters(redis, "orders:poison")
    assert len(entries) == 1, where_dead_letters_went(redis, "orders:poison")
    (entry,) = entries
    assert entry["id"] == "1-0" and entry["deliveries"] == "6"
    assert json.loads(entry["fields"]) == fields
    assert redis.exists(f"{STREAM}:dead-letter") == 0, "dead_letter names the stream to use"


@pytest.mark.spec("Dead letters")
@pytest.mark.weight(2)
def test_dead_letter_and_acknowledge_in_one_transaction(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 1)
    deliver(redis, DEAD, 1)
    age(redis, DEAD, ["1-0"], retrycount=3)
    rec = RedisRecorder(redis)
    assert consumer(rec.client, Handler()).reclaim() == ["1-0"]
    xadd = [c for c in rec.named("XADD") if c.args[0] == f"{STREAM}:dead-letter"]
    xack = [c for c in rec.named("XACK") if "1-0" in c.args]
    assert len(xadd) == 1 and len(xack) == 1, "one XADD to the dead-letter stream, one XACK"
    assert xadd[0].transaction and xack[0].transaction and xadd[0].step == xack[0].step, (
        "XADD to the dead-letter stream and XACK go in one MULTI/EXEC transaction"
    )


@pytest.mark.spec("Dead letters")
def test_new_messages_are_never_dead_lettered(redis: Any) -> None:
    make_group(redis)
    fill(redis, 1, 1)
    handler = Handler()
    assert consumer(redis, handler, max_deliveries=1).process_new() == ["1-0"]
    assert handler.ids == ["1-0"] and dead_letters(redis) == []


# -- Validation ---------------------------------------------------------------


@pytest.mark.spec("Validation")
@pytest.mark.parametrize(
    "kw",
    [{"max_deliveries": 0}, {"min_idle_ms": -1}, {"batch": 0}],
    ids=["max-deliveries-0", "min-idle-negative", "batch-0"],
)
def test_out_of_range_numbers_are_rejected(redis: Any, kw: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        consumer(redis, Handler(), **kw)


@pytest.mark.spec("API")
def test_attributes_and_the_smallest_valid_numbers(redis: Any) -> None:
    c = consumer(redis, Handler(), max_deliveries=1, min_idle_ms=0, batch=1)
    assert (c.stream, c.group, c.consumer) == (STREAM, GROUP, WORKER)
    assert c.dead_letter == "orders:dead-letter"
    assert consumer(redis, Handler(), dead_letter="dlq").dead_letter == "dlq"
    by_name = StreamConsumer(
        redis=redis,
        stream=STREAM,
        group=GROUP,
        consumer="w",
        handler=Handler(),
        max_deliveries=2,
        min_idle_ms=5,
        batch=4,
        dead_letter="dlq",
    )
    assert (by_name.consumer, by_name.dead_letter) == ("w", "dlq"), "every parameter has a name"
