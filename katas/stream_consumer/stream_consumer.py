"""Redis Streams consumer group — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- stream_consumer
"""

from __future__ import annotations

import json  # noqa: F401  (the dead-letter entry's fields)
from collections.abc import Callable
from typing import Any

from redis.exceptions import ResponseError  # noqa: F401  (BUSYGROUP)

Handler = Callable[[str, dict[str, str]], object]
"""``handler(message_id, fields)``: processes one message; raising leaves it pending."""


class StreamConsumer:
    """One consumer, named ``consumer``, of the group ``group`` on ``stream``.

    Args:
        redis: a ``redis.Redis`` client (``decode_responses=True``).
        stream: the stream's key.
        group: the consumer group's name.
        consumer: this consumer's name; a new object with the same name is the
            same consumer after a restart.
        handler: called as ``handler(message_id, fields)`` for each message.
        max_deliveries: a recovered message whose delivery count exceeds this
            is dead-lettered instead of handled; at least 1.
        min_idle_ms: ``reclaim`` takes over messages not delivered for at
            least this many milliseconds; not negative.
        batch: the ``COUNT`` of each ``XREADGROUP`` and ``XAUTOCLAIM``; at least 1.
        dead_letter: the dead-letter stream's key; ``f"{stream}:dead-letter"``
            when ``None``.

    Raises:
        ValueError: a number out of range.
    """

    stream: str
    group: str
    consumer: str
    dead_letter: str

    def __init__(
        self,
        redis: Any,
        stream: str,
        group: str,
        consumer: str,
        handler: Handler,
        *,
        max_deliveries: int = 3,
        min_idle_ms: int = 60_000,
        batch: int = 10,
        dead_letter: str | None = None,
    ) -> None:
        raise NotImplementedError

    def create_group(self) -> None:
        """``XGROUP CREATE <stream> <group> 0 MKSTREAM``; an existing group (BUSYGROUP) is fine.

        Raises:
            redis.exceptions.ResponseError: any other error (e.g. WRONGTYPE).
        """
        raise NotImplementedError

    def process_new(self) -> list[str]:
        """Read up to ``batch`` new messages (``>``); handle, then ``XACK``, each in order.

        Returns the IDs finished. An exception from the handler propagates and
        leaves that message and the rest of the batch pending.
        """
        raise NotImplementedError

    def process_pending(self) -> list[str]:
        """Re-read this consumer's own pending messages from ID ``0`` and finish each.

        Reads again after the last ID until a read returns nothing. Each
        message is dead-lettered if its delivery count exceeds
        ``max_deliveries``, else handled and acknowledged. Returns the IDs finished.
        """
        raise NotImplementedError

    def reclaim(self) -> list[str]:
        """``XAUTOCLAIM`` messages idle for ``min_idle_ms``, cursor from ``0-0`` until ``0-0``.

        Each claimed message is finished as in ``process_pending``. Returns the
        IDs finished.
        """
        raise NotImplementedError
