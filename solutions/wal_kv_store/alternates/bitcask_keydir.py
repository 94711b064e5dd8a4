"""Correct: a Bitcask keydir (key -> value offset and length) read with os.pread.

Values stay on disk: the in-memory index holds only where each live value
sits in the log, as in Bitcask's keydir, and ``get`` reads it with
``os.pread``. Appends go through an unbuffered binary file object; replay
reads the log record by record from a buffered reader instead of parsing one
big bytes object.
"""

from __future__ import annotations

import os
import struct
import zlib
from typing import BinaryIO

LOG_NAME = "wal.log"
COMPACT_NAME = "wal.log.compact"

HEADER = struct.Struct("<IBII")
PUT = 1
DELETE = 2


class CorruptLogError(Exception):
    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(f"corrupt record at byte {offset}: {reason}")
        self.offset = offset


def encode(kind: int, key: bytes, value: bytes) -> bytes:
    body = struct.pack("<BII", kind, len(key), len(value)) + key + value
    return struct.pack("<I", zlib.crc32(body)) + body


class WALStore:
    def __init__(self, directory: str | os.PathLike[str], fsync: str | int = "always") -> None:
        self._every: int | None
        if fsync == "always":
            self._every = 1
        elif fsync == "never":
            self._every = None
        elif isinstance(fsync, int) and not isinstance(fsync, bool) and fsync >= 1:
            self._every = fsync
        else:
            raise ValueError(f"unknown fsync policy {fsync!r}")
        self._dir = os.fspath(directory)
        os.makedirs(self._dir, exist_ok=True)
        self._path = os.path.join(self._dir, LOG_NAME)
        self._temp = os.path.join(self._dir, COMPACT_NAME)
        if os.path.exists(self._temp):
            os.remove(self._temp)
        self._keydir: dict[bytes, tuple[int, int]] = {}
        self._pending = 0
        self._file: BinaryIO | None = None
        if os.path.exists(self._path):
            self._load()
            self._file = self._open_log()
        else:
            self._file = self._open_log()
            self._sync_dir()

    def _open_log(self) -> BinaryIO:
        """The log for appending (unbuffered: each write is one write(2)) and pread."""
        return open(self._path, "a+b", buffering=0)

    def _sync_dir(self) -> None:
        fd = os.open(self._dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _load(self) -> None:
        size = os.path.getsize(self._path)
        good = 0
        with open(self._path, "rb") as log:
            while good < size:
                header = log.read(HEADER.size)
                if len(header) < HEADER.size:
                    break
                crc, kind, klen, vlen = HEADER.unpack(header)
                rest = log.read(klen + vlen)
                if len(rest) < klen + vlen:
                    break
                end = good + HEADER.size + klen + vlen
                if zlib.crc32(rest, zlib.crc32(header[4:])) != crc:
                    if end == size:
                        break
                    raise CorruptLogError(good, "bad crc")
                key = rest[:klen]
                if kind == PUT:
                    self._keydir[key] = (good + HEADER.size + klen, vlen)
                elif kind == DELETE:
                    self._keydir.pop(key, None)
                else:
                    raise CorruptLogError(good, "bad kind")
                good = end
        if good != size:
            with open(self._path, "r+b") as log:
                log.truncate(good)

    def _write(self, kind: int, key: bytes, value: bytes) -> int:
        for item in (key, value):
            if not isinstance(item, bytes):
                raise TypeError("keys and values are bytes")
        data = encode(kind, key, value)
        assert self._file is not None
        start = self._file.tell()
        view = memoryview(data)
        while view:
            view = view[self._file.write(view) :]
        self._pending += 1
        if self._every is not None and self._pending % self._every == 0:
            os.fsync(self._file.fileno())
            self._pending = 0
        return start

    def put(self, key: bytes, value: bytes) -> None:
        start = self._write(PUT, key, value)
        self._keydir[key] = (start + HEADER.size + len(key), len(value))

    def get(self, key: bytes) -> bytes | None:
        where = self._keydir.get(key)
        if where is None:
            return None
        assert self._file is not None
        return os.pread(self._file.fileno(), where[1], where[0])

    def delete(self, key: bytes) -> bool:
        if not isinstance(key, bytes):
            raise TypeError("keys are bytes")
        if key not in self._keydir:
            return False
        self._write(DELETE, key, b"")
        del self._keydir[key]
        return True

    def __len__(self) -> int:
        return len(self._keydir)

    def compact(self) -> None:
        new_dir: dict[bytes, tuple[int, int]] = {}
        try:
            with open(self._temp, "wb") as out:
                for key in self._keydir:
                    value = self.get(key)
                    assert value is not None
                    new_dir[key] = (out.tell() + HEADER.size + len(key), len(value))
                    out.write(encode(PUT, key, value))
                out.flush()
                os.fsync(out.fileno())
            os.replace(self._temp, self._path)
        except OSError:
            if os.path.exists(self._temp):
                os.remove(self._temp)
            raise
        self._sync_dir()
        assert self._file is not None
        self._file.close()
        self._file = self._open_log()
        self._keydir = new_dir
        self._pending = 0

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> WALStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
