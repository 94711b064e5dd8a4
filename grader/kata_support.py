"""Helpers that several katas' tests share.

Kata tests import them as ``from grader.kata_support import …``; the grader
runs every kata with this package importable.
"""

from __future__ import annotations

import _thread
import copy
import functools
import hashlib
import json
import linecache
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar


def in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Start ``fn`` in a daemon thread; the dict gets its ``"result"`` or ``"error"``."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = fn()
        except BaseException as exc:
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def run_threads(targets: Sequence[Callable[[], object]], switch_interval: float = 1e-6) -> None:
    """Run every target in its own thread at once and wait for them all.

    Threads switch as often as the interpreter allows meanwhile, so that a
    race in the code under test shows up; the first error any thread raised
    is raised again here.
    """
    errors: list[BaseException] = []

    def guarded(target: Callable[[], object]) -> None:
        try:
            target()
        except BaseException as exc:
            errors.append(exc)

    old = sys.getswitchinterval()
    sys.setswitchinterval(switch_interval)
    try:
        pool = [threading.Thread(target=guarded, args=(t,)) for t in targets]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    finally:
        sys.setswitchinterval(old)
    if errors:
        raise errors[0]


def problem_details(response: Any, status: int, context: str = "") -> dict[str, Any]:
    """Check that an HTTP response is an RFC 9457 problem with ``status``; return its members.

    RFC 9457 §3: the media type is ``application/problem+json`` and the
    ``status`` member, when present, is the number of the response's status.
    """
    where = f" {context}" if context else ""
    assert response.status_code == status, (
        f"expected {status}{where}, got {response.status_code}: {response.text}"
    )
    content_type = response.headers.get("content-type", "")
    assert content_type.split(";")[0].strip() == "application/problem+json", (
        f"errors are RFC 9457 problem details (application/problem+json), got {content_type!r}"
    )
    problem = response.json()
    assert problem.get("status") == status and type(problem["status"]) is int, (
        f"the problem's status member must be the number {status}: {problem}"
    )
    return problem


@dataclass(frozen=True)
class TracedStatement:
    """One statement the code under test ran, and SQLite's plan for it."""

    sql: str
    """The SQL as the code passed it, placeholders and all."""
    params: Any
    """The parameters bound to it; ``None`` when none were (or only the trace saw it)."""
    plan: list[str]
    """The details of ``EXPLAIN QUERY PLAN`` on ``sql`` with the same ``params``."""


class TracingConnection(sqlite3.Connection):
    """A ``sqlite3.Connection`` that can record what runs on it, for :func:`explain_traced`.

    Open it with ``sqlite3.connect(database, factory=TracingConnection)``; it
    behaves as a plain connection (``conn.cursor()`` included) until traced.
    """

    _log: list[TracedStatement] | None = None
    _inside = 0  # > 0 while a recorded call runs: the trace callback ignores what it sees

    def cursor(self, factory: Any = None) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(_recording_cursor(factory or sqlite3.Cursor))

    # The overrides widen sqlite3's signatures, which differ between Python versions.
    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:  # type: ignore[override, unused-ignore]
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq: Any, /) -> sqlite3.Cursor:  # type: ignore[override, unused-ignore]
        return self.cursor().executemany(sql, seq)

    def _explain(self, sql: str, params: Any) -> list[str]:
        query = "EXPLAIN QUERY PLAN " + sql
        try:
            rows = sqlite3.Connection.execute(self, query, () if params is None else params)
            return [row[3] for row in rows]
        except sqlite3.Error:
            return []  # a statement EXPLAIN does not take (a trigger's trace line, say)

    def _run(self, sql: str, params: Any, call: Callable[[], Any]) -> Any:
        self._inside += 1
        try:
            result = call()
            if self._log is not None:
                plan = self._explain(sql, params)
                self._log.append(TracedStatement(sql, None if params == () else params, plan))
            return result
        finally:
            self._inside -= 1


@functools.cache
def _recording_cursor(base: type[sqlite3.Cursor]) -> type[sqlite3.Cursor]:
    """``base`` with ``execute`` and ``executemany`` recorded on a TracingConnection."""

    class Recording(base):  # type: ignore[misc, valid-type]
        def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
            conn = self.connection
            if not isinstance(conn, TracingConnection):
                return super().execute(sql, parameters)
            return conn._run(
                sql, parameters, lambda: super(Recording, self).execute(sql, parameters)
            )

        def executemany(self, sql: str, seq: Any, /) -> sqlite3.Cursor:
            conn = self.connection
            if not isinstance(conn, TracingConnection):
                return super().executemany(sql, seq)
            rows = list(seq)  # explained with the first set of parameters
            first = rows[0] if rows else None
            return conn._run(sql, first, lambda: super(Recording, self).executemany(sql, rows))

    Recording.__name__ = Recording.__qualname__ = f"Recording{base.__name__}"
    return Recording


class _NullForEveryName(dict):
    def __missing__(self, key: str) -> None:
        return None


T = TypeVar("T")


def explain_traced(
    conn: TracingConnection, run: Callable[[], T]
) -> tuple[T, list[TracedStatement]]:
    """Call ``run()`` and return its result and every statement it ran on ``conn``, in order.

    Each statement comes with SQLite's ``EXPLAIN QUERY PLAN`` for it as it
    ran: the same SQL text with the same bound parameters, explained right
    after it ran. Pasting the values in as literals would not do: SQLite plans
    literals differently (``a < 5 OR (a = 5 AND b < 3)`` can seek an index;
    with ``?`` in place of the numbers it cannot).

    Calls through ``conn.execute``, ``conn.executemany`` and cursors from
    ``conn.cursor()`` are recorded with their parameters. Anything else SQLite
    runs (``executescript``, a cursor made without ``conn.cursor()``) is caught
    by ``Connection.set_trace_callback``, which reports the statement with any
    parameters already pasted in; it is explained as reported (exact for a
    statement without parameters). On Python 3.10.0-3.10.3 (CPython issue
    89301) the trace leaves placeholders in; they are bound to NULL.
    """
    if not isinstance(conn, TracingConnection):
        raise TypeError("explain_traced needs sqlite3.connect(..., factory=TracingConnection)")
    log: list[TracedStatement] = []
    seen: list[tuple[int, str]] = []  # statements only the trace saw: (position in log, sql)

    def trace(sql: str) -> None:
        if not conn._inside:
            seen.append((len(log), sql))

    conn._log = log
    conn.set_trace_callback(trace)
    try:
        result = run()
    finally:
        conn.set_trace_callback(None)
        conn._log = None
    for offset, (at, sql) in enumerate(seen):
        try:
            rows = sqlite3.Connection.execute(conn, "EXPLAIN QUERY PLAN " + sql).fetchall()
        except sqlite3.ProgrammingError as exc:
            count = re.search(r"uses (\d+)", str(exc))
            nulls: Any = [None] * int(count.group(1)) if count else _NullForEveryName()
            try:
                plan = sqlite3.Connection.execute(conn, "EXPLAIN QUERY PLAN " + sql, nulls)
                rows = plan.fetchall()
            except sqlite3.Error:
                rows = []
        except sqlite3.Error:
            rows = []
        log.insert(at + offset, TracedStatement(sql, None, [row[3] for row in rows]))
    return result, log


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Ada Lovelace",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Lovelace",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}
"""A fixed identity and no system or user configuration: git answers the same anywhere."""


