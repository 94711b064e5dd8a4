"""Reference solution: an in-memory dict rebuilt from an append-only log.

Every write is one record appended with ``os.write`` on a descriptor opened
with ``O_APPEND``, so it reaches the operating system before ``put`` returns;
``os.fsync`` follows as the policy says. Opening reads the whole log into
memory and replays it; a torn tail is cut off with ``os.truncate``.
Compaction writes the live keys to ``wal.log.compact``, fsyncs it, swaps it in
with ``os.replace`` and fsyncs the directory.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

LOG_NAME = "wal.log"
COMPACT_NAME = "wal.log.compact"

HEADER = struct.Struct("<IBII")  # crc, kind, key length, value length
BODY = struct.Struct("<BII")  # the header without its crc
PUT = 1
DELETE = 2


class CorruptLogError(Exception):
    """A damaged record before the last one: the log cannot be trusted past it."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(f"corrupt record at byte {offset}: {reason}")
        self.offset = offset


def _record(kind: int, key: bytes, value: bytes = b"") -> bytes:
    body = BODY.pack(kind, len(key), len(value)) + key + value
    return zlib.crc32(body).to_bytes(4, "little") + body


def _write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written (a write may be short)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_directory(directory: Path) -> None:
    """Make a new, renamed or removed name in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _policy(fsync: str | int) -> int:
    """Records between two fsyncs: 1 for "always", 0 for "never", else N."""
    if fsync == "always":
        return 1
    if fsync == "never":
        return 0
    if type(fsync) is int and fsync > 0:
        return fsync
    raise ValueError(f'fsync must be "always", "never" or a positive int, not {fsync!r}')


def _check_bytes(**named: bytes) -> None:
    for name, value in named.items():
        if not isinstance(value, bytes):
            raise TypeError(f"{name} must be bytes, not {type(value).__name__}")


class WALStore:
    """A durable key-value store on a write-ahead log (see README.md)."""

    def __init__(self, directory: str | os.PathLike[str], fsync: str | int = "always") -> None:
        self._every = _policy(fsync)
        self._dir = Path(directory)
        self._path = self._dir / LOG_NAME
        self._data: dict[bytes, bytes] = {}
        self._unsynced = 0
        self._fd = -1  # -1 once closed
        self._dir.mkdir(parents=True, exist_ok=True)
        # A compaction that did not reach os.replace: the log is still whole.
        (self._dir / COMPACT_NAME).unlink(missing_ok=True)
        if self._path.exists():
            self._replay()
            self._fd = os.open(self._path, os.O_WRONLY | os.O_APPEND)
        else:
            self._fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            _fsync_directory(self._dir)

    def _replay(self) -> None:
        data = self._path.read_bytes()
        view = memoryview(data)
        pos, end = 0, len(data)
        while pos < end:
            if end - pos < HEADER.size:
                break  # a torn header
            crc, kind, key_len, value_len = HEADER.unpack_from(data, pos)
            key_at = pos + HEADER.size
            value_at = key_at + key_len
            stop = value_at + value_len
            if stop > end:
                break  # a torn body
            if zlib.crc32(view[pos + 4 : stop]) != crc:
                if stop == end:
                    break  # the last record, half written
                raise CorruptLogError(pos, "checksum mismatch")
            key = data[key_at:value_at]
            if kind == PUT:
                self._data[key] = data[value_at:stop]
            elif kind == DELETE:
                self._data.pop(key, None)
            else:
                raise CorruptLogError(pos, f"unknown record type {kind}")
            pos = stop
        if pos < end:
            os.truncate(self._path, pos)

    def _append(self, record: bytes) -> None:
        _write_all(self._fd, record)
        self._unsynced += 1
        if self._every and self._unsynced >= self._every:
            os.fsync(self._fd)
            self._unsynced = 0

    def put(self, key: bytes, value: bytes) -> None:
        _check_bytes(key=key, value=value)
        self._append(_record(PUT, key, value))
        self._data[key] = value

    def get(self, key: bytes) -> bytes | None:
        return self._data.get(key)

    def delete(self, key: bytes) -> bool:
        _check_bytes(key=key)
        if key not in self._data:
            return False
        self._append(_record(DELETE, key))
        del self._data[key]
        return True

    def __len__(self) -> int:
        return len(self._data)

    def compact(self) -> None:
        temp = self._dir / COMPACT_NAME
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        try:
            _write_all(fd, b"".join(_record(PUT, k, v) for k, v in self._data.items()))
            os.fsync(fd)  # the new log's bytes are durable before its name replaces the old
            os.replace(temp, self._path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        finally:
            os.close(fd)
        _fsync_directory(self._dir)  # and the rename itself
        os.close(self._fd)
        self._fd = os.open(self._path, os.O_WRONLY | os.O_APPEND)
        self._unsynced = 0

    def close(self) -> None:
        if self._fd != -1:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> WALStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
