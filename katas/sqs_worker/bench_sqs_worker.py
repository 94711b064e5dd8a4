"""Timing workload for the SQS worker kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n messages sent to a queue made by
``create_queues`` two at a time, each two consumed by one ``poll_once`` (a
short poll, one heartbeat per message), on moto's in-process SQS. Every call sends and
consumes the same number of messages, so the total grows linearly in n.

The learner's and the reference's workloads run in turn in one process, on one
mocked AWS (started once, at the first call): each call has its own queues.
Its clients skip request signing and parameter validation, which moto does not
check (the tests, run first, have checked the calls), so a round trip costs
less of moto's overhead and more of it is the code under test.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from types import ModuleType

from grader.kata_support import AwsMock, aws_mock

_CALLS = itertools.count()  # a queue per call: learner and reference share moto


@functools.cache
def _aws() -> AwsMock:
    return aws_mock().start()  # stays on for the timing process


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    aws = _aws()
    sqs, producer = aws.client("sqs", fast=True), aws.client("sqs", fast=True)
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
