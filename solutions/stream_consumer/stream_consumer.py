"""Reference solution: a Redis Streams consumer in a consumer group.

New messages come from ``XREADGROUP … >``; a message is acknowledged with
``XACK`` only after the handler returned, so a crash leaves it pending. After
a restart the consumer first re-reads its own pending entries (``XREADGROUP``
with an ID, from ``0`` on). Messages stuck with a dead consumer are taken over
with ``XAUTOCLAIM``, its cursor followed until ``0-0``. Every delivery adds
one to a message's delivery count; a recovered message whose count (read with
``XPENDING``'s extended form right after the delivery) exceeds
``max_deliveries`` goes to the dead-letter stream instead of the handler, and
is acknowledged in the same ``MULTI``/``EXEC`` transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from redis.exceptions import ResponseError

Handler = Callable[[str, dict[str, str]], object]
Entry = tuple[str, dict[str, str]]


class StreamConsumer:
    """One consumer, named ``consumer``, of the group ``group`` on ``stream``."""

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
        if max_deliveries < 1:
            raise ValueError(f"max_deliveries must be at least 1, got {max_deliveries}")
        if min_idle_ms < 0:
            raise ValueError(f"min_idle_ms must not be negative, got {min_idle_ms}")
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        self._redis = redis
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self._handler = handler
        self._max_deliveries = max_deliveries
        self._min_idle_ms = min_idle_ms
        self._batch = batch
        self.dead_letter = dead_letter if dead_letter is not None else f"{stream}:dead-letter"

    def create_group(self) -> None:
        """Create the group at the stream's start (and the stream); an existing group is fine."""
        try:
            self._redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if not str(exc).startswith("BUSYGROUP"):
                raise

    def process_new(self) -> list[str]:
        """Read up to ``batch`` new messages, handle and acknowledge each, in order."""
        reply = self._redis.xreadgroup(
            self.group, self.consumer, {self.stream: ">"}, count=self._batch
        )
        done = []
        for message_id, fields in _entries(reply):
            self._handle(message_id, fields)
            done.append(message_id)
        return done

    def process_pending(self) -> list[str]:
        """Re-read this consumer's own pending messages (from ID 0) and finish each."""
        done: list[str] = []
        last = "0"
        while True:
            reply = self._redis.xreadgroup(
                self.group, self.consumer, {self.stream: last}, count=self._batch
            )
            entries = _entries(reply)
            if not entries:
                return done
            done += self._recover(entries)
            last = entries[-1][0]

    def reclaim(self) -> list[str]:
        """Claim messages idle for ``min_idle_ms`` from any consumer and finish each."""
        done: list[str] = []
        cursor = "0-0"
        while True:
            cursor, claimed, *_ = self._redis.xautoclaim(
                self.stream,
                self.group,
                self.consumer,
                self._min_idle_ms,
                start_id=cursor,
                count=self._batch,
            )
            done += self._recover(claimed)
            if cursor == "0-0":
                return done

    # -- helpers ---------------------------------------------------------------

    def _handle(self, message_id: str, fields: dict[str, str]) -> None:
        self._handler(message_id, fields)  # raises: the message stays pending
        self._redis.xack(self.stream, self.group, message_id)

    def _recover(self, entries: list[Entry]) -> list[str]:
        """Handle re-delivered messages, or dead-letter those delivered too often."""
        done = []
        for message_id, fields in entries:
            deliveries = self._deliveries(message_id)
            if deliveries > self._max_deliveries:
                self._dead_letter(message_id, fields, deliveries)
            else:
                self._handle(message_id, fields)
            done.append(message_id)
        return done

    def _deliveries(self, message_id: str) -> int:
        """The delivery count XPENDING reports for one pending message."""
        (info,) = self._redis.xpending_range(self.stream, self.group, message_id, message_id, 1)
        return int(info["times_delivered"])

    def _dead_letter(self, message_id: str, fields: dict[str, str], deliveries: int) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.xadd(
            self.dead_letter,
            {"id": message_id, "deliveries": deliveries, "fields": json.dumps(fields)},
        )
        pipe.xack(self.stream, self.group, message_id)
        pipe.execute()


def _entries(reply: Any) -> list[Entry]:
    """The entries of an XREADGROUP reply ([] when Redis had none)."""
    return [entry for _, entries in reply or [] for entry in entries]
