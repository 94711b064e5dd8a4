"""Tests for the write-ahead-log key-value store kata.

The record layout is the README's table (modelled on LevelDB's doc/log_format.md:
checksum, lengths, type, data; and on Bitcask's crc/ksz/value_sz entries,
Sheehy & Smith 2010). The tests build, cut and damage logs with their own
encoder below, never with the code under test, and read the store's log back
with their own parser.

Crashes are real and forced deterministically: a forked child process writes
through the store and is killed with SIGKILL (no ``finally``, no ``close``) at a
point the test chooses — after its k-th acknowledged write, or in the middle of
an append, made to stop at an exact byte by lowering ``RLIMIT_FSIZE`` in the
child (the kernel then writes only the bytes below the limit and fails the
rest with EFBIG, as a crash mid-``write(2)`` would leave them). The fsync
policy is checked by spying on ``os.fsync`` and ``os.replace``: which file was
synced, and how many bytes it held at that moment (fsync(2), rename(2)).
"""

from __future__ import annotations

import os
import resource
import select
import signal
import stat
import struct
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from wal_kv_store import CorruptLogError, WALStore

PUT, DELETE = 1, 2
HEADER_SIZE = 13


# --- the README's record format, written independently of the code under test ----


def record(kind: int, key: bytes, value: bytes = b"") -> bytes:
    """One record: crc32 (of everything after it), kind, key_len, value_len, key, value."""
    body = struct.pack("<BII", kind, len(key), len(value)) + key + value
    return struct.pack("<I", zlib.crc32(body)) + body


def put(key: bytes, value: bytes) -> bytes:
    return record(PUT, key, value)


def tombstone(key: bytes) -> bytes:
    return record(DELETE, key)


def parse(data: bytes) -> list[tuple[int, bytes, bytes]]:
    """Every record of a log that must be whole: (kind, key, value)."""
    out = []
    pos = 0
    while pos < len(data):
        assert len(data) - pos >= HEADER_SIZE, f"a partial header at byte {pos} of the log"
        crc, kind, key_len, value_len = struct.unpack_from("<IBII", data, pos)
        stop = pos + HEADER_SIZE + key_len + value_len
        assert stop <= len(data), f"the record at byte {pos} runs past the end of the log"
        assert zlib.crc32(data[pos + 4 : stop]) == crc, f"bad checksum at byte {pos}"
        key = data[pos + HEADER_SIZE : pos + HEADER_SIZE + key_len]
        out.append((kind, key, data[pos + HEADER_SIZE + key_len : stop]))
        pos = stop
    return out


def log_of(directory: Path) -> Path:
    return directory / "wal.log"


def write_log(directory: Path, *records: bytes) -> bytes:
    directory.mkdir(parents=True, exist_ok=True)
    data = b"".join(records)
    log_of(directory).write_bytes(data)
    return data


def contents(directory: Path, keys: list[bytes]) -> dict[bytes, bytes | None]:
    """What a fresh open of ``directory`` says about ``keys``."""
    with WALStore(directory) as store:
        return {key: store.get(key) for key in keys}


def check_log(db: Path, want: bytes, rule: str, *, unchanged: bool = False) -> None:
    """Fail with ``rule`` and a one-line account unless wal.log holds exactly ``want``."""
    __tracebackhide__ = True
    got = log_of(db).read_bytes()
    if got == want:
        return
    if len(got) != len(want):
        how = (
            f"wal.log changed: {len(want)} → {len(got)} bytes"
            if unchanged
            else f"expected size {len(want)}, got {len(got)}"
        )
    else:
        first = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
        how = f"wal.log has the right size ({len(want)} bytes) but differs from byte {first}"
    pytest.fail(f"{rule}: {how}")


def open_must_be_corrupt(db: Path, offset: int, rule: str) -> None:
    """Opening ``db`` must raise CorruptLogError(offset=offset); ``rule`` says why."""
    __tracebackhide__ = True
    try:
        store = WALStore(db)
    except CorruptLogError as exc:
        assert exc.offset == offset, f"{rule}: got CorruptLogError(offset={exc.offset})"
        return
    store.close()
    pytest.fail(f"{rule}, but the store opened")


# --- spying on os.fsync and os.replace ------------------------------------------


@dataclass(frozen=True)
class Sync:
    """One os.fsync call: a directory or a file, its inode, its size then, and when."""

    is_dir: bool
    inode: int
    size: int
    phase: str


@dataclass(frozen=True)
class Replace:
    src: Path
    dst: Path