def git(
    repo: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: bytes = b"",
    ok: Sequence[int] = (0,),
) -> bytes:
    """Run the real ``git`` in ``repo`` and return its standard output.

    ``env`` adds to :data:`GIT_IDENTITY` (commit dates, say); an exit status
    not in ``ok`` fails the test with git's error message.
    """
    result = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=repo,
        input=stdin,
        capture_output=True,
        env={**os.environ, **GIT_IDENTITY, **(env or {})},
        check=False,
    )
    assert result.returncode in ok, f"git {' '.join(args)} failed: {result.stderr.decode()}"
    return result.stdout


ORACLE_CACHE = "KATA_ORACLE_CACHE"
"""The environment variable naming a directory where :func:`remembered` keeps answers."""

_Answer = TypeVar("_Answer")


def _kept(name: str, inputs: object) -> tuple[str, Path] | None:
    """The question's key and where its answer is kept (no suffix); None with no cache."""
    folder = os.environ.get(ORACLE_CACHE)
    if not folder:
        return None
    key = json.dumps([name, inputs], sort_keys=True, ensure_ascii=False)
    return key, Path(folder) / hashlib.sha256(key.encode()).hexdigest()


def remembered(name: str, inputs: object, compute: Callable[[], _Answer]) -> _Answer:
    """``compute()``: a real program's answer (git's, say) to a test's own ``inputs``.

    Mutation testing runs a kata's tests once per mutant of its reference, and
    the truth the tests ask a real program for is the same every time. When
    the environment variable :data:`ORACLE_CACHE` names a directory (mutation
    testing sets it), the first answer is kept there, keyed by ``name`` and
    ``inputs``, and later processes read it back; otherwise (every learner's
    grade) ``compute()`` runs every time. ``inputs`` must determine the answer
    and never come from the code under test; both must be JSON values (a
    tuple comes back as a list).
    """
    kept = _kept(name, inputs)
    if kept is None:
        return compute()
    key, stem = kept
    path = stem.with_suffix(".json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))["answer"]
    except (OSError, ValueError, KeyError):
        pass
    answer = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps({"key": key, "answer": answer}), encoding="utf-8")
    os.replace(partial, path)  # readers see the whole answer or none
    return answer


def remembered_folder(
    name: str, inputs: object, make: Callable[[Path], _Answer], dest: Path
) -> _Answer:
    """``make(dest)``: build a folder (a git repository, say) from ``inputs`` at ``dest``.

    Like :func:`remembered`: under mutation testing the folder is built once,
    kept with ``make``'s answer, and copied to ``dest`` for every later test
    process; otherwise ``make(dest)`` runs every time. ``dest`` must not exist.
    """
    found = _kept(name, inputs)
    if found is None:
        return make(dest)
    kept = found[1].with_suffix(".d")
    answer = kept / "answer.json"
    if not answer.is_file():
        building = kept.with_suffix(f".{os.getpid()}.tmp")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        made = make(building / "tree")
        (building / "answer.json").write_text(json.dumps({"answer": made}), encoding="utf-8")
        try:
            os.rename(building, kept)  # another process may have kept it first: either will do
        except OSError:
            shutil.rmtree(building, ignore_errors=True)
    shutil.copytree(kept / "tree", dest, symlinks=True)
    return json.loads(answer.read_text(encoding="utf-8"))["answer"]


# -- Redis: recording commands and forcing interleavings ----------------------
#
# ``RedisRecorder(redis).client`` is a client of the same kind as the ``redis``
# fixture's (redis-py on a real server, or fakeredis) that shares its
# connections, records every command the code under test sends through it,
# and can run a hook between two of its round trips. A round trip is one
# command, or one MULTI … EXEC block (which Redis runs atomically), so a hook
# never runs inside a script or a transaction: exactly where another client
# could act in real life. The commands of a pipeline without a transaction
# are separate round trips here, because Redis may run other clients'
# commands between them.


def _text(arg: object) -> str:
    if isinstance(arg, (bytes, bytearray, memoryview)):
        return bytes(arg).decode("utf-8", "backslashreplace")
    return str(arg)


@dataclass(frozen=True)
class RedisCommand:
    """One command the code under test sent, as Redis received it."""

    name: str
    """The command in upper case: ``"SET"``, ``"EVALSHA"``, ``"SCRIPT"``."""
    args: tuple[str, ...]
    """The arguments after the name, as text (``SCRIPT LOAD`` has ``"LOAD"`` first)."""
    step: int
    """The number of the round trip that carried it (1, 2, … for this recorder)."""
    transaction: bool
    """Whether it was queued in a ``MULTI`` … ``EXEC`` block."""
    script: str | None = None
    """The Lua source run by ``EVAL`` / ``EVALSHA`` (``EVALSHA`` of a script the
    recorder saw registered or loaded); ``None`` for other commands."""

    def has(self, *options: str) -> bool:
        """Whether every one of ``options`` (``"NX"``, ``"PX"``…) is among the arguments."""
        present = {a.upper() for a in self.args}
        return all(o.upper() in present for o in options)

    def __str__(self) -> str:
        return " ".join((self.name, *self.args))


