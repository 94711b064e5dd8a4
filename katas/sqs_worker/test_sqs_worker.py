"""Tests for the SQS worker kata.

Every behaviour is observed through boto3 on moto (https://docs.getmoto.org),
AWS's API mocked in-process: queue attributes, the messages a second client
("the rival") can or cannot receive, the dead-letter queue's contents. Where a
rule demands a specific call (one DeleteMessageBatch, WaitTimeSeconds on the
receive), the calls are recorded with botocore's event hooks (BotoRecorder).

Time is frozen with freezegun: moto reads the clock through datetime, and
visibility timeouts there follow the frozen clock, so a 30-second timeout
lapses at ``clock.tick(31)`` without waiting. The semantics are the Amazon SQS
Developer Guide's (visibility timeout, long polling, dead-letter queues,
at-least-once delivery) and the API Reference's (DeleteMessageBatch's
per-entry ``Failed`` list).
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from grader.kata_support import AwsMock, BotoCall, BotoRecorder, aws_mock
from sqs_worker import (
    DLQ_RETENTION_SECONDS,
    MAX_RETRY_DELAY,
    Delivery,
    PollResult,
    QueueUrls,
    Worker,
    create_queues,
)


@pytest.fixture(scope="module")
def aws() -> Iterator[AwsMock]:
    """AWS mocked by moto for the module."""
    with aws_mock() as mocked:
        yield mocked


@pytest.fixture(scope="module")
def clients(aws: AwsMock) -> tuple[Any, Any]:
    """The worker's client and the rival's (the test's own), made once."""
    worker, rival = aws.client("sqs"), aws.client("sqs")
    rival.list_queues()  # moto loads its SQS backend once, here
    return worker, rival


@pytest.fixture
def sqs(aws: AwsMock, clients: tuple[Any, Any]) -> Iterator[Any]:
    """The worker's client, on a fresh mocked AWS for every test."""
    aws.reset()
    yield clients[0]
    aws.reset()


@pytest.fixture
def rival(clients: tuple[Any, Any], sqs: Any) -> Any:
    """Another client on the same mocked AWS: another consumer, or the test's own reads."""
    return clients[1]


@pytest.fixture
def rec(sqs: Any) -> Iterator[BotoRecorder]:
    with BotoRecorder(sqs) as recorder:
        yield recorder


@pytest.fixture
def clock(aws: AwsMock, sqs: Any) -> Iterator[Any]:
    """A frozen clock; ``clock.tick(31)`` lets a 30 s visibility timeout lapse.

    The worker's receives are sent as short polls meanwhile (moto's long poll
    never ends on a frozen clock; ``AwsMock.frozen_clock``); the recorder
    still records the WaitTimeSeconds the worker asked for, and the
    long-polling test runs in real time.
    """
    with aws.frozen_clock("2026-01-05 09:00:00", sqs) as frozen:
        yield frozen


@pytest.fixture
def queue(sqs: Any, rival: Any) -> str:
    """A plain work queue (VisibilityTimeout 30) made by the test, not by create_queues."""
    return rival.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]


def send(rival: Any, queue: str, *bodies: str) -> list[str]:
    """Send the bodies; their MessageIds."""
    return [rival.send_message(QueueUrl=queue, MessageBody=b)["MessageId"] for b in bodies]


def visible(rival: Any, queue: str) -> list[str]:
    """The bodies another consumer can receive now (hiding them for 1 s)."""
    got = rival.receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=1
    )
    return sorted(m["Body"] for m in got.get("Messages", []))


def counts(rival: Any, queue: str) -> tuple[int, int]:
    """(visible, in flight) messages, from the queue's attributes."""
    attrs = rival.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    return (
        int(attrs["ApproximateNumberOfMessages"]),
        int(attrs["ApproximateNumberOfMessagesNotVisible"]),
    )


class Handler:
    """A handler that records its deliveries and fails the bodies it is told to."""

    def __init__(self, fail: set[str] | None = None) -> None:
        self.fail = fail or set()
        self.deliveries: list[Delivery] = []

    def __call__(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)
        if delivery.body in self.fail:
            raise RuntimeError(f"cannot process {delivery.body}")

    @property
    def bodies(self) -> list[str]:
        return [d.body for d in self.deliveries]


