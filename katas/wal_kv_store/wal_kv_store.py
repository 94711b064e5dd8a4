"""Write-ahead-log key-value store — your implementation goes here.

Read README.md in this folder for the spec (the record format is in its
"Record format" table), then replace each ``raise NotImplementedError`` with
working code. Grade it with::

    nox -s grade -- wal_kv_store
"""

from __future__ import annotations

import os
import struct

LOG_NAME = "wal.log"
COMPACT_NAME = "wal.log.compact"

HEADER = struct.Struct("<IBII")  # crc, kind, key length, value length: 13 bytes
PUT = 1
DELETE = 2


class CorruptLogError(Exception):
    """A damaged record that is not the log's torn tail.

    Attributes:
        offset: the byte offset in ``wal.log`` where the damaged record starts.
    """

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(f"corrupt record at byte {offset}: {reason}")
        self.offset = offset


class WALStore:
    """A key-value store (bytes to bytes) made durable by an append-only log.

    Args:
        directory: where the log lives (``directory/wal.log``); created, with
            its parents, if missing. An existing log is replayed: a torn tail
            is truncated, damage elsewhere raises ``CorruptLogError``.
        fsync: ``"always"`` (after every record), a positive int N (after
            every N-th record) or ``"never"``; anything else (``True``
            included) is a ``ValueError``. Appends are counted from the open.
    """

    def __init__(self, directory: str | os.PathLike[str], fsync: str | int = "always") -> None:
        raise NotImplementedError

    def put(self, key: bytes, value: bytes) -> None:
        """Append a put record (handed to the OS, fsynced per the policy), then set ``key``.

        Raises:
            TypeError: ``key`` or ``value`` is not exactly ``bytes`` (a
                ``bytearray`` or ``memoryview`` included); nothing is written.
        """
        raise NotImplementedError

    def get(self, key: bytes) -> bytes | None:
        """The value of ``key``, or ``None`` if it is absent or deleted. O(1)."""
        raise NotImplementedError

    def delete(self, key: bytes) -> bool:
        """Append a tombstone and remove ``key``; ``False`` (nothing written) if absent.

        Raises:
            TypeError: ``key`` is not exactly ``bytes``; nothing is written.
        """
        raise NotImplementedError

    def __len__(self) -> int:
        """The number of live keys."""
        raise NotImplementedError

    def compact(self) -> None:
        """Rewrite the log with one put per live key: temp file, fsync, os.replace, fsync dir.

        On an ``OSError`` before the swap the temp file is deleted, the error
        raised, and the old log stays in use.
        """
        raise NotImplementedError

    def close(self) -> None:
        """Close the log file (it must not fsync); a second call does nothing."""
        raise NotImplementedError

    def __enter__(self) -> WALStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