class RedisHook:
    """A hook registered with :meth:`RedisRecorder.after`; ``fired`` counts its runs."""

    def __init__(
        self, when: int | Callable[[RedisCommand], bool], action: Callable[[], object], times: int
    ) -> None:
        self.when = when
        self.action = action
        self.times = times
        self.fired = 0
        self.error: BaseException | None = None
        """An exception the action raised (it is raised in the caller's code too,
        which might swallow it: a test can look here)."""

    def _due(self, step: int, commands: Sequence[RedisCommand]) -> bool:
        if self.fired >= self.times:
            return False
        if isinstance(self.when, int):
            return step == self.when
        return any(self.when(c) for c in commands)


class RedisRecorder:
    """Records what code under test sends to Redis, and runs hooks between its round trips.

    Hand ``recorder.client`` to the code under test and keep the fixture's
    client for the test's own reads and for the "other clients" of hooks::

        rec = RedisRecorder(redis)
        lock = RedisLock(rec.client, "job", 5000)
        lock.acquire(blocking=False)
        rec.clear()
        rec.steal("job", take=other.acquire, when=1)   # between its 1st and 2nd round trip
        lock.release()
        assert [c.name for c in rec.commands] == ["EVALSHA"]

    ``commands`` lists every command in the order the round trips finished
    (inside a ``MULTI`` block, in queue order, without ``MULTI``/``EXEC``
    themselves); ``steps`` counts round trips. Scripts registered with
    ``register_script`` are loaded at once (unrecorded), so a first call never
    shows a ``NOSCRIPT`` retry; ``SCRIPT EXISTS``/``LOAD`` sent by a pipeline
    before running scripts are not recorded either.
    """

    def __init__(self, redis: Any) -> None:
        self.redis = redis
        self.commands: list[RedisCommand] = []
        self.steps = 0
        self._hooks: list[RedisHook] = []
        self._scripts: dict[str, str] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self.client = _recording_client(redis, self)

    # -- what was sent ---------------------------------------------------------

    def clear(self) -> None:
        """Forget the commands recorded so far (step numbers go on)."""
        with self._lock:
            self.commands.clear()

    def named(self, *names: str) -> list[RedisCommand]:
        """The recorded commands with one of these names (upper or lower case)."""
        wanted = {n.upper() for n in names}
        return [c for c in self.commands if c.name in wanted]

    def writes_to(self, key: str) -> list[RedisCommand]:
        """Recorded commands that are not scripts and name ``key`` as an argument."""
        return [c for c in self.commands if c.script is None and key in c.args]

    # -- hooks -----------------------------------------------------------------

    def after(
        self,
        when: int | Callable[[RedisCommand], bool],
        action: Callable[[], object],
        times: int = 1,
    ) -> RedisHook:
        """Run ``action`` between two round trips of the code under test.

        ``when`` is either ``n``, "after the n-th round trip from now" (1 is the
        next one), or a predicate on a command, "after a round trip that
        carried a matching command" (a predicate may ignore its argument and
        look at the server's state instead). It runs at most ``times`` times,
        in the thread that made the round trip, before the code under test gets
        the reply; the recorder's own client is not recorded meanwhile.
        """
        with self._lock:
            hook = RedisHook(self.steps + when if isinstance(when, int) else when, action, times)
            self._hooks.append(hook)
        return hook

    def steal(
        self,
        key: str,
        take: Callable[[], object],
        when: int | Callable[[RedisCommand], bool] = 1,
    ) -> RedisHook:
        """After the round trip ``when`` selects, expire ``key`` and let another client take it.

        The key's TTL runs out (as when its holder stalled past it), then
        ``take()`` (another client's acquire, with another client object)
        must return a true value: the key now belongs to someone else.
        """

        def steal_it() -> None:
            expire_now(self.redis, key)
            assert take(), f"another client could not take {key!r} once it expired"

        return self.after(when, steal_it)

    # -- the recording client's side -------------------------------------------

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Neither record nor run hooks for this thread's commands meanwhile."""
        before = getattr(self._local, "quiet", False)
        self._local.quiet = True
        try:
            yield
        finally:
            self._local.quiet = before

    def _note_script(self, source: object) -> None:
        text = _text(source)
        self._scripts[hashlib.sha1(text.encode()).hexdigest()] = text

    def _command(self, args: Sequence[object], step: int, transaction: bool) -> RedisCommand:
        words = _text(args[0]).split()
        name, rest = words[0].upper(), (*words[1:], *map(_text, args[1:]))
        script = None
        if name == "EVAL" and rest:
            script = rest[0]
            self._note_script(script)
        elif name == "EVALSHA" and rest:
            script = self._scripts.get(rest[0].lower())
        elif name == "SCRIPT" and len(rest) > 1 and rest[0].upper() == "LOAD":
            self._note_script(rest[1])
        return RedisCommand(name, rest, step, transaction, script)

    def _round_trip(
        self, commands: Sequence[Sequence[object]], transaction: bool, send: Callable[[], Any]
    ) -> Any:
        if getattr(self._local, "quiet", False):
            return send()
        try:
            return send()
        finally:
            with self._lock:
                self.steps += 1
                recorded = [self._command(args, self.steps, transaction) for args in commands]
                self.commands.extend(recorded)
                due = [h for h in self._hooks if h._due(self.steps, recorded)]
                for hook in due:
                    hook.fired += 1
            for hook in due:
                with self.quiet():
                    try:
                        hook.action()
                    except BaseException as exc:
                        hook.error = exc
                        raise


def expire_now(redis: Any, key: str) -> None:
    """Let ``key``'s TTL run out now, as if its time had passed (no-op if it is gone)."""
    redis.pexpire(key, 1)
    deadline = time.monotonic() + 2
    while redis.exists(key) and time.monotonic() < deadline:
        time.sleep(0.001)
    assert not redis.exists(key), f"{key!r} did not expire"


_RECORDING_CLASSES: dict[type, type] = {}