class Spy:
    """The os.fsync and os.replace calls, in order, each labelled with ``phase``.

    A test sets ``phase`` ("after put 1", "at close", …) before each call it
    makes; the phase is "at open" until then. Fsyncs made while opening are not
    counted against the policy: the README leaves them to the implementation.
    """

    def __init__(self) -> None:
        self.events: list[Sync | Replace] = []
        self.phase = "at open"

    def file_syncs(self, path: Path) -> list[Sync]:
        """The fsyncs of ``path`` (by its current inode) made after opening."""
        inode = path.stat().st_ino
        return [
            e
            for e in self.events
            if isinstance(e, Sync) and not e.is_dir and e.inode == inode and e.phase != "at open"
        ]

    def syncs_of(self, path: Path) -> list[int]:
        """The sizes ``path`` had at each of its fsyncs after opening."""
        return [e.size for e in self.file_syncs(path)]

    def directory_syncs(self, directory: Path) -> int:
        inode = directory.stat().st_ino
        return sum(isinstance(e, Sync) and e.is_dir and e.inode == inode for e in self.events)


def describe(event: Sync | Replace, names: dict[int, str], directory: Path) -> str:
    """One spied call, by name: ``fsync(wal.log.compact, 30 bytes)``, ``fsync(directory)``."""
    if isinstance(event, Replace):
        return f"replace({event.src.name} → {event.dst.name})"
    if event.is_dir:
        same = event.inode == directory.stat().st_ino
        return "fsync(directory)" if same else f"fsync(another directory, inode {event.inode})"
    name = names.get(event.inode, f"a file with inode {event.inode}")
    return f"fsync({name}, {event.size} bytes)"


def fsyncs_message(rule: str, want: list[int], got: list[Sync]) -> str:
    """``rule``, then the expected and the actual fsyncs of wal.log, one per line."""
    lines = [rule, "expected:"]
    lines += [f"  fsync(wal.log, {size} bytes)" for size in want] or ["  (no fsync)"]
    lines.append("got:")
    lines += [f"  fsync(wal.log, {e.size} bytes) {e.phase}" for e in got] or ["  (no fsync)"]
    extra = [e for e in got if e.size not in want]
    lines += [
        f"unexpected fsync of wal.log while it held {e.size} bytes ({e.phase})" for e in extra
    ]
    return "\n".join(lines)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    recorder = Spy()
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        info = os.fstat(fd if isinstance(fd, int) else fd.fileno())
        is_dir = stat.S_ISDIR(info.st_mode)
        recorder.events.append(Sync(is_dir, info.st_ino, info.st_size, recorder.phase))
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str], **kw: object) -> None:
        recorder.events.append(Replace(Path(src), Path(dst)))
        real_replace(src, dst, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return recorder


# --- a child process to kill -----------------------------------------------------


def run_and_kill(body: Callable[[Callable[[str], None]], None]) -> list[str]:
    """Run ``body(send)`` in a forked child, then SIGKILL it; the lines it sent.

    The child sends "DONE" when ``body`` returns or "RAISED <name>" when it
    raises, then blocks until it is killed (``body`` may also send
    "KILL ME …" and block itself): it never reaches a ``close`` or a
    ``finally`` of the store. ``send`` writes straight to a pipe, so the parent
    has every line sent before the kill.
    """
    read_fd, write_fd = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads, 3.12+
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read_fd)

            def send(line: str) -> None:
                os.write(write_fd, line.encode() + b"\n")

            try:
                body(send)
                send("DONE")
            except BaseException as exc:
                send(f"RAISED {type(exc).__name__}")
            while True:
                signal.pause()
        finally:
            os._exit(0)
    os.close(write_fd)
    received = b""
    try:
        while not received.endswith(b"\n") or not _final(received):
            ready, _, _ = select.select([read_fd], [], [], 30)
            chunk = os.read(read_fd, 65536) if ready else b""
            if not chunk:
                break  # the child died, or hung: the lines so far are the evidence
            received += chunk
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read_fd)
    return received.decode().splitlines()


def _final(received: bytes) -> bool:
    last = received.decode().splitlines()[-1]
    return last == "DONE" or last.startswith(("RAISED", "KILL ME"))


def limit_file_size(limit: int) -> None:
    """In the child: a write past ``limit`` bytes writes up to it, then fails (EFBIG)."""
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))


def key(i: int) -> bytes:
    return b"key-%04d" % i


def value(i: int) -> bytes:
    return b"value-%d-" % i + b"x" * (i % 7)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "db"


# --- API --------------------------------------------------------------------------


@pytest.mark.spec("API")
def test_put_get_delete_and_len(db: Path) -> None:
    with WALStore(db) as store:
        assert store.get(b"a") is None, "an absent key must read as None"
        store.put(b"a", b"1")
        store.put(b"b", b"2")
        store.put(b"a", b"3")
        assert (store.get(b"a"), store.get(b"b"), len(store)) == (b"3", b"2", 2)
        assert store.delete(b"a") is True
        assert store.get(b"a") is None, "a deleted key must read as None"
        assert len(store) == 1
        store.put(b"", b"")
        assert store.get(b"") == b"", "an empty key and an empty value must be stored"
        assert len(store) == 2


@pytest.mark.spec("API")
def test_delete_of_an_absent_key_writes_nothing(db: Path) -> None:
    with WALStore(db) as store:
        store.put(b"a", b"1")
        size = log_of(db).stat().st_size
        assert store.delete(b"missing") is False
        assert store.delete(b"a") is True
        assert store.delete(b"a") is False, (
            "a key already deleted is absent: delete must return False"
        )
    assert log_of(db).stat().st_size == size + len(tombstone(b"a")), (
        "delete of an absent key must not append a tombstone"
    )


