"""SQS worker — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- sqs_worker
"""

from __future__ import annotations

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
    """Create the dead-letter queue ``<name>-dlq`` and the work queue ``<name>``.

    The DLQ keeps messages ``DLQ_RETENTION_SECONDS``; the work queue has
    ``VisibilityTimeout=visibility_timeout`` and a ``RedrivePolicy`` sending a
    message to the DLQ after ``max_receive_count`` receives.
    """
    raise NotImplementedError


class Delivery:
    """One received message, as the handler sees it. The worker makes these.

    Attributes:
        message_id: the message's MessageId (the same on every delivery).
        body: the message body.
        receipt_handle: this delivery's receipt handle.
        receive_count: ``ApproximateReceiveCount``, 1 on the first delivery.
    """

    message_id: str
    body: str
    receipt_handle: str
    receive_count: int

    def __init__(self, worker: Worker, message: dict[str, Any], received_at: float) -> None:
        """Wrap one message of a ReceiveMessage response (you may change this signature)."""
        raise NotImplementedError

    def heartbeat(self) -> None:
        """Called by a slow handler: extend visibility if less than half the timeout is left.

        The extension is ``ChangeMessageVisibility(VisibilityTimeout=visibility_timeout)``
        for this delivery's receipt handle; with enough time left, no call.
        """
        raise NotImplementedError


@dataclass
class PollResult:
    """What one ``poll_once`` did, as lists of MessageIds in the order received."""

    received: list[str] = field(default_factory=list)
    processed: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    undeleted: list[str] = field(default_factory=list)


class Worker:
    """Consumes ``queue_url``, calling ``handler(delivery)`` once per MessageId.

    Args:
        sqs: a ``boto3.client("sqs")``.
        queue_url: the work queue.
        handler: does the work; returns on success, raises an ``Exception`` on failure.
        processed: the store of finished MessageIds (a new ``set`` by default).
        visibility_timeout: seconds a received message stays hidden (at least 1).
        wait_seconds: the long poll's ``WaitTimeSeconds`` (0 to 20).
        batch_size: ``MaxNumberOfMessages`` (1 to 10).
        retry_delay: the first retry's delay in seconds (not negative).

    Raises:
        ValueError: a setting out of its range.
    """

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
        raise NotImplementedError

    def poll_once(self) -> PollResult:
        """One ReceiveMessage (long polling), each message handled, one DeleteMessageBatch.

        Duplicates (MessageId already processed) are deleted without calling the
        handler; a handler failure leaves the message for a retry after
        ``min(retry_delay * 2 ** (receive_count - 1), MAX_RETRY_DELAY)`` seconds.
        """
        raise NotImplementedError
