"""Correct: MessageIds as batch entry Ids, deadlines kept by the worker, a closure heartbeat.

The Delivery is a plain dataclass whose heartbeat is a callback into the
worker; the worker keeps each in-flight receipt handle's deadline in a dict,
asks for ``AttributeNames=["All"]``, and uses the (unique, valid) MessageIds
themselves as the DeleteMessageBatch entry Ids.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, MutableSet
from dataclasses import dataclass, field
from typing import Any

DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60
MAX_RETRY_DELAY = 15 * 60


@dataclass(frozen=True)
class QueueUrls:
    queue_url: str
    dlq_url: str


def create_queues(
    sqs: Any, name: str, *, visibility_timeout: int = 30, max_receive_count: int = 5
) -> QueueUrls:
    dlq_url = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    sqs.set_queue_attributes(
        QueueUrl=dlq_url, Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)}
    )
    attrs = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["All"])["Attributes"]
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.set_queue_attributes(
        QueueUrl=queue_url,
        Attributes={
            "VisibilityTimeout": str(visibility_timeout),
            "RedrivePolicy": json.dumps(
                {"maxReceiveCount": max_receive_count, "deadLetterTargetArn": attrs["QueueArn"]}
            ),
        },
    )
    return QueueUrls(queue_url=queue_url, dlq_url=dlq_url)


@dataclass
class Delivery:
    message_id: str
    body: str
    receipt_handle: str
    receive_count: int
    _beat: Callable[[str], None] = field(repr=False)

    def heartbeat(self) -> None:
        self._beat(self.receipt_handle)


@dataclass
class PollResult:
    received: list[str] = field(default_factory=list)
    processed: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    undeleted: list[str] = field(default_factory=list)


class Worker:
    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        handler: Callable[[Delivery], object],
        *,
        processed: MutableSet[str] | None = None,
        visibility_timeout: int = 30,
        wait_seconds: int = 20,
        batch_size: int = 10,
        retry_delay: int = 5,
    ) -> None:
        checks = [
            (batch_size in range(1, 11), "batch_size"),
            (wait_seconds in range(21), "wait_seconds"),
            (visibility_timeout >= 1, "visibility_timeout"),
            (retry_delay >= 0, "retry_delay"),
        ]
        for ok, name in checks:
            if not ok:
                raise ValueError(f"{name} is out of range")
        self._sqs = sqs
        self._url = queue_url
        self._handler = handler
        self._done = processed if processed is not None else set()
        self._timeout = visibility_timeout
        self._wait = wait_seconds
        self._batch = batch_size
        self._retry = retry_delay
        self._deadlines: dict[str, float] = {}

    def _beat(self, handle: str) -> None:
        now = time.monotonic()
        if 2 * (self._deadlines[handle] - now) < self._timeout:
            self._sqs.change_message_visibility(
                QueueUrl=self._url, ReceiptHandle=handle, VisibilityTimeout=self._timeout
            )
            self._deadlines[handle] = now + self._timeout

    def poll_once(self) -> PollResult:
        deadline = time.monotonic() + self._timeout
        response = self._sqs.receive_message(
            QueueUrl=self._url,
            AttributeNames=["All"],
            MaxNumberOfMessages=self._batch,
            VisibilityTimeout=self._timeout,
            WaitTimeSeconds=self._wait,
        )
        result = PollResult()
        to_delete: dict[str, str] = {}
        for raw in response.get("Messages", []):
            d = Delivery(
                raw["MessageId"],
                raw["Body"],
                raw["ReceiptHandle"],
                int(raw["Attributes"]["ApproximateReceiveCount"]),
                self._beat,
            )
            result.received.append(d.message_id)
            self._deadlines[d.receipt_handle] = deadline
            try:
                if d.message_id in self._done:
                    result.duplicates.append(d.message_id)
                else:
                    try:
                        self._handler(d)
                    except Exception:
                        result.failed.append(d.message_id)
                        backoff = self._retry << (d.receive_count - 1)
                        self._sqs.change_message_visibility(
                            QueueUrl=self._url,
                            ReceiptHandle=d.receipt_handle,
                            VisibilityTimeout=min(backoff, MAX_RETRY_DELAY),
                        )
                        continue
                    self._done.add(d.message_id)
                    result.processed.append(d.message_id)
                to_delete[d.message_id] = d.receipt_handle
            finally:
                del self._deadlines[d.receipt_handle]
        if to_delete:
            answer = self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": mid, "ReceiptHandle": h} for mid, h in to_delete.items()],
            )
            failed = {f["Id"] for f in answer.get("Failed", [])}
            result.undeleted = [mid for mid in result.received if mid in failed]
        return result