def _recording_client(redis: Any, recorder: RedisRecorder) -> Any:
    """A copy of ``redis`` (same class, same connection pool) that reports to ``recorder``."""
    from redis.client import Pipeline
    from redis.exceptions import ResponseError

    class RecordingPipeline(Pipeline):
        _recorder: RedisRecorder

        def immediate_execute_command(self, *args: Any, **options: Any) -> Any:
            # WATCH, and the reads made while watching, go out one at a time.
            send = super().immediate_execute_command
            return self._recorder._round_trip([args], False, lambda: send(*args, **options))

        def load_scripts(self) -> None:
            with self._recorder.quiet():
                super().load_scripts()

        def execute(self, raise_on_error: bool = True) -> list[Any]:
            stack = [args for args, _ in self.command_stack]
            # Pipeline.transaction is a bool attribute; mypy sees Redis.transaction().
            if self.transaction or self.explicit_transaction or self.watching:  # type: ignore[truthy-function]
                send = super().execute
                return self._recorder._round_trip(stack, True, lambda: send(raise_on_error))
            # No MULTI: Redis may run other clients' commands between these.
            if self.scripts:
                self.load_scripts()
            queued, self.command_stack = self.command_stack, []
            results: list[Any] = []
            try:
                for args, options in queued:
                    try:
                        results.append(self._recorder.client.execute_command(*args, **options))
                    except ResponseError as exc:
                        results.append(exc)
            finally:
                self.reset()
            errors = [r for r in results if isinstance(r, ResponseError)]
            if raise_on_error and errors:
                raise errors[0]
            return results

    class RecordingMixin:
        _recorder: RedisRecorder

        def execute_command(self, *args: Any, **options: Any) -> Any:
            send = super().execute_command  # type: ignore[misc]
            return self._recorder._round_trip([args], False, lambda: send(*args, **options))

        def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Pipeline:
            client: Any = self
            pipe = RecordingPipeline(
                client.connection_pool, client.response_callbacks, transaction, shard_hint
            )
            pipe._recorder = self._recorder
            return pipe

        def register_script(self, script: Any) -> Any:
            registered = super().register_script(script)  # type: ignore[misc]
            self._recorder._note_script(script)
            with self._recorder.quiet():
                registered.sha = self.script_load(script)  # type: ignore[attr-defined]
            return registered

    base = type(redis)
    cls = _RECORDING_CLASSES.get(base)
    if cls is None:
        cls = type(f"Recording{base.__name__}", (RecordingMixin, base), {})
        _RECORDING_CLASSES[base] = cls
    client = cls.__new__(cls)  # type: ignore[call-overload]  # a class made by type()
    client.__dict__.update(redis.__dict__)
    client.auto_close_connection_pool = False  # the fixture's client owns the pool
    client._recorder = recorder
    return client


# --- boto3 on moto ---------------------------------------------------------------

AWS_REGION = "us-east-1"
"""The region of every mocked client (moto's default account lives there)."""

AWS_TEST_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": AWS_REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
"""The whole ``AWS_*`` environment while :class:`AwsMock` is on: fake credentials, one
region, no profile, config or credentials file, no instance metadata. Every other ``AWS_*``
variable (``AWS_PROFILE``, ``AWS_ENDPOINT_URL``, ``AWS_ROLE_ARN``, …) is unset meanwhile."""


class AwsMock:
    """AWS mocked in-process by moto (https://docs.getmoto.org), with boto3 clients made for it.

    While it is on, the ``AWS_*`` environment is :data:`AWS_TEST_ENVIRONMENT` and nothing
    else, so no real credentials, profile or endpoint are ever read, and moto answers every
    call in-process (no network). ``client(service)`` makes a boto3 client; ``reset()``
    empties every mocked service (a fresh AWS for the next test, the clients kept)::

        with aws_mock() as aws:
            sqs = aws.client("sqs")
            sqs.create_queue(QueueName="jobs")

    A test module makes its clients once (a client costs tens of milliseconds) and resets
    between tests. Leaving the ``with`` block (or ``stop()``) turns moto off and puts the
    environment back. moto's mock is process-wide: one ``AwsMock`` at a time.
    """

    def __init__(self, region: str = AWS_REGION) -> None:
        self.region = region
        self._mock: Any = None
        self._saved: dict[str, str] | None = None

    def start(self) -> AwsMock:
        """Override the environment and turn moto on (its services start empty)."""
        from moto import mock_aws

        if self._mock is not None:
            raise RuntimeError("this AwsMock is already on")
        self._saved = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
        for name in self._saved:
            del os.environ[name]
        os.environ.update(AWS_TEST_ENVIRONMENT, AWS_DEFAULT_REGION=self.region)
        self._mock = mock_aws()
        try:
            self._mock.start()
        except BaseException:
            self._mock = None
            self._restore_environment()
            raise
        return self

    def stop(self) -> None:
        """Turn moto off (its data is dropped) and restore the environment."""
        if self._mock is None:
            return
        mock, self._mock = self._mock, None
        try:
            mock.stop()
        finally:
            self._restore_environment()

    def _restore_environment(self) -> None:
        for name in [k for k in os.environ if k.startswith("AWS_")]:
            del os.environ[name]
        os.environ.update(self._saved or {})
        self._saved = None

    def __enter__(self) -> AwsMock:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self, service: str, *, fast: bool = False) -> Any:
        """A ``boto3`` client of ``service`` (``"sqs"``, ``"dynamodb"``) on the mocked AWS.

        ``fast`` leaves out what moto does not check: request signing and botocore's
        validation of the parameters. For timing workloads, whose calls the tests have
        already proved valid; tests use the default, which reports a malformed call as
        boto3 does against AWS.
        """
        import boto3  # type: ignore[import-untyped]  # no stubs installed
        from botocore import UNSIGNED
        from botocore.config import Config

        if self._mock is None:
            raise RuntimeError("start the AwsMock before making clients: they read its environment")
        config = Config(signature_version=UNSIGNED, parameter_validation=False) if fast else None
        return boto3.client(service, region_name=self.region, config=config)

    def reset(self) -> None:
        """Empty every mocked service: the next call sees a fresh AWS."""
        from moto.core.model_instances import reset_model_data
        from moto.core.models import BackendDict

        if self._mock is None:
            raise RuntimeError("the AwsMock is not on")
        BackendDict.reset()  # what moto does when a mock starts or stops
        reset_model_data()

    @contextmanager
    def frozen_clock(self, at: str, *sqs_clients: Any) -> Iterator[Any]:
        """freezegun's ``freeze_time(at)``, which moto follows too; yields the frozen clock.

        moto reads the clock through ``datetime``, so visibility timeouts and retention
        follow the frozen clock (``clock.tick(31)`` lapses a 30-second timeout at once).
        moto's long poll, though, waits until its clock has moved ``WaitTimeSeconds`` on,
        which a frozen clock never does: the ReceiveMessage calls of ``sqs_clients`` are
        sent as short polls meanwhile. The change is made last, after every other
        ``before-parameter-build`` handler (a :class:`BotoRecorder` registered earlier
        still records the ``WaitTimeSeconds`` the code asked for).
        """
        from freezegun import freeze_time

        def short_poll(params: dict[str, Any], model: Any, **_: Any) -> None:
            if model.name == "ReceiveMessage":
                params["WaitTimeSeconds"] = 0

        event, unique_id = "before-parameter-build", f"kata-short-poll-{id(self)}"
        for client in sqs_clients:
            client.meta.events.register_last(event, short_poll, unique_id=unique_id)
        try:
            with freeze_time(at) as frozen:
                yield frozen
        finally:
            for client in sqs_clients:
                client.meta.events.unregister(event, unique_id=unique_id)


