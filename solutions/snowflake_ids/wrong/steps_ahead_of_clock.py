"""Wrong: an exhausted millisecond is followed by ``last + 1`` at once, ahead of the clock.

Instead of waiting, the generator stamps the next ID with the next millisecond
while the clock still shows the old one: IDs run ahead of real time, and the next
call sees the clock "behind" the last ID.
"""

from __future__ import annotations

import time

TWITTER_EPOCH_MS = 1288834974657
BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

TIMESTAMP_BITS = 41
WORKER_BITS = 10
SEQUENCE_BITS = 12
MAX_WORKER = (1 << WORKER_BITS) - 1
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1
WORKER_SHIFT = SEQUENCE_BITS
TIMESTAMP_SHIFT = SEQUENCE_BITS + WORKER_BITS

_BASE62_VALUES = {ch: i for i, ch in enumerate(BASE62_ALPHABET)}


class ClockMovedBackwardsError(RuntimeError):
    """The wall clock reads earlier than the last millisecond an ID was made in."""


def _now_ms() -> int:
    return int(time.time() * 1000)


class SnowflakeGenerator:
    """Makes unique, time-ordered 63-bit IDs for one worker."""

    def __init__(self, worker_id: int, epoch_ms: int = TWITTER_EPOCH_MS) -> None:
        if not 0 <= worker_id <= MAX_WORKER:
            raise ValueError(f"worker_id must be in 0..{MAX_WORKER}, got {worker_id}")
        self._worker_id = worker_id
        self._epoch_ms = epoch_ms
        self._last_ms = -1
        self._sequence = 0

    def next_id(self) -> int:
        now = _now_ms()
        if now < self._last_ms:
            raise ClockMovedBackwardsError(
                f"clock moved backwards: {now} ms < last used {self._last_ms} ms"
            )
        if now == self._last_ms:
            sequence = (self._sequence + 1) & MAX_SEQUENCE
            if sequence == 0:  # this millisecond is used up: wait for the next one
                now = self._last_ms + 1  # no need to wait: take the next millisecond
        else:
            sequence = 0
        offset = now - self._epoch_ms
        if not 0 <= offset < 1 << TIMESTAMP_BITS:
            raise ValueError(f"time {now} ms does not fit 41 bits after epoch {self._epoch_ms}")
        self._last_ms = now
        self._sequence = sequence
        return (offset << TIMESTAMP_SHIFT) | (self._worker_id << WORKER_SHIFT) | sequence


def parse(snowflake: int, epoch_ms: int = TWITTER_EPOCH_MS) -> tuple[int, int, int]:
    """(Unix time in ms, worker id, sequence) of a Snowflake."""
    if not 0 <= snowflake < 1 << 63:
        raise ValueError(f"not a 63-bit Snowflake: {snowflake}")
    return (
        (snowflake >> TIMESTAMP_SHIFT) + epoch_ms,
        (snowflake >> WORKER_SHIFT) & MAX_WORKER,
        snowflake & MAX_SEQUENCE,
    )


def to_base62(n: int) -> str:
    """``n`` in base 62, most significant digit first, with no leading zeros."""
    if n < 0:
        raise ValueError(f"cannot encode a negative number: {n}")
    if n == 0:
        return BASE62_ALPHABET[0]
    digits = []
    while n:
        n, digit = divmod(n, 62)
        digits.append(BASE62_ALPHABET[digit])
    return "".join(reversed(digits))


def from_base62(s: str) -> int:
    """The number a base62 string stands for."""
    if not s:
        raise ValueError("empty base62 string")
    n = 0
    for ch in s:
        value = _BASE62_VALUES.get(ch)
        if value is None:
            raise ValueError(f"invalid base62 character {ch!r} in {s!r}")
        n = n * 62 + value
    return n
