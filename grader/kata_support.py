"""Helpers that several katas' tests share.

Kata tests import them as ``from grader.kata_support import …``; the grader
runs every kata with this package importable.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
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