def not_bytes(kind: str) -> object:
    """A key or value that is not exactly ``bytes``; the mutable ones alias the caller's."""
    return {"str": "a", "bytearray": bytearray(b"a"), "memoryview": memoryview(bytearray(b"a"))}[
        kind
    ]


@pytest.mark.spec("API")
@pytest.mark.parametrize("kind", ["str", "bytearray", "memoryview"])
def test_keys_and_values_must_be_exactly_bytes(db: Path, kind: str) -> None:
    with WALStore(db) as store:
        store.put(b"a", b"1")
        calls: list[tuple[str, Callable[[], object]]] = [
            (f"put({kind} key, b'1')", lambda: store.put(not_bytes(kind), b"1")),  # type: ignore[arg-type]
            (f"put(b'a', {kind} value)", lambda: store.put(b"a", not_bytes(kind))),  # type: ignore[arg-type]
            (f"delete({kind} key)", lambda: store.delete(not_bytes(kind))),  # type: ignore[arg-type]
        ]
        for call, attempt in calls:
            try:
                attempt()
            except TypeError:
                pass
            else:
                pytest.fail(f"{call} must raise TypeError: keys and values are exactly bytes")
            check_log(db, put(b"a", b"1"), f"a rejected {call} must append nothing")
        assert store.get(b"a") == b"1", "a rejected write must not change the value"
        assert len(store) == 1, "a rejected write must not add a key"


@pytest.mark.spec("API")
def test_the_directory_is_created_with_its_parents(tmp_path: Path) -> None:
    directory = tmp_path / "a" / "b" / "db"
    with WALStore(directory) as store:
        store.put(b"k", b"v")
    check_log(directory, put(b"k", b"v"), "the store must create its directory and parents")


def open_descriptors() -> int:
    return len(os.listdir("/dev/fd"))


@pytest.mark.spec("API")
def test_close_releases_the_log_and_twice_is_harmless(db: Path) -> None:
    before = open_descriptors()
    store = WALStore(db)
    store.put(b"k", b"v")
    store.close()
    assert open_descriptors() == before, "close() must close the log file"
    store.close()  # a second close does nothing
    with WALStore(db) as again:
        assert again.get(b"k") == b"v"
    assert open_descriptors() == before, "leaving the with block must close the store"


# --- record format ----------------------------------------------------------------


@pytest.mark.spec("Record format")
def test_the_readme_example_record(db: Path) -> None:
    # The README's worked example, byte for byte.
    want = bytes.fromhex("d2b0f8b1 01 01000000 01000000 6b 76")
    assert put(b"k", b"v") == want, "this test file's own encoder"
    with WALStore(db) as store:
        store.put(b"k", b"v")
    check_log(db, want, "put(b'k', b'v') must write the README's 15-byte example record")


@pytest.mark.spec("Record format")
def test_the_log_holds_the_records_back_to_back(db: Path) -> None:
    with WALStore(db, fsync="never") as store:
        store.put(b"k", b"v")
        store.put(b"user:1", b"ada")
        store.put(b"empty", b"")
        store.delete(b"k")
        store.put(b"bin\x00\xff", bytes(range(256)))
    want = (
        put(b"k", b"v")
        + put(b"user:1", b"ada")
        + put(b"empty", b"")
        + tombstone(b"k")
        + put(b"bin\x00\xff", bytes(range(256)))
    )
    check_log(db, want, "the log must hold the README's records, back to back")


@pytest.mark.spec("Record format")
def test_a_log_written_by_another_program_is_read(db: Path) -> None:
    write_log(db, put(b"a", b"1"), put(b"b", b"2"), tombstone(b"a"), put(b"c", b"\x00" * 300))
    with WALStore(db) as store:
        assert (store.get(b"a"), store.get(b"b"), store.get(b"c")) == (None, b"2", b"\x00" * 300)
        assert len(store) == 2


# --- writes -----------------------------------------------------------------------


@pytest.mark.spec("Writes")
def test_a_write_reaches_the_os_before_put_returns(db: Path) -> None:
    # Read through another descriptor while the store is still open, fsync "never".
    with WALStore(db, fsync="never") as store:
        store.put(b"a", b"1")
        check_log(
            db,
            put(b"a", b"1"),
            "after put returns, its record must be in the file (os.write or flush), not "
            "in a Python buffer",
        )
        store.delete(b"a")
        check_log(
            db,
            put(b"a", b"1") + tombstone(b"a"),
            "after delete returns, its tombstone must be in the file",
        )


