"""Tests of BotoRecorder in grader/kata_support.py, on boto3 clients backed by moto."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from grader.kata_support import BotoCall, BotoRecorder


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


@pytest.fixture
def sqs(aws: None) -> Any:
    return boto3.client("sqs")


@pytest.fixture
def queue(sqs: Any) -> str:
    return sqs.create_queue(QueueName="jobs")["QueueUrl"]


def test_records_operations_and_their_parameters(sqs: Any, queue: str) -> None:
    with BotoRecorder(sqs) as rec:
        sqs.send_message(QueueUrl=queue, MessageBody="hello")
        sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0, MaxNumberOfMessages=5)
    assert [c.operation for c in rec.calls] == ["SendMessage", "ReceiveMessage"]
    assert rec.named("ReceiveMessage")[0].params == {
        "QueueUrl": queue,
        "WaitTimeSeconds": 0,
        "MaxNumberOfMessages": 5,
    }
    rec.clear()
    assert rec.calls == []


def test_close_removes_the_handlers(sqs: Any, queue: str) -> None:
    rec = BotoRecorder(sqs)
    rec.respond("SendMessage", lambda call: {"MessageId": "never"})
    rec.close()
    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    assert rec.calls == []
    got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0)["Messages"]
    assert [m["Body"] for m in got] == ["hello"], "the call went to the service"


def test_a_hook_runs_before_the_call_is_sent(sqs: Any, queue: str) -> None:
    rival = boto3.client("sqs")
    seen: list[BotoCall] = []

    def rival_drains(call: BotoCall) -> None:
        seen.append(call)
        rival.purge_queue(QueueUrl=queue)

    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    with BotoRecorder(sqs) as rec:
        hook = rec.before("ReceiveMessage", rival_drains)
        got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0)
        again = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0)
    assert "Messages" not in got, "the rival's purge ran before the receive"
    assert "Messages" not in again
    assert hook.fired == 1 and [c.operation for c in seen] == ["ReceiveMessage"]


def test_a_hook_with_a_predicate_and_times(sqs: Any, queue: str) -> None:
    fired: list[str] = []
    with BotoRecorder(sqs) as rec:
        rec.before(lambda c: c.params.get("MessageBody") == "b", lambda c: fired.append("b"), 2)
        for body in "abbb":
            sqs.send_message(QueueUrl=queue, MessageBody=body)
    assert fired == ["b", "b"]


def test_respond_answers_instead_of_sending(sqs: Any, queue: str) -> None:
    failed = {"Id": "0", "SenderFault": False, "Code": "InternalError", "Message": "try again"}
    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    handle = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0)["Messages"][0]["ReceiptHandle"]
    with BotoRecorder(sqs) as rec:
        rec.respond("DeleteMessageBatch", lambda call: {"Successful": [], "Failed": [failed]})
        got = sqs.delete_message_batch(
            QueueUrl=queue, Entries=[{"Id": "0", "ReceiptHandle": handle}]
        )
    assert got["Failed"] == [failed]
    attrs = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1", "the call was not sent"


def test_calls_a_hook_makes_on_the_same_client_run_no_hooks(sqs: Any, queue: str) -> None:
    with BotoRecorder(sqs) as rec:
        hook = rec.before(
            "SendMessage", lambda c: sqs.send_message(QueueUrl=queue, MessageBody="x"), 5
        )
        sqs.send_message(QueueUrl=queue, MessageBody="y")
    assert hook.fired == 1
    assert [c.params["MessageBody"] for c in rec.named("SendMessage")] == ["y", "x"]


def test_what_a_before_hook_returns_is_ignored(sqs: Any, queue: str) -> None:
    rival = boto3.client("sqs")
    with BotoRecorder(sqs) as rec:
        rec.before("SendMessage", lambda call: rival.get_queue_url(QueueName="jobs"))
        got = sqs.send_message(QueueUrl=queue, MessageBody="hello")
    assert "MessageId" in got, "the call was sent and its own response returned"
