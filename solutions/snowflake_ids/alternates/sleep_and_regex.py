"""Correct: the exhausted millisecond is slept out, and base62 text is checked by a regex.

The generator keeps the last ID's millisecond and sequence as one counter
(``ms << 12 | sequence``); when the sequence is spent it sleeps a tenth of a
millisecond at a time and reads the clock again. ``from_base62`` checks the
whole string with ``re.fullmatch`` (ASCII only, so no other script's digits and
no trailing newline) before it adds digits up.
"""

from __future__ import annotations

import re
import time

TWITTER_EPOCH_MS = 1288834974657
BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_DIGITS = re.compile(r"[0-9A-Za-z]+", re.ASCII)


class ClockMovedBackwardsError(RuntimeError):
    """The clock reads earlier than the last millisecond used."""


class SnowflakeGenerator:
    def __init__(self, worker_id: int, epoch_ms: int = TWITTER_EPOCH_MS) -> None:
        if worker_id not in range(1024):
            raise ValueError("worker_id must be 0..1023")
        self.worker_id = worker_id
        self.epoch_ms = epoch_ms
        self.last = None  # (ms, sequence) of the last ID

    def next_id(self) -> int:
        ms = int(time.time() * 1000)
        sequence = 0
        if self.last is not None:
            last_ms, last_sequence = self.last
            if ms < last_ms:
                raise ClockMovedBackwardsError("the clock moved backwards")
            if ms == last_ms:
                sequence = last_sequence + 1
                if sequence == 4096:
                    while ms <= last_ms:
                        time.sleep(0.0001)
                        ms = int(time.time() * 1000)
                    sequence = 0
        if not 0 <= ms - self.epoch_ms < 2**41:
            raise ValueError("the time does not fit 41 bits after the epoch")
        self.last = (ms, sequence)
        return (ms - self.epoch_ms) * 2**22 + self.worker_id * 2**12 + sequence


def parse(snowflake: int, epoch_ms: int = TWITTER_EPOCH_MS) -> tuple[int, int, int]:
    if snowflake < 0 or snowflake >= 2**63:
        raise ValueError("not a Snowflake")
    rest, sequence = divmod(snowflake, 4096)
    ms, worker = divmod(rest, 1024)
    return ms + epoch_ms, worker, sequence


def to_base62(n: int) -> str:
    if n < 0:
        raise ValueError("negative")
    text = ""
    while True:
        n, digit = divmod(n, 62)
        text = BASE62_ALPHABET[digit] + text
        if n == 0:
            return text


def from_base62(s: str) -> int:
    if not _DIGITS.fullmatch(s):
        raise ValueError(f"not base62: {s!r}")
    n = 0
    for ch in s:
        n = n * 62 + BASE62_ALPHABET.index(ch)
    return n