@pytest.mark.spec("Writes")
@pytest.mark.parametrize("policy", ["never", "always", 3], ids=["never", "always", "every-3"])
def test_acknowledged_writes_survive_sigkill(db: Path, policy: str | int) -> None:
    acknowledged = 25

    def writer(send: Callable[[str], None]) -> None:
        store = WALStore(db, fsync=policy)
        for i in range(acknowledged):
            store.put(key(i), value(i))
            if i % 5 == 4:
                store.delete(key(i - 2))
            send(f"ack {i}")

    lines = run_and_kill(writer)
    assert lines[-1] == "DONE", f"the writer failed: {lines[-1]}"
    deleted = {i - 2 for i in range(acknowledged) if i % 5 == 4}
    want = {key(i): None if i in deleted else value(i) for i in range(acknowledged)}
    with WALStore(db) as store:
        got = {k: store.get(k) for k in want}
        assert got == want, "every acknowledged write must survive a SIGKILL of the writer"
        assert len(store) == acknowledged - len(deleted), "len() must count the live keys"


# Where the kernel stops the last append, in bytes into its record (whose key
# is 8 bytes, value 21): inside the crc, just short of the header, right after
# it, inside the key, inside the value, one byte short.
CUTS = [1, 12, 13, 17, 30, 41]


@pytest.mark.spec("Recovery")
@pytest.mark.parametrize("cut", CUTS, ids=[f"cut-{c}" for c in CUTS])
def test_a_writer_killed_mid_append_loses_only_that_write(db: Path, cut: int) -> None:
    last = put(b"last-key", b"v" * 21)
    assert len(last) == 42

    def writer(send: Callable[[str], None]) -> None:
        store = WALStore(db, fsync="always")
        for i in range(10):
            store.put(key(i), value(i))
            send(f"ack {i}")
        store.delete(key(3))
        send("ack delete")
        limit_file_size(log_of(db).stat().st_size + cut)
        store.put(b"last-key", b"v" * 21)
        send("ack last")  # a put that returned was acknowledged

    lines = run_and_kill(writer)
    assert lines[-1].startswith("RAISED"), (
        f"the cut append must fail (RLIMIT_FSIZE stops the write at byte {cut} of its record, "
        f"and the rest gets EFBIG): got {lines[-1]!r} — is a short os.write ignored?"
    )
    assert "ack last" not in lines, "a put whose append failed must not return"
    good = b"".join(put(key(i), value(i)) for i in range(10)) + tombstone(key(3))
    check_log(db, good + last[:cut], f"the kernel must have written {cut} bytes of the last record")
    keys = [key(i) for i in range(10)] + [b"last-key"]
    want = {k: None if k in (key(3), b"last-key") else value(i) for i, k in enumerate(keys)}
    assert contents(db, keys) == want, "the acknowledged writes must stand, the cut one must not"
    check_log(db, good, f"a record cut at byte {cut} is a torn tail and must be truncated")


# --- durability -------------------------------------------------------------------


@pytest.mark.spec("Durability")
@pytest.mark.parametrize("policy", ["always", 1], ids=["always", "one"])
def test_always_fsyncs_every_record_before_returning(db: Path, spy: Spy, policy: str | int) -> None:
    store = WALStore(db, fsync=policy)
    sizes = []
    end = 0
    for i in range(5):
        spy.phase = f"after put {i + 1}"
        store.put(key(i), value(i))
        end += len(put(key(i), value(i)))
        sizes.append(end)
        got = spy.file_syncs(log_of(db))
        assert [e.size for e in got] == sizes, fsyncs_message(
            f"after put number {i + 1} returns, the log must have been fsynced "
            f"{'once' if i == 0 else f'{i + 1} times'} "
            "since opening, each time holding the record just written",
            sizes,
            got,
        )
    spy.phase = "after the delete"
    store.delete(key(0))
    sizes.append(end + len(tombstone(key(0))))
    got = spy.file_syncs(log_of(db))
    assert [e.size for e in got] == sizes, fsyncs_message(
        "a tombstone must be fsynced too", sizes, got
    )
    spy.phase = "at close"
    store.close()
    extra = spy.syncs_of(log_of(db))[len(sizes) :]
    assert extra == [], "close() must not fsync: found an extra fsync at " + ", ".join(
        f"{size} bytes" for size in extra
    )


@pytest.mark.spec("Durability")
def test_every_n_fsyncs_after_each_nth_record(db: Path, spy: Spy) -> None:
    store = WALStore(db, fsync=3)
    ends = []
    end = 0
    for i in range(8):
        spy.phase = f"after put {i + 1}"
        store.put(key(i), value(i))
        end += len(put(key(i), value(i)))
        ends.append(end)
    spy.phase = "at close"
    store.close()
    got = spy.file_syncs(log_of(db))
    assert [e.size for e in got] == [ends[2], ends[5]], fsyncs_message(
        "fsync=3: the log must be fsynced after the 3rd and the 6th record, each time holding "
        "what was written, and at no other time",
        [ends[2], ends[5]],
        got,
    )


@pytest.mark.spec("Durability")
def test_never_does_not_fsync_appends(db: Path, spy: Spy) -> None:
    with WALStore(db, fsync="never") as store:
        for i in range(5):
            spy.phase = f"after put {i + 1}"
            store.put(key(i), value(i))
        spy.phase = "after the delete"
        store.delete(key(1))
        spy.phase = "at close"
    got = spy.file_syncs(log_of(db))
    assert [e.size for e in got] == [], fsyncs_message(
        'fsync="never": appends must never be fsynced', [], got
    )


