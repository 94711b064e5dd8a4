"""Timing workload for the SQS worker kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n messages sent to a queue made by
``create_queues`` two at a time, each two consumed by one ``poll_once`` (a
short poll, one heartbeat per message), on moto's in-process SQS. Every call sends and
consumes the same number of messages, so the total grows linearly in n.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from types import ModuleType

import boto3
from moto import mock_aws

_CALLS = itertools.count()  # one table or queue per call: learner and reference share moto


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    mock_aws().start()  # stays on for the timing process
    sqs = boto3.client("sqs", region_name="us-east-1")
    producer = boto3.client("sqs", region_name="us-east-1")
    urls = module.create_queues(sqs, f"bench-{n}-{next(_CALLS)}", max_receive_count=3)
    bodies = [f"job-{i}" for i in range(n)]

    def handle(delivery: object) -> None:
        delivery.heartbeat()  # type: ignore[attr-defined]

    def run() -> None:
        worker = module.Worker(sqs, urls.queue_url, handle, wait_seconds=0)
        for start in range(0, n, 2):  # a short backlog: moto's receive scans the queue
            entries = [
                {"Id": str(i), "MessageBody": body}
                for i, body in enumerate(bodies[start : start + 2])
            ]
            producer.send_message_batch(QueueUrl=urls.queue_url, Entries=entries)
            result = worker.poll_once()
            if len(result.processed) != len(entries):
                raise RuntimeError(f"{len(entries)} sent, {len(result.processed)} processed")

    return run