def aws_mock(region: str = AWS_REGION) -> AwsMock:
    """AWS mocked by moto, for a ``with`` block: see :class:`AwsMock`."""
    return AwsMock(region)


@dataclass
class BotoCall:
    """One API call a boto3 client made: its operation name and its parameters."""

    operation: str
    """The operation's name as the service spells it: ``"ReceiveMessage"``, ``"PutItem"``."""
    params: dict[str, Any]
    """A deep copy of the keyword arguments the code passed (``QueueUrl``, ``Key``, …)."""


@dataclass
class BotoHook:
    """A hook of :class:`BotoRecorder`: see :meth:`BotoRecorder.before` and ``respond``."""

    when: Callable[[BotoCall], bool]
    action: Callable[[BotoCall], object]
    times: int
    fired: int = 0
    responds: bool = False
    """Whether the action's result is the response (``respond``) rather than ignored."""


class BotoRecorder:
    """Records the API calls of a boto3 client, and runs hooks just before chosen ones.

    It registers botocore event handlers on the client itself (the standard
    extension points: ``before-parameter-build`` to record, ``before-call`` to
    run hooks), so hand the same client to the code under test and make the
    test's own calls, and a hook's rival calls, with another client::

        with BotoRecorder(client) as rec:
            rec.before("UpdateItem", lambda call: rival.update_item(...))  # the race
            bank.save(account)
        assert [c.operation for c in rec.calls] == ["UpdateItem"]

    ``before(when, action)`` runs ``action(call)`` after the call is built and
    before it is sent. ``respond(when, answer)`` does not send the call: the
    code under test gets ``answer(call)`` as the service's parsed response (a
    fault the mock cannot produce, e.g. a batch entry that failed
    server-side). Leaving the ``with`` block (or ``close()``) removes the
    handlers.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: list[BotoCall] = []
        self._hooks: list[BotoHook] = []
        self._id = f"kata-boto-recorder-{id(self)}"
        self._busy = threading.local()
        events = client.meta.events
        events.register("before-parameter-build", self._record, unique_id=self._id + "-record")
        events.register("before-call", self._before_call, unique_id=self._id + "-hook")

    def close(self) -> None:
        """Remove the recorder's handlers from the client."""
        events = self.client.meta.events
        events.unregister("before-parameter-build", unique_id=self._id + "-record")
        events.unregister("before-call", unique_id=self._id + "-hook")

    def __enter__(self) -> BotoRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def named(self, *operations: str) -> list[BotoCall]:
        """The recorded calls of these operations, in order."""
        return [c for c in self.calls if c.operation in operations]

    def clear(self) -> None:
        """Forget the calls recorded so far."""
        self.calls.clear()

    def before(
        self,
        when: str | Callable[[BotoCall], bool],
        action: Callable[[BotoCall], object],
        times: int = 1,
    ) -> BotoHook:
        """Run ``action(call)`` just before a matching call is sent, at most ``times`` times.

        ``when`` is an operation name or a predicate on the call. Calls the
        action makes with this same client are recorded but run no hooks.
        """
        match = (lambda call: call.operation == when) if isinstance(when, str) else when
        hook = BotoHook(match, action, times)
        self._hooks.append(hook)
        return hook

    def respond(
        self,
        when: str | Callable[[BotoCall], bool],
        answer: Callable[[BotoCall], dict[str, Any]],
        times: int = 1,
    ) -> BotoHook:
        """Answer a matching call with ``answer(call)`` instead of sending it, ``times`` times.

        The code under test gets the dict as the parsed response of its call.
        """
        match = (lambda call: call.operation == when) if isinstance(when, str) else when
        hook = BotoHook(match, answer, times, responds=True)
        self._hooks.append(hook)
        return hook

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append(BotoCall(model.name, copy.deepcopy(params)))

    def _before_call(self, model: Any, **_: Any) -> Any:
        if getattr(self._busy, "on", False):
            return None
        call = next((c for c in reversed(self.calls) if c.operation == model.name), None)
        if call is None:
            return None
        response = None
        for hook in self._hooks:
            if hook.fired < hook.times and hook.when(call):
                hook.fired += 1
                self._busy.on = True
                try:
                    got = hook.action(call)
                finally:
                    self._busy.on = False
                if hook.responds and response is None:
                    response = got
        if response is None:
            return None
        from botocore.awsrequest import AWSResponse

        return AWSResponse("https://kata.invalid/", 200, {}, None), response


# --- Constant-time comparison of secrets -----------------------------------------


def _as_bytes(value: object) -> bytes | None:
    """A ``compare_digest`` argument as bytes: ASCII text, or any bytes-like object."""
    if isinstance(value, str):
        return value.encode("ascii", "replace")
    try:
        return bytes(memoryview(value))  # type: ignore[arg-type]
    except TypeError:
        return None