@pytest.mark.spec("Durability")
@pytest.mark.parametrize("policy", ["never", 2])
@pytest.mark.parametrize("torn", [False, True], ids=["new", "torn-tail"])
def test_fsyncs_while_opening_are_not_counted(
    db: Path, spy: Spy, policy: str | int, torn: bool
) -> None:
    # Fsyncing the new empty log, or the log just cut, is sound; the policy
    # starts counting appends once the store is open.
    if torn:
        write_log(db, put(b"a", b"1"), put(b"b", b"2")[:5])
    store = WALStore(db, fsync=policy)
    start = len(put(b"a", b"1")) if torn else 0
    for i in range(4):
        spy.phase = f"after put {i + 1}"
        store.put(key(i), value(i))
    spy.phase = "at close"
    store.close()
    ends = [start + sum(len(put(key(j), value(j))) for j in range(i + 1)) for i in range(4)]
    want = [] if policy == "never" else [ends[1], ends[3]]
    got = spy.file_syncs(log_of(db))
    assert [e.size for e in got] == want, fsyncs_message(
        f"fsync={policy!r}: the count of appends must start at 0 when the store opens", want, got
    )


@pytest.mark.spec("Durability")
@pytest.mark.parametrize("policy", ["always", "never"])
def test_creating_the_log_fsyncs_the_directory(db: Path, spy: Spy, policy: str) -> None:
    with WALStore(db, fsync=policy):
        pass
    assert log_of(db).exists(), "opening must create an empty wal.log"
    assert spy.directory_syncs(db) == 1, (
        "creating wal.log must fsync the directory once (a new name is durable only then), "
        "whatever the policy"
    )


@pytest.mark.spec("Durability")
def test_compaction_restarts_the_every_n_count(db: Path, spy: Spy) -> None:
    store = WALStore(db, fsync=2)
    spy.phase = "after put 1"
    store.put(b"a", b"1")
    spy.phase = "in compact()"
    store.compact()  # fsyncs everything: the count starts again
    compacted = [len(put(b"a", b"1"))]
    got = spy.file_syncs(log_of(db))
    assert [e.size for e in got] == compacted, fsyncs_message(
        "compaction must fsync its new log", compacted, got
    )
    spy.phase = "after the 1st put since compaction"
    store.put(b"b", b"2")
    got = spy.file_syncs(log_of(db))
    assert [e.size for e in got] == compacted, fsyncs_message(
        "fsync=2, one record since compaction: the log must not be fsynced yet", compacted, got
    )
    spy.phase = "after the 2nd put since compaction"
    store.put(b"c", b"3")
    want = [*compacted, len(put(b"a", b"1") + put(b"b", b"2") + put(b"c", b"3"))]
    got = spy.file_syncs(log_of(db))
    assert [e.size for e in got] == want, fsyncs_message(
        "fsync=2, two records since compaction: the log must be fsynced", want, got
    )
    store.close()


@pytest.mark.spec("Durability")
def test_a_policy_read_at_run_time_is_accepted(db: Path, spy: Spy) -> None:
    # The policy usually comes from a configuration file: an equal string, not
    # the same object as the literal (compare with ==, not is).
    always, never = "".join(["al", "ways"]), "".join(["ne", "ver"])
    with WALStore(db / "a", fsync=always) as store:
        spy.phase = "after put 1"
        store.put(b"k", b"v")
    want = [len(put(b"k", b"v"))]
    got = spy.file_syncs(log_of(db / "a"))
    assert [e.size for e in got] == want, fsyncs_message(
        'a policy equal to "always" must act as "always" (compare with ==)', want, got
    )
    spy.phase = "at open"
    with WALStore(db / "n", fsync=never) as store:
        spy.phase = "after put 1"
        store.put(b"k", b"v")
    got = spy.file_syncs(log_of(db / "n"))
    assert [e.size for e in got] == [], fsyncs_message(
        'a policy equal to "never" must act as "never" (compare with ==)', [], got
    )


@pytest.mark.spec("Durability")
@pytest.mark.parametrize(
    "policy",
    ["sometimes", "", 0, -1, 2.5, True],
    ids=["word", "empty", "zero", "negative", "float", "bool"],
)
def test_an_unknown_policy_is_rejected(db: Path, policy: object) -> None:
    try:
        store = WALStore(db, fsync=policy)  # type: ignore[arg-type]
    except ValueError:
        return
    store.close()
    pytest.fail(f"WALStore(directory, fsync={policy!r}) must raise ValueError")


# --- recovery ---------------------------------------------------------------------


