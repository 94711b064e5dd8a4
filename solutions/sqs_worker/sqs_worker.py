"""SQS worker — the reference solution.

``create_queues`` makes the dead-letter queue first (its ARN goes into the
source queue's ``RedrivePolicy``). ``Worker.poll_once`` is one long poll, each
message handled once by its MessageId, failures released for a retry with an
exponential delay, and every finished message deleted in one
``DeleteMessageBatch`` whose ``Failed`` entries are reported, not ignored.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, MutableSet
from dataclasses import dataclass, field
from typing import Any

DLQ_RETENTION_SECONDS = 1_209_600
"""14 days, SQS's longest retention: the dead-letter queue keeps messages for a human."""

MAX_RETRY_DELAY = 900
"""The longest retry delay, in seconds."""


@dataclass(frozen=True)
class QueueUrls:
    """The URLs of a work queue and of its dead-letter queue."""

    queue_url: str
    dlq_url: str


def create_queues(
    sqs: Any, name: str, *, visibility_timeout: int = 30, max_receive_count: int = 5
) -> QueueUrls:
    """Create ``<name>-dlq`` and ``<name>``, which redrives to it after ``max_receive_count``."""
    dlq_url = sqs.create_queue(
        QueueName=f"{name}-dlq",
        Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)},
    )["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
    queue_url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(visibility_timeout),
            "RedrivePolicy": json.dumps(redrive),
        },
    )["QueueUrl"]
    return QueueUrls(queue_url, dlq_url)


class Delivery:
    """One received message, as the handler sees it."""

    def __init__(self, worker: Worker, message: dict[str, Any], received_at: float) -> None:
        self._worker = worker
        self.message_id: str = message["MessageId"]
        self.body: str = message["Body"]
        self.receipt_handle: str = message["ReceiptHandle"]
        self.receive_count: int = int(message["Attributes"]["ApproximateReceiveCount"])
        self._lapses_at = received_at + worker.visibility_timeout

    def heartbeat(self) -> None:
        """Extend the message's visibility when less than half of the timeout is left."""
        timeout = self._worker.visibility_timeout
        now = time.monotonic()
        if self._lapses_at - now < timeout / 2:
            self._worker.sqs.change_message_visibility(
                QueueUrl=self._worker.queue_url,
                ReceiptHandle=self.receipt_handle,
                VisibilityTimeout=timeout,
            )
            self._lapses_at = now + timeout


@dataclass
class PollResult:
    """What one ``poll_once`` did, as lists of MessageIds in the order received."""

    received: list[str] = field(default_factory=list)
    processed: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    undeleted: list[str] = field(default_factory=list)


class Worker:
    """Consumes ``queue_url``, calling ``handler(delivery)`` once per message."""

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
        if not 1 <= batch_size <= 10:
            raise ValueError(f"batch_size must be 1 to 10, not {batch_size}")
        if not 0 <= wait_seconds <= 20:
            raise ValueError(f"wait_seconds must be 0 to 20, not {wait_seconds}")
        if visibility_timeout < 1:
            raise ValueError(f"visibility_timeout must be positive, not {visibility_timeout}")
        if retry_delay < 0:
            raise ValueError(f"retry_delay must not be negative, not {retry_delay}")
        self.sqs = sqs
        self.queue_url = queue_url
        self.handler = handler
        self.processed: MutableSet[str] = set() if processed is None else processed
        self.visibility_timeout = visibility_timeout
        self.wait_seconds = wait_seconds
        self.batch_size = batch_size
        self.retry_delay = retry_delay

    def poll_once(self) -> PollResult:
        """Receive one batch (long polling), handle it, and delete what is done."""
        result = PollResult()
        received_at = time.monotonic()
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=self.wait_seconds,
            VisibilityTimeout=self.visibility_timeout,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        ).get("Messages", [])
        done: list[Delivery] = []
        for message in messages:
            delivery = Delivery(self, message, received_at)
            result.received.append(delivery.message_id)
            if delivery.message_id in self.processed:
                result.duplicates.append(delivery.message_id)
                done.append(delivery)
                continue
            try:
                self.handler(delivery)
            except Exception:
                result.failed.append(delivery.message_id)
                self._release(delivery)
                continue
            self.processed.add(delivery.message_id)
            result.processed.append(delivery.message_id)
            done.append(delivery)
        if done:
            result.undeleted = self._delete(done)
        return result

    def _release(self, delivery: Delivery) -> None:
        """Make a failed message visible again after its retry delay."""
        delay = min(self.retry_delay * 2 ** (delivery.receive_count - 1), MAX_RETRY_DELAY)
        self.sqs.change_message_visibility(
            QueueUrl=self.queue_url,
            ReceiptHandle=delivery.receipt_handle,
            VisibilityTimeout=delay,
        )

    def _delete(self, done: list[Delivery]) -> list[str]:
        """Delete ``done`` in one batch; the MessageIds of the entries that failed."""
        entries = [{"Id": str(i), "ReceiptHandle": d.receipt_handle} for i, d in enumerate(done)]
        response = self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
        failed = {entry["Id"] for entry in response.get("Failed", [])}
        return [d.message_id for i, d in enumerate(done) if str(i) in failed]