class spy_compare_digest:  # lower case: used like a function, in a with statement
    """Record the calls of ``hmac.compare_digest`` that ``module`` makes, as seen from it.

    Patched while the ``with`` block runs: ``hmac.compare_digest`` and
    ``secrets.compare_digest`` (the same function), and every global of
    ``module`` bound to it, so ``import hmac``, ``import secrets`` and ``from
    hmac import compare_digest as eq`` are all seen. The real function still
    does the comparing. A copy kept elsewhere (a default argument, a class
    attribute) is not seen.

    ``calls`` holds each call's two arguments as bytes (text as ASCII, which is
    all ``compare_digest`` accepts), in the order they were passed.
    """

    def __init__(self, module: Any) -> None:
        self.module = module
        self.calls: list[tuple[bytes | None, bytes | None]] = []
        self._patched: list[tuple[object, str, object]] = []

    def __enter__(self) -> spy_compare_digest:
        import hmac
        import secrets

        real = hmac.compare_digest

        def compare_digest(a: Any, b: Any) -> bool:
            self.calls.append((_as_bytes(a), _as_bytes(b)))
            return real(a, b)

        targets = [(hmac, "compare_digest"), (secrets, "compare_digest")]
        targets += [(self.module, n) for n, v in vars(self.module).items() if v is real]
        for target, name in targets:
            self._patched.append((target, name, getattr(target, name)))
            setattr(target, name, compare_digest)
        return self

    def __exit__(self, *exc: object) -> None:
        while self._patched:
            target, name, value = self._patched.pop()
            setattr(target, name, value)

    def compared(self, a: bytes | str, b: bytes | str) -> bool:
        """Whether some call compared ``a`` with ``b`` (in either order)."""
        pair = sorted([_as_bytes(a), _as_bytes(b)])  # type: ignore[type-var]  # str/bytes: never None
        return any(sorted([x, y]) == pair for x, y in self.calls if x is not None and y is not None)

    def assert_checked(self, presented: Sequence[bytes | str], what: str) -> None:
        """Fail unless some call compared one of the ``presented`` values with another value.

        For a secret the test cannot compute (a random key inside the code under
        test): what was presented — say, the forms a cursor's MAC may take — must
        have been compared in constant time with something else, the value
        expected.
        """
        given = {_as_bytes(value) for value in presented}
        if any((x in given) != (y in given) for x, y in self.calls):
            return
        if not self.calls:
            raise AssertionError(
                f"{what} must be compared with hmac.compare_digest (or secrets.compare_digest), "
                "not with ==: it was never called"
            )
        seen = ", ".join(f"({x!r}, {y!r})" for x, y in self.calls[:3])
        raise AssertionError(
            f"{what} must be compared with hmac.compare_digest: it was called, but never on "
            f"the value presented; calls: {seen}"
        )

    def assert_compared(self, *forms: tuple[bytes | str, bytes | str], what: str) -> None:
        """Fail unless some call compared one of ``forms``: (secret-derived, presented) pairs.

        A secret is compared in constant time: ``==`` stops at the first byte
        that differs, so its running time tells an attacker how much of a guess
        was right (the timing attack ``hmac.compare_digest`` exists to stop).
        """
        if any(self.compared(secret, presented) for secret, presented in forms):
            return
        if not self.calls:
            raise AssertionError(
                f"{what} must be compared with hmac.compare_digest (or secrets.compare_digest), "
                "not with ==: it was never called"
            )
        seen = ", ".join(f"({x!r}, {y!r})" for x, y in self.calls[:3])
        raise AssertionError(
            f"{what} must be compared with hmac.compare_digest: it was called, but never on "
            f"the expected value and the one presented; calls: {seen}"
        )


# --- Thread interleavings ----------------------------------------------------------------
#
# A check-then-act race ("is the slot free? ... take it") only shows when another thread acts
# exactly between the check and the act. Running threads at once and hoping is luck; these
# helpers force every such interleaving instead. ``first`` runs traced in its own thread and
# is paused before one line of the module under test; ``second`` then runs to completion in
# another thread; ``first`` resumes. One serial run (``second`` after ``first``), then one run
# per line ``first`` executes (its "seams"). A race shows on every run, on any solution:
#
# - Lines executed while the thread holds one of the module's locks are not seams: a correct
#   solution whose check and act share one critical section is never split. The module's
#   ``threading.Lock``/``RLock``/``Condition`` (the ``threading`` global, names imported from
#   it, and lock objects in its globals or classes) are replaced by instrumented locks during
#   the run, so the harness knows when a lock is held.
# - Code with no lock at all is split between any two of its lines: the line is the seam, be
#   it a read of a clock, a store or a dict.
# - A single line is never split, so one atomic operation (``dict.setdefault``) stays atomic.
# - If ``second`` blocks (on a lock the harness cannot see, or because it waits for
#   ``first`` by design), ``first`` resumes and ``second`` finishes after it: that run is
#   simply serial. Blocked means: no Python call in any traced thread for ``wait`` seconds,
#   and, where the kernel says (Linux: ``/proc/self/task/<tid>/stat``), every traced thread
#   asleep (state S or D) then and again a moment later. A thread that is runnable
#   (R: waiting for a core on a loaded machine, or computing in C) is waited for, however
#   long. A loop of the module that calls no Python function (a spin, a poll with
#   ``time.sleep``) counts as blocked after three such spells in a row. Elsewhere the rule
#   is the first half alone, which a thread that is merely not scheduled can meet.


@dataclass
class Outcome:
    """What a call did: it returned ``value``, or raised ``error``."""

    value: Any = None
    error: BaseException | None = None

    def get(self) -> Any:
        """The value returned, or the error raised again."""
        if self.error is not None:
            raise self.error
        return self.value

    @classmethod
    def of(cls, fn: Callable[[], Any]) -> Outcome:
        try:
            return cls(value=fn())
        except BaseException as exc:
            return cls(error=exc)


@dataclass(frozen=True)
class Seam:
    """A point where ``first`` was paused: before ``line`` (number ``lineno``) ran."""

    index: int
    filename: str
    lineno: int
    line: str

    def __str__(self) -> str:
        return f"{Path(self.filename).name} line {self.lineno}: {self.line}"


_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


class _Holdings:
    """How many instrumented locks each thread holds."""

    def __init__(self) -> None:
        self._count: dict[int, int] = {}
        self._guard = _thread.allocate_lock()

    def add(self, thread: int, n: int) -> None:
        with self._guard:
            self._count[thread] = self._count.get(thread, 0) + n

    def held(self) -> bool:
        return self._count.get(threading.get_ident(), 0) > 0


