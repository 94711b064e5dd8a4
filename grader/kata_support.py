"""Helpers that several katas' tests share.

Kata tests import them as ``from grader.kata_support import …``; the grader
runs every kata with this package importable.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any


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


class _NullForEveryName(dict):
    def __missing__(self, key: str) -> None:
        return None


def explain_traced(conn: sqlite3.Connection, sql: str) -> list[str]:
    """SQLite's ``EXPLAIN QUERY PLAN`` details for a statement caught by a trace callback.

    The trace callback reports statements with their parameters filled in,
    except on Python 3.10.0-3.10.3 (CPython issue 89301), where the
    placeholders remain; then they are bound to NULL, which gives the same
    plan (without ANALYZE statistics, SQLite plans without looking at values).
    """
    query = "EXPLAIN QUERY PLAN " + sql
    try:
        rows = conn.execute(query).fetchall()
    except sqlite3.ProgrammingError as exc:
        count = re.search(r"uses (\d+)", str(exc))
        params: object = [None] * int(count.group(1)) if count else _NullForEveryName()
        rows = conn.execute(query, params).fetchall()
    return [row[3] for row in rows]


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
        pair = sorted([_as_bytes(a), _as_bytes(b)])
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