# -- Queues -------------------------------------------------------------------


@pytest.mark.spec("Queues")
def test_create_queues_makes_the_queue_and_its_dlq(sqs: Any, rival: Any) -> None:
    urls = create_queues(sqs, "emails", visibility_timeout=45, max_receive_count=3)
    assert isinstance(urls, QueueUrls)
    assert urls.queue_url == rival.get_queue_url(QueueName="emails")["QueueUrl"]
    assert urls.dlq_url == rival.get_queue_url(QueueName="emails-dlq")["QueueUrl"]
    attrs = rival.get_queue_attributes(QueueUrl=urls.queue_url, AttributeNames=["All"])
    attrs = attrs["Attributes"]
    assert attrs["VisibilityTimeout"] == "45"
    assert "RedrivePolicy" in attrs, "the work queue needs a RedrivePolicy naming the DLQ"
    policy = json.loads(attrs["RedrivePolicy"])
    dlq = rival.get_queue_attributes(QueueUrl=urls.dlq_url, AttributeNames=["All"])
    dlq = dlq["Attributes"]
    assert policy["deadLetterTargetArn"] == dlq["QueueArn"]
    assert int(policy["maxReceiveCount"]) == 3
    assert dlq["MessageRetentionPeriod"] == str(DLQ_RETENTION_SECONDS) == "1209600", (
        "the DLQ keeps its messages 14 days"
    )
    assert "RedrivePolicy" not in dlq, "the DLQ itself redrives nowhere"


@pytest.mark.spec("Queues")
def test_create_queues_defaults(sqs: Any, rival: Any) -> None:
    urls = create_queues(sqs=sqs, name="orders")
    with pytest.raises(dataclasses.FrozenInstanceError):
        urls.queue_url = "elsewhere"  # type: ignore[misc]
    attrs = rival.get_queue_attributes(QueueUrl=urls.queue_url, AttributeNames=["All"])
    attrs = attrs["Attributes"]
    assert attrs["VisibilityTimeout"] == "30"
    assert int(json.loads(attrs["RedrivePolicy"])["maxReceiveCount"]) == 5


# -- Dead letters ---------------------------------------------------------------


@pytest.mark.spec("Dead letters")
@pytest.mark.weight(2)
def test_a_poison_message_ends_in_the_dlq(sqs: Any, rival: Any, clock: Any) -> None:
    urls = create_queues(sqs, "emails", max_receive_count=2)
    send(rival, urls.queue_url, "poison")
    handler = Handler(fail={"poison"})
    worker = Worker(sqs, urls.queue_url, handler, retry_delay=0)
    for delivery in (1, 2):
        result = worker.poll_once()
        assert result.failed == result.received != [], (
            f"delivery {delivery} of the poison message: it should be received and fail; "
            f"received {result.received}, failed {result.failed} (a failed message is received "
            "again after its retry delay, 0 s here, not after the visibility timeout)"
        )
        clock.tick(1)
    assert handler.bodies == ["poison", "poison"]
    # The third receive finds the message received maxReceiveCount times: SQS
    # moves it to the DLQ instead of delivering it.
    assert visible(rival, urls.queue_url) == [], "after 2 failures the message is redriven"
    assert counts(rival, urls.queue_url) == (0, 0)
    assert visible(rival, urls.dlq_url) == ["poison"], "the DLQ holds the poison message"


# -- Receiving ------------------------------------------------------------------


def receive_count_requested(call: BotoCall) -> bool:
    names = [*call.params.get("MessageSystemAttributeNames", ())]
    names += call.params.get("AttributeNames", ())
    return "ApproximateReceiveCount" in names or "All" in names