class _TracedLock:
    """A ``threading.Lock`` that tells the harness who holds it."""

    def __init__(self, holdings: _Holdings, inner: Any = None) -> None:
        self._inner = inner if inner is not None else _thread.allocate_lock()
        self._holdings = holdings
        self._owner: int | None = None

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        got = self._inner.acquire(blocking, timeout)
        if got:
            self._owner = threading.get_ident()
            self._holdings.add(self._owner, 1)
        return got

    def release(self) -> None:
        owner, self._owner = self._owner, None
        self._inner.release()
        if owner is not None:
            self._holdings.add(owner, -1)

    def locked(self) -> bool:
        return self._inner.locked()

    __enter__ = acquire

    def __exit__(self, *exc: object) -> None:
        self.release()


class _TracedRLock:
    """A ``threading.RLock`` that tells the harness who holds it (``Condition`` works on it)."""

    def __init__(self, holdings: _Holdings, inner: Any = None) -> None:
        # Any: Condition's private protocol (_is_owned, …) is not in the RLock stubs.
        self._inner: Any = inner if inner is not None else threading.RLock()
        self._holdings = holdings

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        got = self._inner.acquire(blocking, timeout)
        if got:
            self._holdings.add(threading.get_ident(), 1)
        return got

    def release(self) -> None:
        self._inner.release()
        self._holdings.add(threading.get_ident(), -1)

    __enter__ = acquire

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _is_owned(self) -> bool:
        return self._inner._is_owned()

    def _release_save(self) -> tuple[Any, int]:
        state = self._inner._release_save()
        depth = state[0]
        self._holdings.add(threading.get_ident(), -depth)
        return state

    def _acquire_restore(self, state: tuple[Any, int]) -> None:
        self._inner._acquire_restore(state)
        self._holdings.add(threading.get_ident(), state[0])


