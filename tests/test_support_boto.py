"""Tests of AwsMock and BotoRecorder in grader/kata_support.py, on boto3 clients backed by moto."""

from __future__ import annotations

import datetime
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from grader.kata_support import AWS_TEST_ENVIRONMENT, AwsMock, BotoCall, BotoRecorder, aws_mock


@pytest.fixture
def aws() -> Iterator[AwsMock]:
    with aws_mock() as mocked:
        yield mocked


@pytest.fixture
def sqs(aws: AwsMock) -> Any:
    return aws.client("sqs")


@pytest.fixture
def queue(sqs: Any) -> str:
    return sqs.create_queue(QueueName="jobs")["QueueUrl"]


# --- AwsMock ------------------------------------------------------------------------


def test_the_environment_is_overridden_while_on_and_restored_after(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    real = tmp_path / "credentials"
    real.write_text("[default]\naws_access_key_id = AKIAREAL\naws_secret_access_key = real\n")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREAL")
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(real))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://real.invalid")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    before = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    with aws_mock(region="eu-west-1") as aws:
        during = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
        sqs = aws.client("sqs")
        credentials = sqs._request_signer._credentials
    assert {k: v for k, v in os.environ.items() if k.startswith("AWS_")} == before
    assert "AWS_PROFILE" not in during and "AWS_ENDPOINT_URL" not in during
    assert during["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert during["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert set(AWS_TEST_ENVIRONMENT) <= set(during)
    assert credentials.access_key != "AKIAREAL", "the real credentials were read"
    assert sqs.meta.region_name == "eu-west-1"
    assert sqs.meta.endpoint_url == "https://sqs.eu-west-1.amazonaws.com"


def test_calls_are_answered_in_process_without_the_network(
    aws: AwsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    assert sqs.list_queues()["QueueUrls"] == [url]


def test_reset_empties_the_mocked_services_and_keeps_the_clients(sqs: Any, aws: AwsMock) -> None:
    sqs.create_queue(QueueName="jobs")
    aws.reset()
    assert sqs.list_queues().get("QueueUrls", []) == []
    sqs.create_queue(QueueName="again")
    assert [u.rsplit("/", 1)[1] for u in sqs.list_queues()["QueueUrls"]] == ["again"]


def test_a_new_mock_starts_empty() -> None:
    with aws_mock() as aws:
        aws.client("sqs").create_queue(QueueName="jobs")
    with aws_mock() as aws:
        assert aws.client("sqs").list_queues().get("QueueUrls", []) == []


def test_a_fast_client_makes_the_same_calls(aws: AwsMock) -> None:
    fast, plain = aws.client("sqs", fast=True), aws.client("sqs")
    url = fast.create_queue(QueueName="jobs")["QueueUrl"]
    fast.send_message(QueueUrl=url, MessageBody="hello")
    got = plain.receive_message(QueueUrl=url, WaitTimeSeconds=0)["Messages"]
    assert [m["Body"] for m in got] == ["hello"]


def test_clients_need_the_mock_on() -> None:
    aws = aws_mock()
    with pytest.raises(RuntimeError, match="start the AwsMock"):
        aws.client("sqs")
    with aws, pytest.raises(RuntimeError, match="already on"):
        aws.start()


def test_frozen_clock_moves_moto_and_short_polls_sqs(aws: AwsMock, sqs: Any, queue: str) -> None:
    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    frozen_at = datetime.datetime(2026, 1, 5, 9, 0, 0)
    with BotoRecorder(sqs) as rec, aws.frozen_clock("2026-01-05 09:00:00", sqs) as clock:
        got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=20, VisibilityTimeout=30)
        assert [m["Body"] for m in got["Messages"]] == ["hello"]
        # without the short poll, moto would wait for a frozen clock to move 20 s: forever
        again = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=20)
        assert "Messages" not in again, "still hidden: its 30 s have not passed"
        clock.tick(31)
        back = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=20)
        assert [m["Body"] for m in back["Messages"]] == ["hello"], "visible again after 31 s"
        assert datetime.datetime.now() == frozen_at + datetime.timedelta(seconds=31)
    assert [c.params["WaitTimeSeconds"] for c in rec.named("ReceiveMessage")] == [20, 20, 20], (
        "the recorder sees what the code asked for"
    )
    assert datetime.datetime.now() != frozen_at + datetime.timedelta(seconds=31)
    handlers = sqs.meta.events._emitter._unique_id_handlers
    assert not [k for k in handlers if str(k).startswith("kata-short-poll")], "hook removed"


# --- BotoRecorder -------------------------------------------------------------------


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


def test_a_hook_runs_before_the_call_is_sent(aws: AwsMock, sqs: Any, queue: str) -> None:
    rival = aws.client("sqs")
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


def test_what_a_before_hook_returns_is_ignored(aws: AwsMock, sqs: Any, queue: str) -> None:
    rival = aws.client("sqs")
    with BotoRecorder(sqs) as rec:
        rec.before("SendMessage", lambda call: rival.get_queue_url(QueueName="jobs"))
        got = sqs.send_message(QueueUrl=queue, MessageBody="hello")
    assert "MessageId" in got, "the call was sent and its own response returned"
