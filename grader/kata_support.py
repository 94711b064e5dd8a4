"""Helpers that several katas' tests share.

Kata tests import them as ``from grader.kata_support import …``; the grader
runs every kata with this package importable.
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
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

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:  # type: ignore[override]
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq: Any, /) -> sqlite3.Cursor:  # type: ignore[override]
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
            nulls: object = [None] * int(count.group(1)) if count else _NullForEveryName()
            try:
                rows = sqlite3.Connection.execute(conn, "EXPLAIN QUERY PLAN " + sql, nulls)
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