class _ThreadingProxy(types.ModuleType):
    """The ``threading`` module as the module under test sees it: traced locks."""

    def __init__(self, holdings: _Holdings) -> None:
        super().__init__("threading")
        self.Lock = lambda: _TracedLock(holdings)
        self.RLock = lambda *a, **k: _TracedRLock(holdings)
        self.Condition = lambda lock=None: threading.Condition(
            lock if lock is not None else _TracedRLock(holdings)  # type: ignore[arg-type]  # duck-typed
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(threading, name)


def _traced_lock(holdings: _Holdings, lock: Any) -> Any:
    if isinstance(lock, _LOCK_TYPES[0]):
        return _TracedLock(holdings, lock)
    return _TracedRLock(holdings, lock)


class _Patched:
    """Swap the module's locks for traced ones; ``restore`` puts everything back."""

    def __init__(self, module: types.ModuleType, holdings: _Holdings) -> None:
        self._undo: list[tuple[Any, str, Any]] = []
        proxy = _ThreadingProxy(holdings)
        for name, value in list(vars(module).items()):
            if value is threading:
                self._set(module, name, proxy)
            elif value is threading.Lock or value is _thread.allocate_lock:
                self._set(module, name, proxy.Lock)
            elif value is threading.RLock:
                self._set(module, name, proxy.RLock)
            elif value is threading.Condition:
                self._set(module, name, proxy.Condition)
            elif isinstance(value, _LOCK_TYPES):
                self._set(module, name, _traced_lock(holdings, value))
            elif isinstance(value, type) and value.__module__ == module.__name__:
                for attr, member in list(vars(value).items()):
                    if isinstance(member, _LOCK_TYPES):
                        self._set(value, attr, _traced_lock(holdings, member))

    def _set(self, owner: Any, name: str, value: Any) -> None:
        self._undo.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    def restore(self) -> None:
        for owner, name, value in reversed(self._undo):
            setattr(owner, name, value)


class _Run:
    """One run: ``first`` paused at seam number ``pause_at``, ``second`` in between."""

    def __init__(self, files: frozenset[str], holdings: _Holdings, pause_at: int) -> None:
        self._files = files
        self._holdings = holdings
        self._pause_at = pause_at
        self._seams = 0
        self._pausing = True  # until the pause has happened
        self.seam: Seam | None = None
        self.paused = threading.Event()
        self.resume = threading.Event()
        self.calls = 0  # Python calls made in traced threads: a sign of progress
        self.lines = 0  # lines run in the module under test
        self.threads: set[int] = set()  # native ids of the traced threads

    def stop(self) -> None:
        """No more pauses: the rest of the run is free."""
        self._pausing = False

    def trace(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        self.calls += 1
        self.threads.add(threading.get_native_id())
        if frame.f_code.co_filename not in self._files:
            return None
        return self._line

    def _line(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        self.lines += 1
        if event != "line" or not self._pausing or self._holdings.held():
            return self._line
        index, self._seams = self._seams, self._seams + 1
        if index == self._pause_at:
            self.stop()
            line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
            self.seam = Seam(index, frame.f_code.co_filename, frame.f_lineno, line)
            self.paused.set()
            self.resume.wait(60)
        return self._line


_TASKS = Path("/proc/self/task")


def _thread_state(native_id: int) -> str | None:
    """The kernel's state letter of one of this process's threads (Linux), or None.

    ``R`` runnable (running, or waiting for a core), ``S`` asleep (a lock, an event, a
    sleep), ``D`` in uninterruptible I/O; None when the thread is gone or the system
    does not say.
    """
    try:
        stat = (_TASKS / str(native_id) / "stat").read_bytes()
    except OSError:
        return None
    # "tid (comm) S ...": the name may hold spaces and parentheses, the state follows the last ")"
    fields = stat[stat.rfind(b")") + 1 :].split()
    return fields[0].decode("ascii", "replace") if fields else None


def _all_asleep(native_ids: Iterator[int] | set[int]) -> bool | None:
    """Whether every one of these threads still alive sleeps (S or D).

    None where the kernel gives no thread states (no ``/proc``): the caller cannot tell.
    """
    if not _TASKS.is_dir():
        return None
    return all(_thread_state(tid) in (None, "S", "D") for tid in list(native_ids))


_SPIN_SPELLS = 3
"""Spells in a row with lines of the module run but no call: a loop that calls nothing."""


def _wait_until_blocked_or_done(run: _Run, thread: threading.Thread, wait: float) -> None:
    """Wait for ``second``'s thread to finish, or to be blocked (see the notes above).

    After a spell of ``wait`` seconds with no Python activity and every traced thread
    asleep, a short second spell confirms it: a thread found asleep only because it waited
    for the GIL, which this thread held while it looked, gets the GIL meanwhile and runs.
    """
    confirming, spinning = False, 0
    while thread.is_alive():
        calls, lines, checking = run.calls, run.lines, confirming
        thread.join(min(wait, 0.01) if checking else wait)
        if not thread.is_alive():
            return
        confirming = False
        if run.calls != calls:  # busy
            spinning = 0
            continue
        asleep = _all_asleep(run.threads)
        if asleep is None:  # no thread states: no call for `wait` seconds is all we know
            return
        if run.lines != lines:  # lines of the module and no call: a spin, a poll, or slow
            spinning += 1
            if spinning >= _SPIN_SPELLS:
                return
            continue
        if asleep and checking:  # asleep at the end of both spells
            return
        confirming = asleep


def _start(
    fn: Callable[[], Any], trace: Any = None, done: threading.Event | None = None
) -> tuple[threading.Thread, list[Outcome]]:
    out: list[Outcome] = []

    def run() -> None:
        if trace is not None:
            sys.settrace(trace)
        try:
            out.append(Outcome.of(fn))
        finally:
            sys.settrace(None)
            if done is not None:
                done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


_STUCK_AFTER = 10.0
"""Seconds a call may sit with no Python activity and no traced thread runnable."""


def _patiently(done: Callable[[float], bool], run: _Run) -> bool:
    """Wait until ``done(timeout)`` is true; False once the traced threads seem stuck.

    Stuck: no Python activity and no traced thread runnable for ``_STUCK_AFTER``
    seconds (on a loaded machine a slow call is still runnable, so it is waited for;
    without thread states, ``_STUCK_AFTER`` seconds without activity), or ten times
    that in all.
    """
    idle, spell = 0.0, 0.25
    for _ in range(int(10 * _STUCK_AFTER / spell)):
        calls, lines = run.calls, run.lines
        if done(spell):
            return True
        moved = run.calls != calls or run.lines != lines
        idle = 0.0 if moved or _all_asleep(run.threads) is False else idle + spell
        if idle >= _STUCK_AFTER:
            return False
    return False


def _finish(thread: threading.Thread, out: list[Outcome], what: str, run: _Run) -> Outcome:
    def ended(timeout: float) -> bool:
        thread.join(timeout)
        return not thread.is_alive()

    if not _patiently(ended, run) or not out:
        raise AssertionError(f"{what} did not finish: is it waiting forever?")
    return out[0]


def _run_once(
    module: types.ModuleType,
    files: frozenset[str],
    setup: Callable[[], Any],
    first: Callable[[Any], Any],
    second: Callable[[Any], Any],
    pause_at: int,
    wait: float,
) -> tuple[Any, Outcome, Outcome, Seam] | None:
    """Fresh state; ``first`` paused at seam ``pause_at``, ``second`` run meanwhile.

    ``None`` when ``first`` returns before it reaches that seam.
    """
    holdings = _Holdings()
    patched = _Patched(module, holdings)
    run = _Run(files, holdings, pause_at)
    previous_trace = threading.gettrace()
    try:
        state = setup()  # untraced, even in the threads it starts
        threading.settrace(run.trace)
        a_thread, a_out = _start(lambda: first(state), run.trace, run.paused)
        if not _patiently(run.paused.wait, run):  # set at the pause, or when first returns
            raise AssertionError("the first call did not finish: is it waiting forever?")
        if run.seam is None:
            _finish(a_thread, a_out, "the first call", run)
            return None
        b_thread, b_out = _start(lambda: second(state))
        _wait_until_blocked_or_done(run, b_thread, wait)
        run.resume.set()
        a = _finish(a_thread, a_out, "the first call", run)
        b = _finish(b_thread, b_out, "the second call", run)
    finally:
        run.resume.set()
        threading.settrace(previous_trace)  # type: ignore[arg-type, unused-ignore]  # None unsets
        patched.restore()
    return state, a, b, run.seam


def _checked(check: Callable[[Any, Outcome, Outcome], None], where: str, *args: Any) -> None:
    try:
        check(*args)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n({where})") from None


def check_interleavings(
    module: types.ModuleType,
    setup: Callable[[], Any],
    first: Callable[[Any], Any],
    second: Callable[[Any], Any],
    check: Callable[[Any, Outcome, Outcome], None],
    *,
    max_seams: int = 2000,
    wait: float = 0.5,
) -> list[Seam]:
    """Run ``second`` at every seam of ``first``, on fresh state, and ``check`` each outcome.

    ``setup()`` makes fresh state (the module's locks are traced while it runs);
    ``first(state)`` and ``second(state)`` are the two racing calls, and
    ``check(state, first_outcome, second_outcome)`` asserts what must hold
    after both, whatever the order. A failing check fails with the seam at
    which ``first`` was paused. Returns the seams tried, in order, at most
    ``max_seams``. ``second`` counts as blocked (and ``first`` resumes) after
    ``wait`` seconds without a Python call in any traced thread, and on Linux
    only while every traced thread sleeps (never while one is runnable, e.g.
    waiting for a core on a loaded machine).

    The first run is serial and in the calling thread (``first``, then
    ``second``), untraced by the harness, so that coverage tools and debuggers,
    which trace the calling thread, see the code under test.
    """
    state = setup()
    a = Outcome.of(lambda: first(state))
    b = Outcome.of(lambda: second(state))
    _checked(check, "with the second call run after the first", state, a, b)
    filename = module.__file__ or ""
    files = frozenset({filename, os.path.realpath(filename)})
    seams: list[Seam] = []
    for pause_at in range(max_seams):
        done = _run_once(module, files, setup, first, second, pause_at, wait)
        if done is None:
            break
        state, a, b, seam = done
        where = f"with the first call paused before {seam} and the second call run meanwhile"
        _checked(check, where, state, a, b)
        seams.append(seam)
    return seams
