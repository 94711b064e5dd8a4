"""Reference solution: an in-memory dict rebuilt from an append-only log.

Every write is one record appended through an unbuffered file in append mode
(each ``write`` is a ``write(2)`` at the end of the file), so it reaches the
operating system before ``put`` returns; ``os.fsync`` follows as the policy
says. Opening reads the whole log into memory and replays it; a torn tail is
cut off with ``os.truncate``.
Compaction writes the live keys to ``wal.log.compact``, fsyncs it, swaps it in
with ``os.replace`` and fsyncs the directory.
"""

from __future__ import annotations

import os
import struct
import zlib
from io import FileIO
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


def _write_all(file: FileIO, data: bytes) -> None:
    """Write until every byte is written: a ``write(2)`` may be short."""
    view = memoryview(data)
    while view:
        view = view[file.write(view) :]


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
        self._dir.mkdir(parents=True, exist_ok=True)
        # A compaction that did not reach os.replace: the log is still whole.
        (self._dir / COMPACT_NAME).unlink(missing_ok=True)
        created = not self._path.exists()
        if not created:
            self._replay()
        self._log = self._open_log()
        if created:
            _fsync_directory(self._dir)

    def _open_log(self) -> FileIO:
        """The log in unbuffered append mode: each write is one write(2) at its end."""
        return open(self._path, "ab", buffering=0)

    def _replay(self) -> None:
        data = self._path.read_bytes()
        view = memoryview(data)
        pos, end = 0, len(data)
        while end - pos >= HEADER.size:  # else the rest is a torn header (or nothing)
            crc, kind, key_len, value_len = HEADER.unpack_from(data, pos)
            key_at = pos + HEADER.size
            value_at = key_at + key_len
            stop = value_at + value_len
            if stop > end:
                break  # a torn body
            if zlib.crc32(view[pos + 4 : stop]) != crc:
                if stop < end:
                    raise CorruptLogError(pos, "checksum mismatch")
                break  # the last record, half written
            key = data[key_at:value_at]
            if kind == PUT:
                self._data[key] = data[value_at:stop]
            elif kind == DELETE:
                self._data.pop(key, None)
            else:
                raise CorruptLogError(pos, f"unknown record type {kind}")
            pos = stop
        os.truncate(self._path, pos)  # cut a torn tail off; a no-op on a whole log

    def _append(self, record: bytes) -> None:
        _write_all(self._log, record)
        self._unsynced += 1
        if self._every and self._unsynced >= self._every:
            os.fsync(self._log.fileno())
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
        with open(temp, "wb", buffering=0) as out:
            try:
                _write_all(out, b"".join(_record(PUT, k, v) for k, v in self._data.items()))
                os.fsync(out.fileno())  # the new bytes are durable before the name moves
                os.replace(temp, self._path)
            except BaseException:
                temp.unlink()
                raise
        _fsync_directory(self._dir)  # and the rename itself
        self._log.close()
        self._log = self._open_log()
        self._unsynced = 0

    def close(self) -> None:
        self._log.close()  # closing a closed file does nothing

    def __enter__(self) -> WALStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