@pytest.mark.spec("Receiving")
def test_one_long_poll_with_the_workers_settings(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    send(rival, queue, "a")
    Worker(sqs, queue, Handler()).poll_once()
    receives = rec.named("ReceiveMessage")
    assert len(receives) == 1, "poll_once makes exactly one ReceiveMessage call"
    params = receives[0].params
    got = {k: params.get(k) for k in ("WaitTimeSeconds", "MaxNumberOfMessages")}
    assert got == {"WaitTimeSeconds": 20, "MaxNumberOfMessages": 10}, "long polling, full batch"
    assert params.get("VisibilityTimeout") == 30
    assert receive_count_requested(receives[0]), "ask for ApproximateReceiveCount"


@pytest.mark.spec("Receiving")
def test_receive_uses_the_given_settings(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    send(rival, queue, "a")
    Worker(sqs, queue, Handler(), visibility_timeout=45, wait_seconds=7, batch_size=3).poll_once()
    params = rec.named("ReceiveMessage")[0].params
    got = {
        k: params.get(k) for k in ("WaitTimeSeconds", "MaxNumberOfMessages", "VisibilityTimeout")
    }
    assert got == {"WaitTimeSeconds": 7, "MaxNumberOfMessages": 3, "VisibilityTimeout": 45}


@pytest.mark.spec("Receiving")
def test_a_batch_is_handled_in_order(sqs: Any, rival: Any, queue: str, clock: Any) -> None:
    ids = send(rival, queue, "a", "b", "c", "d")
    handler = Handler()
    result = Worker(sqs, queue, handler, batch_size=3).poll_once()
    assert isinstance(result, PollResult)
    assert len(result.received) == 3 and set(result.received) <= set(ids)
    assert [d.message_id for d in handler.deliveries] == result.received
    assert result.processed == result.received
    assert (result.duplicates, result.failed, result.undeleted) == ([], [], [])
    sent = dict(zip(ids, "abcd"))
    got = [(d.body, d.receive_count) for d in handler.deliveries]
    assert got == [(sent[i], 1) for i in result.received], (
        "Delivery.body is the message body and Delivery.receive_count the int "
        "ApproximateReceiveCount (1 on a first delivery)"
    )
    assert counts(rival, queue) == (1, 0), "three handled and deleted, one left"


@pytest.mark.spec("Receiving")
def test_an_empty_queue_gives_an_empty_result(
    sqs: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    result = Worker(sqs, queue, Handler(), wait_seconds=0).poll_once()
    assert result == PollResult([], [], [], [], [])
    assert rec.named("DeleteMessageBatch", "DeleteMessage") == []


@pytest.mark.spec("Receiving")
def test_long_polling_waits_for_a_message(sqs: Any, rival: Any, queue: str) -> None:
    # Real time, briefly: a long poll that is under way when a message arrives
    # returns it; a short poll (WaitTimeSeconds=0) would already have returned.
    handler = Handler()
    out: dict[str, Any] = {}
    worker = Worker(sqs, queue, handler, wait_seconds=5)
    thread = threading.Thread(target=lambda: out.update(result=worker.poll_once()), daemon=True)
    thread.start()
    time.sleep(0.3)
    send(rival, queue, "late")
    thread.join(10)
    assert handler.bodies == ["late"], "the poll must wait (WaitTimeSeconds) for the message"


# -- Visibility -----------------------------------------------------------------


@pytest.mark.spec("Visibility")
@pytest.mark.weight(2)
def test_heartbeats_keep_a_slow_message_hidden(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    send(rival, queue, "slow")
    seen_by_rival: list[list[str]] = []

    def slow(delivery: Delivery) -> None:
        for _ in range(2):
            clock.tick(20)  # 20 s of work
            delivery.heartbeat()
        clock.tick(20)  # 60 s in: twice the visibility timeout
        seen_by_rival.append(visible(rival, queue))
        seen_by_rival.append(
            [c.params["ReceiptHandle"] for c in rec.named("ChangeMessageVisibility")]
        )
        seen_by_rival.append([delivery.receipt_handle])

    result = Worker(sqs, queue, slow, visibility_timeout=30).poll_once()
    hidden, handles, (mine,) = seen_by_rival
    assert hidden == [], "the message was delivered to a second consumer while being worked on"
    extensions = rec.named("ChangeMessageVisibility")
    assert [c.params["VisibilityTimeout"] for c in extensions] == [30, 30]
    assert handles == [mine, mine], "extend this delivery's receipt handle"
    assert result.processed == result.received and counts(rival, queue) == (0, 0)


@pytest.mark.spec("Visibility")
def test_a_heartbeat_with_half_the_timeout_left_makes_no_call(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    send(rival, queue, "job")
    beats: list[tuple[float, int]] = []

    def work(delivery: Delivery) -> None:
        elapsed = 0.0
        # 5 s in; 15 s in (exactly half of 30 s left: still no call); 15.5 s in
        # (less than half left: extend); and again at once (a full timeout left).
        for step in (5, 10, 0.5, 0):
            clock.tick(step)
            elapsed += step
            delivery.heartbeat()
            beats.append((elapsed, len(rec.named("ChangeMessageVisibility"))))

    Worker(sqs, queue, work).poll_once()
    assert beats == [(5, 0), (15, 0), (15.5, 1), (15.5, 1)], (
        "(seconds after the receive, ChangeMessageVisibility calls so far) at each heartbeat "
        "of a 30 s timeout: extend only when less than half (15 s) is left, i.e. not at 15 s "
        "but at 15.5 s, and not again right after the extension"
    )


@pytest.mark.spec("Visibility")
def test_half_of_an_odd_timeout(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    send(rival, queue, "job")
    calls: list[int] = []

    def work(delivery: Delivery) -> None:
        clock.tick(15.8)  # 15.2 of 31 s left: less than half (15.5)
        delivery.heartbeat()
        calls.append(len(rec.named("ChangeMessageVisibility")))

    Worker(sqs, queue, work, visibility_timeout=31).poll_once()
    assert calls == [1], "15.2 s left is less than half of 31 s: extend"


@pytest.mark.spec("Visibility")
def test_a_late_heartbeat_still_extends(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    send(rival, queue, "job")
    seen: list[Any] = []

    def work(delivery: Delivery) -> None:
        clock.tick(35)  # the visibility lapsed 5 s ago, and nobody took the message yet
        delivery.heartbeat()
        seen.append(len(rec.named("ChangeMessageVisibility")))
        clock.tick(20)
        seen.append(visible(rival, queue))

    Worker(sqs, queue, work).poll_once()
    assert seen == [1, []], "no time left is less than half: extend, and it stays hidden"


@pytest.mark.spec("Visibility")
def test_the_workers_timeout_overrides_the_queues(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    send(rival, queue, "job")  # the queue's VisibilityTimeout is 30
    seen: list[Any] = []

    def work(delivery: Delivery) -> None:
        clock.tick(40)
        seen.append(visible(rival, queue))
        delivery.heartbeat()  # 20 of 60 s left: extend by 60
        seen.append([c.params["VisibilityTimeout"] for c in rec.named("ChangeMessageVisibility")])

    Worker(sqs, queue, work, visibility_timeout=60).poll_once()
    assert seen == [[], [60]], "received with VisibilityTimeout=60, extended by 60"


# -- Retries --------------------------------------------------------------------


@pytest.mark.spec("Retries")
@pytest.mark.weight(2)
def test_a_failed_message_comes_back_after_the_retry_delay(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    (mid,) = send(rival, queue, "flaky")
    handler = Handler(fail={"flaky"})
    worker = Worker(sqs, queue, handler, retry_delay=5)
    result = worker.poll_once()
    assert result.failed == [mid] and result.processed == [] and result.undeleted == []
    assert rec.named("DeleteMessageBatch", "DeleteMessage") == [], "a failed message stays"
    releases = rec.named("ChangeMessageVisibility")
    assert [c.params["VisibilityTimeout"] for c in releases] == [5], "retry after retry_delay"
    assert releases[0].params["ReceiptHandle"] == handler.deliveries[0].receipt_handle
    clock.tick(4)
    assert counts(rival, queue) == (0, 1), "hidden during the retry delay"
    clock.tick(2)
    handler.fail.clear()
    result = worker.poll_once()
    assert result.processed == [mid], "the retry is delivered to the worker and handled"
    assert [d.receive_count for d in handler.deliveries] == [1, 2]
    assert counts(rival, queue) == (0, 0)


@pytest.mark.spec("Retries")
def test_the_retry_delay_doubles_and_is_capped(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    send(rival, queue, "flaky")
    worker = Worker(sqs, queue, Handler(fail={"flaky"}), retry_delay=5)
    for wait in (5, 10, 20):
        worker.poll_once()
        clock.tick(wait + 1)
    delays = [c.params["VisibilityTimeout"] for c in rec.named("ChangeMessageVisibility")]
    assert delays == [5, 10, 20], "retry_delay * 2 ** (receive_count - 1)"
    rec.clear()
    slow = Worker(sqs, queue, Handler(fail={"flaky"}), retry_delay=300)
    for wait in (300 * 8, MAX_RETRY_DELAY):
        slow.poll_once()  # receive counts 4 and 5
        clock.tick(wait + 1)
    delays = [c.params["VisibilityTimeout"] for c in rec.named("ChangeMessageVisibility")]
    assert delays == [MAX_RETRY_DELAY, MAX_RETRY_DELAY] == [900, 900], "capped at 900 s"


@pytest.mark.spec("Retries")
def test_the_default_retry_delay_is_5_seconds(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    send(rival, queue, "flaky")
    worker = Worker(sqs=sqs, queue_url=queue, handler=Handler(fail={"flaky"}))
    worker.poll_once()
    clock.tick(6)
    worker.poll_once()
    delays = [c.params["VisibilityTimeout"] for c in rec.named("ChangeMessageVisibility")]
    assert delays == [5, 10], (
        "retry_delay defaults to 5 s: the releases of receive counts 1 and 2 are 5 and 10 s"
    )


@pytest.mark.spec("Retries")
def test_a_failure_does_not_stop_the_batch(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    a, b, c = send(rival, queue, "a", "b", "c")
    handler = Handler(fail={"b"})
    result = Worker(sqs, queue, handler).poll_once()
    assert handler.bodies == ["a", "b", "c"]
    assert (result.processed, result.failed) == ([a, c], [b])
    (batch,) = rec.named("DeleteMessageBatch")
    deleted = {e["ReceiptHandle"] for e in batch.params["Entries"]}
    by_body = {d.body: d.receipt_handle for d in handler.deliveries}
    assert deleted == {by_body["a"], by_body["c"]}, "delete the finished ones, not the failed"
    assert counts(rival, queue) == (0, 1)


# -- Duplicates -----------------------------------------------------------------


def fail_every_entry(call: BotoCall) -> dict[str, Any]:
    """DeleteMessageBatch's response when every entry failed server-side (not sent)."""
    failed = [
        {"Id": e["Id"], "SenderFault": False, "Code": "InternalError", "Message": "try again"}
        for e in call.params["Entries"]
    ]
    return {"Successful": [], "Failed": failed}


@pytest.mark.spec("Duplicates")
@pytest.mark.weight(2)
def test_a_redelivered_message_is_handled_once(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    (mid,) = send(rival, queue, "charge")
    handler = Handler()
    worker = Worker(sqs, queue, handler)
    rec.respond("DeleteMessageBatch", fail_every_entry)  # the delete is lost
    first = worker.poll_once()
    assert first.processed == [mid] and first.undeleted == [mid]
    clock.tick(31)  # the visibility timeout lapses: SQS delivers the message again
    again = worker.poll_once()
    assert again.received == [mid] and again.duplicates == [mid] and again.processed == []
    assert handler.bodies == ["charge"], "a duplicate delivery must not run the handler again"
    assert counts(rival, queue) == (0, 0), "the duplicate is deleted"


@pytest.mark.spec("Duplicates")
def test_the_processed_store_is_the_one_given(sqs: Any, rival: Any, queue: str, clock: Any) -> None:
    done, fresh = send(rival, queue, "done", "fresh")
    store = {done}  # another worker finished "done" but its delete was lost
    handler = Handler()
    result = Worker(sqs, queue, handler, processed=store).poll_once()
    assert handler.bodies == ["fresh"], "a MessageId already in processed must skip the handler"
    assert (result.duplicates, result.processed) == ([done], [fresh])
    assert store == {done, fresh}, "a processed MessageId goes into the given store"
    assert counts(rival, queue) == (0, 0)


@pytest.mark.spec("Duplicates")
def test_a_message_is_marked_only_after_the_handler_returned(
    sqs: Any, rival: Any, queue: str, clock: Any
) -> None:
    (mid,) = send(rival, queue, "flaky")
    store: set[str] = set()
    marked_during: list[bool] = []

    def flaky(delivery: Delivery) -> None:
        marked_during.append(delivery.message_id in store)
        if delivery.receive_count == 1:
            raise RuntimeError("downstream timed out")

    worker = Worker(sqs, queue, flaky, processed=store, retry_delay=1)
    assert worker.poll_once().failed == [mid]
    assert store == set(), "a failed message must not be marked processed"
    clock.tick(2)
    assert worker.poll_once().processed == [mid], "its retry must run the handler again"
    assert marked_during == [False, False], "mark after the handler returned, not before"
    assert store == {mid}, (
        "the MessageId is added to the store passed in as processed, also when that store "
        "is empty (`processed or set()` would replace an empty set with a new one)"
    )


# -- Deleting -------------------------------------------------------------------


@pytest.mark.spec("Deleting")
@pytest.mark.weight(2)
def test_finished_messages_are_deleted_in_one_batch(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    send(rival, queue, *"abcde")
    handler = Handler()
    Worker(sqs, queue, handler).poll_once()
    assert rec.named("DeleteMessage") == [], "use DeleteMessageBatch, not DeleteMessage"
    batches = rec.named("DeleteMessageBatch")
    assert len(batches) == 1, f"{len(batches)} DeleteMessageBatch calls: one per poll"
    entries = batches[0].params["Entries"]
    assert batches[0].params["QueueUrl"] == queue
    assert sorted(e["ReceiptHandle"] for e in entries) == sorted(
        d.receipt_handle for d in handler.deliveries
    )
    assert len({e["Id"] for e in entries}) == 5, "entry Ids must be unique in the call"
    assert counts(rival, queue) == (0, 0), "the queue is empty"
    clock.tick(31)
    assert visible(rival, queue) == [], "deleted messages never come back"


@pytest.mark.spec("Deleting")
def test_failed_entries_are_reported_and_redelivered_as_duplicates(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    ids = send(rival, queue, "a", "b", "c")
    handler = Handler()

    def lose_b(call: BotoCall) -> dict[str, Any]:
        # The service deletes every entry but b's, and reports b's as failed.
        b_handle = next(d.receipt_handle for d in handler.deliveries if d.body == "b")
        entries = call.params["Entries"]
        b_entry = next(e for e in entries if e["ReceiptHandle"] == b_handle)
        others = [e for e in entries if e is not b_entry]
        done = rival.delete_message_batch(QueueUrl=queue, Entries=others)
        failed = {
            "Id": b_entry["Id"],
            "SenderFault": False,
            "Code": "InternalError",
            "Message": "x",
        }
        return {"Successful": done["Successful"], "Failed": [*done.get("Failed", []), failed]}

    rec.respond("DeleteMessageBatch", lose_b)
    result = Worker(sqs, queue, handler).poll_once()
    assert result.processed == result.received and sorted(result.received) == sorted(ids)
    assert result.undeleted == [ids[1]], "the entry in Failed was not deleted"
    assert counts(rival, queue) == (0, 1), "a and c deleted, b still in flight"
    clock.tick(31)
    again = Worker(sqs, queue, handler, processed=set(result.processed)).poll_once()
    assert (again.duplicates, again.processed) == ([ids[1]], [])
    assert sorted(handler.bodies) == ["a", "b", "c"]
    assert counts(rival, queue) == (0, 0)


@pytest.mark.spec("Deleting")
def test_receipt_handles_invalid_by_the_time_of_the_delete(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    ids = send(rival, queue, "a", "b")
    # The queue is purged while the worker works: moto reports each entry in
    # Failed (ReceiptHandleIsInvalid, SenderFault) and the call itself succeeds.
    rec.before("DeleteMessageBatch", lambda call: rival.purge_queue(QueueUrl=queue))
    result = Worker(sqs, queue, Handler()).poll_once()
    assert sorted(result.undeleted) == sorted(ids)
    assert result.undeleted == result.processed, "undeleted in received order"


@pytest.mark.spec("Deleting")
def test_nothing_to_delete_makes_no_delete_call(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    send(rival, queue, "a", "b")
    result = Worker(sqs, queue, Handler(fail={"a", "b"})).poll_once()
    assert len(result.failed) == 2, (
        f"both handlers raised: PollResult.failed lists both MessageIds; got {result}"
    )
    assert rec.named("DeleteMessageBatch", "DeleteMessage") == [], "SQS rejects an empty batch"


# -- Validation -----------------------------------------------------------------


@pytest.mark.spec("Validation")
@pytest.mark.parametrize(
    "kwargs",
    [
        {"batch_size": 0},
        {"batch_size": 11},
        {"wait_seconds": -1},
        {"wait_seconds": 21},
        {"visibility_timeout": 0},
        {"retry_delay": -1},
    ],
    ids=["batch-0", "batch-11", "wait-neg", "wait-21", "visibility-0", "retry-neg"],
)
def test_invalid_settings_are_rejected(sqs: Any, queue: str, kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        Worker(sqs, queue, Handler(), **kwargs)


@pytest.mark.spec("Validation")
def test_limits_are_accepted(sqs: Any, rival: Any, queue: str, clock: Any) -> None:
    send(rival, queue, "a")
    for kwargs in (
        {"batch_size": 1, "wait_seconds": 0, "visibility_timeout": 1, "retry_delay": 0},
        {"batch_size": 10, "wait_seconds": 20},
    ):
        Worker(sqs, queue, Handler(), **kwargs)


# -- The clock of a batch -------------------------------------------------------


@pytest.mark.spec("Visibility")
def test_every_message_of_a_batch_counts_from_the_receive(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    send(rival, queue, "a", "b")
    handled: list[Delivery] = []

    def work(delivery: Delivery) -> None:
        handled.append(delivery)
        if len(handled) == 1:
            clock.tick(20)  # the first message of the batch takes 20 s
        else:
            delivery.heartbeat()  # 10 of the second message's 30 s are left

    result = Worker(sqs, queue, work, visibility_timeout=30).poll_once()
    assert len(result.received) == 2, "both messages arrive in one batch"
    handles = [c.params["ReceiptHandle"] for c in rec.named("ChangeMessageVisibility")]
    assert handles == [handled[1].receipt_handle], (
        "the second message was received with the first, 20 s before its heartbeat: 10 of "
        "its 30 s are left, less than half, so extend it (once). Its visibility counts from "
        "the ReceiveMessage call, not from when its own handler started"
    )


@pytest.mark.spec("Visibility")
def test_the_clock_is_read_before_the_receive_call(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    send(rival, queue, "job")
    # The ReceiveMessage call takes 20 s (a long poll, a slow network, botocore's
    # retries): SQS may have started the visibility timeout at any moment of it.
    rec.before("ReceiveMessage", lambda call: clock.tick(20))
    calls: list[int] = []

    def work(delivery: Delivery) -> None:
        delivery.heartbeat()
        calls.append(len(rec.named("ChangeMessageVisibility")))

    Worker(sqs, queue, work, visibility_timeout=30).poll_once()
    assert calls == [1], (
        "the receive call took 20 s, so only 10 of the 30 s are sure to be left at a heartbeat "
        "right after it: extend. Read the clock just before the ReceiveMessage call, not "
        "after it returned"
    )


# -- Not an Exception -----------------------------------------------------------


class Shutdown(BaseException):
    """Like KeyboardInterrupt or SystemExit: a BaseException that is not an Exception."""


@pytest.mark.spec("Retries")
def test_a_base_exception_from_the_handler_propagates(
    sqs: Any, rival: Any, queue: str, rec: BotoRecorder, clock: Any
) -> None:
    (mid,) = send(rival, queue, "job")
    store: set[str] = set()
    calls: list[str] = []

    def interrupted(delivery: Delivery) -> None:
        calls.append(delivery.body)
        raise Shutdown

    worker = Worker(sqs, queue, interrupted, processed=store)
    with pytest.raises(Shutdown):
        worker.poll_once()
    assert calls == ["job"]
    assert rec.named("DeleteMessageBatch", "DeleteMessage") == [], (
        "a BaseException (KeyboardInterrupt, SystemExit) is not a handler failure: it "
        "propagates out of poll_once and the message is not deleted"
    )
    assert store == set(), f"{mid} was not processed: it must not be marked"
    assert counts(rival, queue) == (0, 1), "the message stays in the queue, in flight"