@pytest.mark.spec("Recovery")
def test_replay_applies_records_in_order(db: Path) -> None:
    write_log(
        db,
        put(b"a", b"1"),
        put(b"a", b"2"),
        tombstone(b"a"),
        put(b"a", b"3"),
        put(b"b", b"1"),
        tombstone(b"b"),
        tombstone(b"never-there"),
    )
    with WALStore(db) as store:
        assert (store.get(b"a"), store.get(b"b"), len(store)) == (b"3", None, 1), (
            "replay must apply puts and tombstones in log order"
        )


# More than 256 bytes before the last record, so offsets are not small ints.
PREFIX = [put(b"a", b"1"), put(b"big", b"\xee" * 300), put(b"b", b"22"), tombstone(b"a")]
LAST = put(b"c", b"last value")


@pytest.mark.spec("Recovery")
def test_a_torn_last_record_is_dropped_at_every_byte(tmp_path: Path) -> None:
    good = b"".join(PREFIX)
    for cut in range(len(LAST)):
        db = tmp_path / f"cut-{cut}"
        write_log(db, good + LAST[:cut])
        with WALStore(db) as store:
            got = (store.get(b"a"), store.get(b"b"), store.get(b"c"), len(store))
            assert got == (None, b"22", None, 2), (
                f"log cut {cut} bytes into its last record: the records before it must stand"
            )
        check_log(db, good, f"a log cut {cut} bytes into its last record must be truncated")


@pytest.mark.spec("Recovery")
def test_appends_after_a_torn_tail_follow_the_good_records(db: Path) -> None:
    good = b"".join(PREFIX)
    write_log(db, good + LAST[:20])
    with WALStore(db) as store:
        store.put(b"d", b"4")
    check_log(
        db,
        good + put(b"d", b"4"),
        "the torn bytes must be cut off before the next append, or they end up in the middle",
    )
    assert contents(db, [b"b", b"c", b"d"]) == {b"b": b"22", b"c": None, b"d": b"4"}, (
        "the store must reopen with the good records and the append after them"
    )


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x40]) + data[at + 1 :]


# Offsets into put(b"c", b"last value") (13-byte header, key at 13, value at 14).
DAMAGE = {"crc": 2, "kind": 4, "key": 13, "value": 18, "last-byte": 23}


@pytest.mark.spec("Recovery")
@pytest.mark.parametrize("where", list(DAMAGE), ids=list(DAMAGE))
def test_a_bad_checksum_at_the_tail_is_a_torn_record(db: Path, where: str) -> None:
    good = b"".join(PREFIX)
    write_log(db, good + flip(LAST, DAMAGE[where]))
    with WALStore(db) as store:
        assert (store.get(b"b"), store.get(b"c"), len(store)) == (b"22", None, 2), (
            "the last record, whole in length but with a wrong checksum, must be dropped"
        )
    check_log(db, good, "a last record with a wrong checksum is torn and must be truncated")


@pytest.mark.spec("Recovery")
@pytest.mark.parametrize("where", list(DAMAGE), ids=list(DAMAGE))
def test_a_bad_checksum_in_the_middle_is_corruption(db: Path, where: str) -> None:
    offset = len(b"".join(PREFIX))
    data = write_log(db, *PREFIX, flip(LAST, DAMAGE[where]), put(b"d", b"4"))
    after = len(put(b"d", b"4"))
    open_must_be_corrupt(
        db,
        offset,
        f"a record at byte {offset} with a bad checksum (its {where} damaged), followed by "
        f"{after} more bytes, must raise CorruptLogError(offset={offset})",
    )
    check_log(db, data, "a corrupt log must be left exactly as it was", unchanged=True)


@pytest.mark.spec("Recovery")
def test_corruption_in_the_first_record_reports_offset_zero(db: Path) -> None:
    data = write_log(db, flip(put(b"a", b"1"), 14), put(b"b", b"2"))
    after = len(put(b"b", b"2"))
    open_must_be_corrupt(
        db,
        0,
        f"a record at byte 0 with a bad checksum, followed by {after} more bytes, must raise "
        "CorruptLogError(offset=0)",
    )
    check_log(db, data, "a corrupt log must be left exactly as it was", unchanged=True)


@pytest.mark.spec("Recovery")
@pytest.mark.parametrize(
    ("kind", "at_tail"),
    [(3, False), (3, True), (0, False), (255, True)],
    ids=["3-middle", "3-tail", "0-middle", "255-tail"],
)
def test_an_unknown_kind_with_a_good_checksum_is_corruption(
    db: Path, kind: int, at_tail: bool
) -> None:
    odd = record(kind, b"x", b"y")
    records = [put(b"a", b"1"), odd] + ([] if at_tail else [put(b"b", b"2")])
    data = write_log(db, *records)
    offset = len(records[0])
    where = "the last record" if at_tail else "followed by more records"
    open_must_be_corrupt(
        db,
        offset,
        f"a record at byte {offset} with a valid checksum and the unknown kind {kind} ({where}) "
        f"must raise CorruptLogError(offset={offset})",
    )
    check_log(db, data, "a corrupt log must be left exactly as it was", unchanged=True)


