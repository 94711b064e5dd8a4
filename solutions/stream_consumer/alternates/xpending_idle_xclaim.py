"""Correct: reclaim with XPENDING's IDLE filter and XCLAIM instead of XAUTOCLAIM.

``XPENDING <stream> <group> IDLE <min_idle_ms> - + <batch>`` lists pending
messages idle long enough, with their delivery counts; ``XCLAIM`` with the
same min-idle-time takes them over (only those still idle, so two reclaiming
workers never both get one) and adds one to each count. A claimed message is
no longer idle, so the listing shrinks: repeat until it is empty, no cursor
needed. Own pending messages are re-read from ``0`` each time: what was
finished has left the pending entries list.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from redis.exceptions import ResponseError

Handler = Callable[[str, dict[str, str]], object]


class StreamConsumer:
    """One consumer of a group: at-least-once processing with dead letters."""

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
        checks = (max_deliveries >= 1, min_idle_ms >= 0, batch >= 1)
        if not all(checks):
            raise ValueError(
                f"need max_deliveries >= 1, min_idle_ms >= 0, batch >= 1: "
                f"got {max_deliveries}, {min_idle_ms}, {batch}"
            )
        self._r = redis
        self.stream, self.group, self.consumer = stream, group, consumer
        self.handler = handler
        self.max_deliveries, self.min_idle_ms, self.batch = max_deliveries, min_idle_ms, batch
        self.dead_letter = dead_letter or f"{stream}:dead-letter"

    def create_group(self) -> None:
        try:
            self._r.execute_command("XGROUP", "CREATE", self.stream, self.group, "0", "MKSTREAM")
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def process_new(self) -> list[str]:
        reply = self._r.xreadgroup(self.group, self.consumer, {self.stream: ">"}, self.batch)
        finished = []
        for _stream, entries in reply or []:
            for message_id, fields in entries:
                self.handler(message_id, fields)
                self._r.xack(self.stream, self.group, message_id)
                finished.append(message_id)
        return finished

    def process_pending(self) -> list[str]:
        finished: list[str] = []
        while True:
            reply = self._r.xreadgroup(self.group, self.consumer, {self.stream: "0"}, self.batch)
            entries = [e for _stream, batch in reply or [] for e in batch]
            if not entries:
                return finished
            for message_id, fields in entries:
                rows = self._r.xpending_range(self.stream, self.group, message_id, message_id, 1)
                self._finish(message_id, fields, rows[0]["times_delivered"])
                finished.append(message_id)

    def reclaim(self) -> list[str]:
        finished: list[str] = []
        while True:
            idle = self._r.xpending_range(
                self.stream, self.group, "-", "+", self.batch, idle=self.min_idle_ms
            )
            if not idle:
                return finished
            counts = {row["message_id"]: row["times_delivered"] for row in idle}
            claimed = self._r.xclaim(
                self.stream, self.group, self.consumer, self.min_idle_ms, list(counts)
            )
            for message_id, fields in claimed:
                self._finish(message_id, fields, counts[message_id] + 1)  # XCLAIM added one
                finished.append(message_id)

    def _finish(self, message_id: str, fields: dict[str, str], deliveries: int) -> None:
        if deliveries <= self.max_deliveries:
            self.handler(message_id, fields)
            self._r.xack(self.stream, self.group, message_id)
            return
        with self._r.pipeline() as pipe:  # MULTI/EXEC
            pipe.xadd(
                self.dead_letter,
                {"id": message_id, "deliveries": str(deliveries), "fields": json.dumps(fields)},
            )
            pipe.xack(self.stream, self.group, message_id)
            pipe.execute()
