"""Timing workload for the stream consumer kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n messages added to a stream, then read,
handled and acknowledged by a consumer of a group, on an in-process fakeredis.
The stream is trimmed after each call, so every call does the same work:
linear in n.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import fakeredis


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    redis = fakeredis.FakeRedis(decode_responses=True)
    handled: list[str] = []
    consumer = module.StreamConsumer(
        redis, "orders", "billing", "worker-1", lambda i, f: handled.append(i), batch=50
    )
    consumer.create_group()
    payloads = [{"order": str(i), "amount": str(i * 7 % 1000)} for i in range(n)]

    def run() -> None:
        for fields in payloads:
            redis.xadd("orders", fields)
        while consumer.process_new():
            pass
        consumer.process_pending()
        redis.xtrim("orders", maxlen=0)
        handled.clear()

    return run