@pytest.mark.spec("Recovery")
def test_a_length_running_past_the_end_is_a_torn_tail(db: Path) -> None:
    # A header that promises more bytes than the file has: the append was cut.
    huge = struct.pack("<IBII", 0, PUT, 5, 1 << 20) + b"abcde"
    write_log(db, put(b"a", b"1"), huge)
    assert contents(db, [b"a", b"abcde"]) == {b"a": b"1", b"abcde": None}, (
        "a record whose lengths run past the end of the file is torn and must be dropped"
    )
    check_log(db, put(b"a", b"1"), "a record running past the end must be truncated")


@pytest.mark.spec("Recovery")
def test_a_leftover_compaction_file_is_deleted_and_ignored(db: Path) -> None:
    write_log(db, put(b"a", b"1"))
    leftover = db / "wal.log.compact"
    leftover.write_bytes(put(b"a", b"stale") + put(b"ghost", b"boo"))
    assert contents(db, [b"a", b"ghost"]) == {b"a": b"1", b"ghost": None}, (
        "wal.log.compact must be ignored: wal.log is the log"
    )
    assert not leftover.exists(), "opening must delete wal.log.compact"


@pytest.mark.spec("Recovery")
def test_a_last_record_of_exactly_a_header_is_whole(db: Path) -> None:
    # put(b"", b"") is 13 bytes: a header and nothing else.
    write_log(db, put(b"a", b"1"), put(b"", b""))
    with WALStore(db) as store:
        assert (store.get(b""), len(store)) == (b"", 2), (
            "a 13-byte record is whole and must be applied"
        )
    check_log(db, put(b"a", b"1") + put(b"", b""), "a whole log must not be truncated")


@pytest.mark.spec("Recovery")
def test_an_empty_log_opens_empty(db: Path) -> None:
    write_log(db)
    with WALStore(db) as store:
        assert len(store) == 0, "an empty log must open as an empty store"
        store.put(b"a", b"1")
    check_log(db, put(b"a", b"1"), "the first append must start at byte 0")


@pytest.mark.spec("Recovery")
def test_a_long_log_replays(db: Path) -> None:
    records = []
    want: dict[bytes, bytes | None] = {}
    for i in range(20_000):
        k = key(i % 3000)
        if i % 11 == 5:
            records.append(tombstone(k))
            want[k] = None
        else:
            records.append(put(k, value(i)))
            want[k] = value(i)
    write_log(db, *records)
    with WALStore(db) as store:
        assert {k: store.get(k) for k in want} == want, "a 20,000-record log must replay whole"
        assert len(store) == sum(v is not None for v in want.values()), (
            "len() must count the live keys"
        )


# --- compaction -------------------------------------------------------------------


def fill(store: WALStore) -> dict[bytes, bytes | None]:
    """Overwrites and deletes; the state they leave."""
    want: dict[bytes, bytes | None] = {}
    for i in range(40):
        k = key(i % 12)
        store.put(k, value(i))
        want[k] = value(i)
        if i % 9 == 8:
            store.delete(k)
            want[k] = None
    return want


@pytest.mark.spec("Compaction")
def test_compaction_keeps_one_put_per_live_key(db: Path) -> None:
    with WALStore(db, fsync="never") as store:
        want = fill(store)
        store.compact()
        assert {k: store.get(k) for k in want} == want, "compaction must not change the data"
    live = {k: v for k, v in want.items() if v is not None}
    got = parse(log_of(db).read_bytes())
    assert sorted(got) == sorted((PUT, k, v) for k, v in live.items()), (
        "after compaction wal.log must hold exactly one put per live key: no tombstones, no "
        "overwritten values"
    )
    assert contents(db, list(want)) == want, "the compacted log must reopen with the same data"


@pytest.mark.spec("Compaction")
def test_a_deleted_key_stays_deleted_through_compaction(db: Path) -> None:
    with WALStore(db) as store:
        store.put(b"gone", b"1")
        store.put(b"kept", b"2")
        store.delete(b"gone")
        store.compact()
        assert store.get(b"gone") is None, "a deleted key must stay deleted through compaction"
    assert contents(db, [b"gone", b"kept"]) == {b"gone": None, b"kept": b"2"}, (
        "a deleted key must not come back after compaction and a reopen"
    )
    with WALStore(db) as store:
        store.compact()  # a second compaction of the compacted log
        assert len(store) == 1, "one live key"
    assert contents(db, [b"gone", b"kept"]) == {b"gone": None, b"kept": b"2"}, (
        "a deleted key must stay deleted through a second compaction"
    )


@pytest.mark.spec("Compaction")
def test_writes_after_compaction_go_to_the_new_log(db: Path) -> None:
    with WALStore(db, fsync=2) as store:
        store.put(b"a", b"1")
        store.put(b"a", b"2")
        store.compact()
        store.put(b"b", b"3")
        store.delete(b"a")
    check_log(
        db,
        put(b"a", b"2") + put(b"b", b"3") + tombstone(b"a"),
        "writes after compaction must be appended to the new log",
    )
    assert contents(db, [b"a", b"b"]) == {b"a": None, b"b": b"3"}, (
        "the new log must reopen with the writes made after compaction"
    )


@pytest.mark.spec("Compaction")
@pytest.mark.parametrize("policy", ["never", "always"])
def test_compaction_syncs_the_new_file_swaps_it_and_syncs_the_directory(
    db: Path, spy: Spy, policy: str
) -> None:
    store = WALStore(db, fsync=policy)
    store.put(b"a", b"1")
    store.put(b"a", b"2")
    store.put(b"b", b"3")
    old_inode = log_of(db).stat().st_ino
    spy.events.clear()
    store.compact()
    store.close()
    new_inode = log_of(db).stat().st_ino
    names = {new_inode: "wal.log.compact", old_inode: "wal.log (the old log)"}
    size = len(put(b"a", b"2") + put(b"b", b"3"))
    got = [describe(e, names, db) for e in spy.events]
    want = [
        f"fsync(wal.log.compact, {size} bytes)",
        "replace(wal.log.compact → wal.log)",
        "fsync(directory)",
    ]
    assert got == want, "\n".join(
        [
            "compaction must fsync the new file (holding every live record), then os.replace "
            "it onto wal.log, then fsync the directory so the rename is durable",
            "expected:",
            *(f"  {line}" for line in want),
            "got:",
            *(f"  {line}" for line in got),
        ]
    )
    assert new_inode != old_inode, "the new log must be a new file, not the old one rewritten"


@pytest.mark.spec("Compaction")
def test_a_failed_swap_leaves_the_old_log_in_use(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = WALStore(db)
    want = fill(store)
    before = log_of(db).read_bytes()

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk said no")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk said no"):
        store.compact()
    monkeypatch.undo()
    check_log(db, before, "a failed compaction must leave wal.log as it was", unchanged=True)
    assert not (db / "wal.log.compact").exists(), "a failed compaction must delete wal.log.compact"
    store.put(b"after", b"1")
    want[b"after"] = b"1"
    assert {k: store.get(k) for k in want} == want, "the store must go on after a failed compaction"
    store.close()
    check_log(
        db, before + put(b"after", b"1"), "after a failed swap, writes must go to the old log"
    )
    assert contents(db, list(want)) == want, "the old log must reopen with every write"


def compacted_state(db: Path) -> tuple[dict[bytes, bytes | None], int]:
    """A log with dead records; its live state and the size of its compacted form."""
    with WALStore(db, fsync="never") as store:
        want = fill(store)
    live = sum(len(put(k, v)) for k, v in want.items() if v is not None)
    assert live < log_of(db).stat().st_size
    return want, live


@pytest.mark.spec("Compaction")
def test_a_crash_while_writing_the_compacted_log_loses_nothing(db: Path) -> None:
    want, live = compacted_state(db)
    before = log_of(db).read_bytes()

    def compactor(send: Callable[[str], None]) -> None:
        store = WALStore(db, fsync="never")
        limit_file_size(live // 2)  # the new log's write fails half-way
        store.compact()

    lines = run_and_kill(compactor)
    assert lines[-1].startswith("RAISED"), f"the half-written compaction must fail: {lines}"
    check_log(
        db,
        before,
        "a compaction that died half-way must not have touched wal.log (write a new file, "
        "then os.replace it)",
        unchanged=True,
    )
    assert contents(db, list(want)) == want, "the old log must reopen with every write"


@pytest.mark.spec("Compaction")
@pytest.mark.parametrize("swapped", [False, True], ids=["before-swap", "after-swap"])
def test_a_kill_around_the_swap_leaves_a_whole_log(db: Path, swapped: bool) -> None:
    want, live = compacted_state(db)
    old_size = log_of(db).stat().st_size

    def compactor(send: Callable[[str], None]) -> None:
        store = WALStore(db, fsync="never")
        real_replace = os.replace

        def replace_then_hang(src: str, dst: str) -> None:
            if swapped:
                real_replace(src, dst)
            send("KILL ME at the swap")
            while True:
                signal.pause()  # killed here

        os.replace = replace_then_hang  # type: ignore[assignment]
        store.compact()

    lines = run_and_kill(compactor)
    assert lines == ["KILL ME at the swap"], (
        f"compaction must swap the new log in with os.replace: {lines}"
    )
    leftover = (db / "wal.log.compact").exists()
    if swapped:
        assert not leftover, "after os.replace, wal.log.compact must no longer exist"
    else:
        assert leftover, (
            "killed at the swap, wal.log.compact must still exist: compaction writes the new "
            "log to wal.log.compact and renames it only with os.replace"
        )
    assert contents(db, list(want)) == want, "whichever side of the swap, the data must be whole"
    assert not (db / "wal.log.compact").exists(), "opening must delete a leftover wal.log.compact"
    size = log_of(db).stat().st_size
    if swapped:
        assert size == live, f"after the swap wal.log must be the compacted log ({live} bytes)"
    else:
        assert size == old_size, (
            f"before the swap wal.log must still be the old log ({old_size} bytes)"
        )
